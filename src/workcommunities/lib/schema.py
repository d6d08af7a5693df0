"""Base Struct for the wire, and id helpers (ids travel as 32 lower-case hex characters)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

_HEX_ID = re.compile(r"^[0-9a-fA-F]{32}$")


class Struct(msgspec.Struct, kw_only=True):
    """Base of every request and response body."""


def hex_id(value: UUID | None) -> str:
    """An id as the wire writes it; a missing id is "" (the non-null rule)."""
    return value.hex if value is not None else ""


def parse_id(value: str) -> UUID | None:
    """A wire id as a UUID, or None when it is not 32 hex characters (callers treat it as unknown)."""
    return UUID(value) if _HEX_ID.match(value) else None


def as_utc(value: datetime) -> datetime:
    """Aware UTC; naive input is read as UTC. A time that leaves the calendar once in UTC is invalid input (a
    ValueError, which request validation reports as a 422)."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("datetime is out of range") from exc


def required_text(value: str, field: str) -> str:
    """A required text field: trimmed, and a 422 when nothing is left."""
    if not (text := value.strip()):
        raise ValueError(f"{field} must not be empty")
    return text


def dedupe(values: list[str]) -> list[str]:
    """Trimmed entries, empties dropped, first occurrence kept, order kept."""
    seen: dict[str, None] = {}
    for value in values:
        if (item := value.strip()) and item not in seen:
            seen[item] = None
    return list(seen)


class StatusOk(Struct):
    status: str = "ok"


# Bounded input types: every request field that reaches a column is bounded by the column's size, so over-long
# input is a 422 rather than a database error; lists of ids are capped (a statement takes at most 32 767 values).
Name = Annotated[str, Meta(max_length=200)]
Title = Annotated[str, Meta(max_length=300)]
Url = Annotated[str, Meta(max_length=500)]
WireId = Annotated[str, Meta(max_length=64)]
IdList = Annotated[list[WireId], Meta(max_length=200)]
TagList = Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(max_length=100)]
Amount = Annotated[int, Meta(ge=0, le=2**31 - 1)]
Phone = Annotated[str, Meta(pattern=r"^\+\d{10,15}$", examples=["+79991234567"])]
