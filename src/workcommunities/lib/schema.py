"""Base Struct for the wire, and id helpers (ids travel as 32 lower-case hex characters)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID

import msgspec

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
    """Aware UTC; naive input is read as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def dedupe(values: list[str]) -> list[str]:
    """Trimmed entries, empties dropped, first occurrence kept, order kept."""
    seen: dict[str, None] = {}
    for value in values:
        if (item := value.strip()) and item not in seen:
            seen[item] = None
    return list(seen)


class StatusOk(Struct):
    status: str = "ok"
