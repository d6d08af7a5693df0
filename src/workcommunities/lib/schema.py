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
from typing import Annotated, Any, Self, TypeVar
from uuid import UUID

import msgspec
from advanced_alchemy.service import schema_dump
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition
from msgspec import Meta
from msgspec import inspect as msgspec_inspect

from workcommunities.db import AnyRow

TimeT = TypeVar("TimeT", bound=datetime)
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


def as_utc(value: TimeT) -> TimeT:
    """Aware UTC; naive input is read as UTC. A time that leaves the calendar once in UTC is invalid input (a
    ValueError, which request validation reports as a 422)."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("datetime is out of range") from exc


def wire_datetime(value: datetime) -> str:
    """A time as msgspec writes it in a response (UTC, `Z`), for a field that is "" until it is set (the non-null
    rule)."""
    return msgspec.json.encode(as_utc(value)).decode().strip('"')


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
# A required name or title holds a character that `str.strip()` keeps: the pattern is the complement of what it strips,
# so the document states exactly what `required_text` refuses.
WHITESPACE = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NON_BLANK = f"[^{WHITESPACE}]"
Name = Annotated[str, Meta(max_length=200, pattern=NON_BLANK)]
Title = Annotated[str, Meta(max_length=300, pattern=NON_BLANK)]
Caption = Annotated[str, Meta(max_length=300)]  # a title that may be blank (a case's, as the old service took it)
Url = Annotated[str, Meta(max_length=500)]
WireId = Annotated[str, Meta(max_length=64)]
# (An id in a list is not length-capped: Litestar would not document it, and a long one names no row, a 400.)
IdList = Annotated[list[str], Meta(max_length=200)]
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


class Moment(datetime):
    """A time in a body (an event's date, a case's date): an RFC 3339 string (naive is read as UTC) from the year
    1900 to 2999. Not a number, which the framework's lenient decoding would otherwise read as a Unix time, and not
    the calendar's ends, which PostgreSQL's driver stores as ±infinity."""

    @classmethod
    def of(cls, value: datetime) -> Moment:
        return cls.combine(value.date(), value.timetz())


MOMENT_PATTERN = r"^(19|2[0-9])[0-9]{2}-"


def decode_moment(_: type, value: Any) -> Moment:
    """Litestar's type decoder for `Moment` (a TypeError or ValueError becomes the field's 422)."""
    if not isinstance(value, str) or not re.match(MOMENT_PATTERN, value):
        raise TypeError("Expected a date-time string (RFC 3339) from the year 1900 to 2999")
    try:
        parsed = msgspec.convert(value, datetime)
    except msgspec.ValidationError as exc:
        raise TypeError(str(exc)) from exc
    return Moment.of(parsed)


class BodySchemaPlugin(OpenAPISchemaPlugin):
    """OpenAPI of the body types that Litestar cannot describe by itself: `Tags`, a list of strings or the old
    comma-joined string, and `Moment`, a date-time string in its years."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is Tags or value is Moment

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        if field_definition.annotation is Moment:
            return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME, pattern=MOMENT_PATTERN)
        item = Schema(type=OpenAPIType.STRING, max_length=MAX_TAG_LENGTH)
        joined = rf"^[^,]{{0,{MAX_TAG_LENGTH}}}(,[^,]{{0,{MAX_TAG_LENGTH}}}){{0,{MAX_TAGS - 1}}}$"
        return Schema(
            one_of=[
                Schema(type=OpenAPIType.ARRAY, items=item, max_items=MAX_TAGS),
                Schema(type=OpenAPIType.STRING, pattern=joined, description="the old service's comma-joined form"),
            ]
        )


TYPE_DECODERS = [(lambda kind: kind is Tags, decode_tags), (lambda kind: kind is Moment, decode_moment)]


# `gt=-1` rather than `ge=0`: Litestar leaves a zero bound out of the document (it skips falsy values).
Amount = Annotated[int, Meta(gt=-1, le=2**31 - 1)]
Phone = Annotated[str, Meta(pattern=r"^\+\d{10,15}$", examples=["+79991234567"])]
