"""Wire conventions, each decided here once.

- Request bodies derive from `Struct`; a PATCH body marks every field `… | UnsetType = UNSET`, and `present(body)` is
  the one reading of it: the fields the client sent, with `null` kept (the slice's service decides what null means).
- Response bodies derive from `Out`; `Out.from_row` applies the non-null rule (contract §1.10): a NULL column becomes
  "" / 0 / [] / False by the field's type, and a UUID is written as 32 lower-case hex characters.
- `parse_id` is the one reading of an id that arrives as text (in a body, a query, a token, or a path whose contract
  answers an empty list for an unknown id); typed path ids (`{post_id:uuid}`) are parsed by the router.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Self
from uuid import UUID

import msgspec
from advanced_alchemy.service import schema_dump
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition
from msgspec import Meta
from msgspec import inspect as msgspec_inspect

from workcommunities.db import AnyRow

_HEX_ID = re.compile(r"^[0-9a-fA-F]{32}$")


class Struct(msgspec.Struct, kw_only=True):
    """Base of every body on the wire (requests directly, responses through `Out`)."""


def present(body: Any) -> dict[str, Any]:
    """The fields a client sent in a body Struct (UNSET dropped, null kept): what a PATCH applies. A dict (a body
    already read, with values the service resolved) is taken as is."""
    values = schema_dump(body)
    assert isinstance(values, dict)
    return values


# --- responses and the non-null rule ----------------------------------------------------------------------------

_EMPTY_BY_TYPE: dict[type[msgspec_inspect.Type], Callable[[], Any]] = {
    msgspec_inspect.StrType: str,
    msgspec_inspect.IntType: int,
    msgspec_inspect.BoolType: bool,
    msgspec_inspect.ListType: list,
}
# Per (response type, row columns): (column index, field name, empty value factory or None when null stays null).
_PLANS: dict[tuple[type, tuple[str, ...]], list[tuple[int, str, Callable[[], Any] | None]]] = {}


def _plan(cls: type[Out], columns: tuple[str, ...]) -> list[tuple[int, str, Callable[[], Any] | None]]:
    info = msgspec_inspect.type_info(cls)
    assert isinstance(info, msgspec_inspect.StructType)
    empty = {field.name: _EMPTY_BY_TYPE.get(type(field.type)) for field in info.fields}
    plan = [(index, name, empty[name]) for index, name in enumerate(columns) if name in empty]
    _PLANS[cls, columns] = plan
    return plan


class Out(Struct):
    """Base of every response body."""

    @classmethod
    def from_row(cls, row: AnyRow, /, **fields: Any) -> Self:
        """A response from a row whose column labels are field names; `fields` supplies (or overrides) the rest.
        NULL → the field's empty value ("" / 0 / [] / False; a nullable field keeps null), UUID → hex."""
        columns = row._fields
        plan = _PLANS.get((cls, columns)) or _plan(cls, columns)
        values: dict[str, Any] = {}
        for index, name, empty in plan:
            value = row[index]
            if value is None:
                values[name] = empty() if empty is not None else None
            elif isinstance(value, UUID):  # asyncpg returns its own UUID subclass
                values[name] = value.hex
            else:
                values[name] = value
        values.update(fields)
        return cls(**values)


class StatusOk(Out):
    status: str = "ok"


# --- ids, times and text ------------------------------------------------------------------------------------------


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


def dedupe(values: list[str] | None) -> list[str]:
    """Trimmed entries, empties dropped, first occurrence kept, order kept (None is an empty list)."""
    seen: dict[str, None] = {}
    for value in values or []:
        if (item := value.strip()) and item not in seen:
            seen[item] = None
    return list(seen)


# Bounded input types: every request field that reaches a column is bounded by the column's size, so over-long
# input is a 422 rather than a database error; lists of ids are capped (a statement takes at most 32 767 values).
Name = Annotated[str, Meta(max_length=200)]
Title = Annotated[str, Meta(max_length=300)]
Url = Annotated[str, Meta(max_length=500)]
WireId = Annotated[str, Meta(max_length=64)]
IdList = Annotated[list[WireId], Meta(max_length=200)]
MAX_TAGS, MAX_TAG_LENGTH = 100, 100


class Tags(list[str]):
    """Free-text tags in a body: a list of strings, or the old service's comma-joined string, which its operators'
    scripts still send (contract §1.11; split on commas here, trimmed with the list). Documented as the list."""


def decode_tags(_: type, value: Any) -> Tags:
    """Litestar's type decoder for `Tags` (a TypeError becomes the field's 422)."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError("Expected `array of string`, or a comma-joined string")
    if len(value) > MAX_TAGS or any(len(item) > MAX_TAG_LENGTH for item in value):
        raise TypeError(f"Expected at most {MAX_TAGS} tags of at most {MAX_TAG_LENGTH} characters")
    return Tags(value)


class TagsSchemaPlugin(OpenAPISchemaPlugin):
    """OpenAPI: `Tags` is the documented list of strings."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is Tags

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        item = Schema(type=OpenAPIType.STRING, max_length=MAX_TAG_LENGTH)
        return Schema(type=OpenAPIType.ARRAY, items=item, max_items=MAX_TAGS)


Amount = Annotated[int, Meta(ge=0, le=2**31 - 1)]
Phone = Annotated[str, Meta(pattern=r"^\+\d{10,15}$", examples=["+79991234567"])]
