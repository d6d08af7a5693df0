"""Nested lists built by PostgreSQL, so a page is one statement.

A page's rows carry their nested lists (a post's media and skills, a company's gallery) as JSON arrays that
PostgreSQL aggregates in a correlated subquery per row, already in the wire shape of the nested `Out` type:
`json_object` writes ids as 32 hex characters and applies the non-null rule from the type, as `Out.from_row` does
for a row. msgspec decodes each array straight into the Structs. SQLite, the embedded default, reads the same lists
with one batched statement per relation instead (`Repository.on_postgresql` tells which).

The JSON is compact text, written by concatenation exactly as msgspec writes it (no spaces; `to_json` escapes a
string as msgspec does), not by `json_build_object` / `json_agg`, which put spaces after every `:` and `,`: a hot
page goes out as PostgreSQL wrote it (`wire_list`), without reformatting in Python (50 µs of a feed page).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, TypeAlias, TypeVar

import msgspec
from advanced_alchemy.types import GUID
from msgspec import inspect as msgspec_inspect
from sqlalchemy import (
    JSON,
    ColumnElement,
    Text,
    TypeDecorator,
    Uuid,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import InstrumentedAttribute

from workcommunities.db import AnySelect
from workcommunities.lib.schema import Out

T = TypeVar("T")
Expression: TypeAlias = ColumnElement[Any] | InstrumentedAttribute[Any]


class JsonText(TypeDecorator[str]):
    """Compact JSON as text (what this module builds): nested into another `json_object` as it is."""

    impl = Text
    cache_ok = True


# A NULL as the field's empty value (the non-null rule), written into the SQL: the statement reads as it runs.
_EMPTY_JSON: dict[type[msgspec_inspect.Type], str] = {
    msgspec_inspect.StrType: '""',
    msgspec_inspect.IntType: "0",
    msgspec_inspect.BoolType: "false",
    msgspec_inspect.ListType: "[]",
}
# Field types written as JSON strings (a `None` of a union among them is NULL, written null).
_STRINGS = (msgspec_inspect.StrType, msgspec_inspect.LiteralType, msgspec_inspect.EnumType, msgspec_inspect.NoneType)
_DECODERS: dict[Any, msgspec.json.Decoder[Any]] = {}


def wire_id(column: Expression) -> ColumnElement[str]:
    """A UUID column as the API writes ids: 32 lower-case hex characters."""
    return func.replace(cast(column, Text), literal_column("'-'"), literal_column("''"))


def text_constant(value: str) -> ColumnElement[str]:
    """A constant string written into the SQL (only for the project's own constants, never for input)."""
    assert "'" not in value
    return literal_column(f"'{value}'", Text)


def _nullable(value: Expression) -> bool:
    column = getattr(value, "expression", value)
    return bool(getattr(column, "nullable", True))


def wire_time(column: Expression) -> ColumnElement[str]:
    """A time column as msgspec writes an aware datetime: UTC, `Z`, microseconds only when there are any (NULL stays
    NULL)."""
    text = func.to_char(column.op("AT TIME ZONE")(text_constant("UTC")), text_constant('YYYY-MM-DD"T"HH24:MI:SS.US'))
    return func.replace(text, text_constant(".000000"), text_constant("")).op("||")(text_constant("Z"))


def _kinds(kind: msgspec_inspect.Type) -> tuple[msgspec_inspect.Type, ...]:
    return kind.types if isinstance(kind, msgspec_inspect.UnionType) else (kind,)


def _concat(*parts: ColumnElement[Any]) -> ColumnElement[str]:
    return functools.reduce(lambda left, right: left.op("||")(right), parts)


def _json_value(value: Expression, kind: msgspec_inspect.Type) -> ColumnElement[str]:
    """`value` as JSON text for a field of type `kind` (NULL stays NULL)."""
    if isinstance(value.type, JsonText):
        return value  # type: ignore[return-value]
    kinds = _kinds(kind)
    if isinstance(value.type, JSON):
        # A JSON list of strings (tags; JSONB on PostgreSQL, db/models/_base.py). JSONB's text has ", " between
        # elements, which no replacement can tell from a string ending in '", '; `json_strip_nulls` of it as `json`
        # writes the same tokens compact (a list of strings has no nulls to strip). JSON null (old rows): [].
        assert any(
            isinstance(each, msgspec_inspect.ListType) and isinstance(each.item_type, msgspec_inspect.StrType)
            for each in kinds
        ), "JSON columns: lists of strings"
        compact = cast(func.json_strip_nulls(cast(value, postgresql.JSON)), Text)
        return case((func.jsonb_typeof(value) == text_constant("array"), compact), else_=text_constant("[]"))
    if isinstance(value.type, GUID | Uuid):
        return _concat(text_constant('"'), wire_id(value), text_constant('"'))
    if any(isinstance(each, msgspec_inspect.DateTimeType) for each in kinds):
        return _concat(text_constant('"'), wire_time(value), text_constant('"'))
    if any(isinstance(each, msgspec_inspect.BoolType) for each in kinds):
        return case((value.is_(True), text_constant("true")), (value.is_(False), text_constant("false")))
    if any(isinstance(each, msgspec_inspect.IntType) for each in kinds):
        return cast(value, Text)
    assert all(isinstance(each, _STRINGS) for each in kinds), f"a field of type {kind}"
    return cast(func.to_json(cast(value, Text)), Text)  # escaped as msgspec escapes a string


def json_object(out: type[Out], fields: Mapping[str, Expression]) -> ColumnElement[str]:
    """A JSON object with `out`'s fields in order, from `fields` (one SQL expression per field name), each value
    written as msgspec writes it for `out` (so a page can go out as PostgreSQL wrote it: `wire_list`)."""
    info = msgspec_inspect.type_info(out)
    assert isinstance(info, msgspec_inspect.StructType)
    parts: list[ColumnElement[Any]] = []
    for index, field in enumerate(info.fields):
        # What msgspec writes is what this writes only for the types handled here, under the field's own name.
        assert field.encode_name == field.name, f"{out.__name__}.{field.name} is renamed"
        assert not isinstance(field.type, msgspec_inspect.FloatType | msgspec_inspect.DecimalType), "numbers: int"
        value = fields[field.name]
        rendered = _json_value(value, field.type)
        if _nullable(value) and not isinstance(value.type, JsonText):
            empty = _EMPTY_JSON.get(type(field.type), "null")  # a union (`X | None`) keeps null
            rendered = func.coalesce(rendered, text_constant(empty))
        key = msgspec.json.encode(field.name).decode()
        parts += [text_constant(("{" if index == 0 else ",") + key + ":"), rendered]
    return type_coerce(_concat(*parts, text_constant("}")), JsonText)


def json_row(out: type[Out], query: AnySelect) -> ColumnElement[Any]:
    """`json_object` of a column SELECT whose column labels are `out`'s field names (as `Out.from_row` reads it)."""
    return json_object(out, {str(column.key): column for column in query.selected_columns})


def json_page(query: AnySelect, out: type[Out], *order: str) -> AnySelect:
    """A page of the column SELECT `query` (its labels are `out`'s fields) in one row (PostgreSQL): `items`, its JSON
    array in the order of the named columns, for `wire_list`."""
    page = query.subquery("page")
    item = json_object(out, dict(page.c.items()))
    return select(json_list(item, *(page.c[name] for name in order)).label("items"))


def json_list(item: ColumnElement[Any], *order_by: Any) -> ColumnElement[str]:
    """The JSON array of `item` over the rows of the enclosing subquery, in `order_by` ("[]" when none): a column of
    a statement's rows (`decode_list`, `wire_list`), or a list nested in another `json_object`."""
    comma = text_constant(",")
    aggregated = func.string_agg(item, aggregate_order_by(comma, *order_by) if order_by else comma)
    return type_coerce(
        _concat(text_constant("["), func.coalesce(aggregated, text_constant("")), text_constant("]")), JsonText
    )


def wire_list(text: str) -> msgspec.Raw:
    """A `json_list` column as the response body itself, as msgspec would write its Structs (`json_object` writes
    every value in its wire form): a hot page skips decoding into Structs and encoding them again."""
    return msgspec.Raw(text)


def wire_lists(out: type[msgspec.Struct], lists: Mapping[str, str]) -> msgspec.Raw:
    """A Struct whose every field is a list, from each list's `json_list` column, as the body itself (as `wire_list`):
    its fields in their order, as msgspec writes them."""
    return msgspec.Raw("{" + ",".join(f'"{name}":{lists[name]}' for name in out.__struct_fields__) + "}")


def decode_list(text: str | bytes, item: type[T]) -> list[T]:
    """A `json_list` column as Structs."""
    decoder = _DECODERS.get(item) or _DECODERS.setdefault(item, msgspec.json.Decoder(list[item]))  # type: ignore[valid-type]
    result: list[T] = decoder.decode(text)
    return result
