"""Nested lists built by PostgreSQL, so a page is one statement.

A page's rows carry their nested lists (a post's media and skills, a company's gallery) as JSON arrays that
PostgreSQL aggregates in a correlated subquery per row, already in the wire shape of the nested `Out` type:
`json_object` writes ids as 32 hex characters and applies the non-null rule from the type, as `Out.from_row` does
for a row. msgspec decodes each array straight into the Structs. SQLite, the embedded default, reads the same lists
with one batched statement per relation instead (`Repository.aggregates_json` tells which).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias, TypeVar

import msgspec
from advanced_alchemy.types import GUID
from msgspec import inspect as msgspec_inspect
from sqlalchemy import JSON, ColumnElement, Text, Uuid, case, cast, false, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import InstrumentedAttribute

from workcommunities.db import AnySelect
from workcommunities.lib.schema import Out

T = TypeVar("T")
Expression: TypeAlias = ColumnElement[Any] | InstrumentedAttribute[Any]
# Constants are written into the SQL rather than bound: the statement reads as it runs (EXPLAIN, logs).
_EMPTY_SQL: dict[type[msgspec_inspect.Type], ColumnElement[Any]] = {
    msgspec_inspect.StrType: literal_column("''"),
    msgspec_inspect.IntType: literal_column("0"),
    msgspec_inspect.BoolType: false(),
    msgspec_inspect.ListType: literal_column("'[]'"),
}
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


def _is_time(kind: msgspec_inspect.Type) -> bool:
    """A datetime field (null allowed)."""
    kinds = kind.types if isinstance(kind, msgspec_inspect.UnionType) else (kind,)
    return any(isinstance(each, msgspec_inspect.DateTimeType) for each in kinds)


def json_object(out: type[Out], fields: Mapping[str, Expression]) -> ColumnElement[Any]:
    """A JSON object with `out`'s fields in order, from `fields` (one SQL expression per field name), each value
    written as msgspec writes it for `out` (so a page can go out as PostgreSQL wrote it: `wire_list`)."""
    info = msgspec_inspect.type_info(out)
    assert isinstance(info, msgspec_inspect.StructType)
    pairs: list[Any] = []
    for field in info.fields:
        # What msgspec writes is what this writes only for the types handled here, under the field's own name.
        assert field.encode_name == field.name, f"{out.__name__}.{field.name} is renamed"
        assert not isinstance(field.type, msgspec_inspect.FloatType | msgspec_inspect.DecimalType), "numbers: int"
        value: Expression = fields[field.name]
        nullable = _nullable(value)
        if isinstance(value.type, GUID | Uuid):
            value = wire_id(value)
        elif _is_time(field.type):
            value = wire_time(value)
        if isinstance(value.type, JSON) and isinstance(field.type, msgspec_inspect.ListType):
            # A JSON list column (JSONB on PostgreSQL, db/models/_base.py) may hold JSON null (old rows): [] too.
            value = case((func.jsonb_typeof(value) == text_constant("array"), value), else_=literal_column("'[]'"))
        elif (empty := _EMPTY_SQL.get(type(field.type))) is not None and nullable:
            value = func.coalesce(value, empty)
        pairs += [text_constant(field.name), value]
    return func.json_build_object(*pairs)


def json_row(out: type[Out], query: AnySelect) -> ColumnElement[Any]:
    """`json_object` of a column SELECT whose column labels are `out`'s field names (as `Out.from_row` reads it)."""
    return json_object(out, {str(column.key): column for column in query.selected_columns})


def json_page(query: AnySelect, out: type[Out], *order: str) -> AnySelect:
    """A page of the column SELECT `query` (its labels are `out`'s fields) in one row (PostgreSQL): `items`, its JSON
    array in the order of the named columns, for `wire_list`."""
    page = query.subquery("page")
    item = json_object(out, dict(page.c.items()))
    return select(json_list(item, *(page.c[name] for name in order)).label("items"))


def json_array(item: ColumnElement[Any], *order_by: Any) -> ColumnElement[Any]:
    """The JSON array of `item` over the rows of the enclosing subquery, in `order_by` ("[]" when none), as JSON: a
    list nested in another `json_object`."""
    aggregated = func.json_agg(aggregate_order_by(item, *order_by)) if order_by else func.json_agg(item)
    return func.coalesce(aggregated, literal_column("'[]'::json"))


def json_list(item: ColumnElement[Any], *order_by: Any) -> ColumnElement[str]:
    """`json_array` as text: a column of the statement's own rows, which `decode_list` reads."""
    return cast(json_array(item, *order_by), Text)


def wire_list(text: str) -> msgspec.Raw:
    """A `json_list` column as the response body itself, compact, as msgspec would write its Structs (`json_object`
    writes every value in their wire form): a hot page skips decoding into Structs and encoding them again."""
    return msgspec.Raw(msgspec.json.format(text, indent=-1))


def decode_list(text: str | bytes, item: type[T]) -> list[T]:
    """A `json_list` column as Structs."""
    decoder = _DECODERS.get(item) or _DECODERS.setdefault(item, msgspec.json.Decoder(list[item]))  # type: ignore[valid-type]
    result: list[T] = decoder.decode(text)
    return result
