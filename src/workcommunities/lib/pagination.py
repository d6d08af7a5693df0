"""Pagination, decided here once.

Offset, as the contract sets it: `offset` ≥ 0 (default 0), `limit` ≥ 1 (default 20 or 100), clamped to 100; anything
else on the query string is ignored.

Keyset, beside it on the long lists (the feed, community posts, the personal feeds, upcoming events): a full page
answers an `X-Next-Cursor` header, and `?cursor=<it>` reads the page after it, whatever was inserted meanwhile, at
the cost of one index range scan however deep. The cursor is opaque (the last row's sort key and id); a bad one is a
400. The answers stay bare lists, so the shipped app, which knows nothing of cursors, is unaffected.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

import msgspec
from litestar import Response
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.params import QueryParameter
from sqlalchemy import ColumnElement, Integer, bindparam, tuple_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import KeyedColumnElement

from workcommunities.db import AnySelect
from workcommunities.lib.errors import BadRequest

MAX_LIMIT = 100
MAX_OFFSET = 2**31 - 1  # the databases' OFFSET takes a 64-bit integer at most; no list is anywhere near this
INVALID_CURSOR = "Invalid cursor"
NEXT_CURSOR = "X-Next-Cursor"
# The bind parameters of a page's place (`paged`, `Page.params`).
OFFSET, LIMIT, AFTER_AT, AFTER_ID = "page_offset", "page_limit", "after_at", "after_id"
NEXT_CURSOR_HEADERS = [
    ResponseHeader(
        name=NEXT_CURSOR,
        description="Present on a full page: pass it as `cursor` for the next one",
        documentation_only=True,
        required=False,
        value="",  # never sent (documentation only): Litestar derives the header's schema, a string, from its type
    )
]
T = TypeVar("T")
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]
Limit = Annotated[int, QueryParameter(ge=1, description=f"Rows to return (at most {MAX_LIMIT})")]
CursorParameter = Annotated[
    str | None,
    QueryParameter(max_length=200, description=f"Read the page after the one that answered this {NEXT_CURSOR}"),
]


class Cursor(msgspec.Struct, frozen=True, array_like=True):
    order: str  # the list order it was made for
    at: datetime
    id: UUID


@dataclass(frozen=True)
class KeysetOrder:
    """A list order that keyset pages can follow: a time column, then the id as tiebreak (an index behind both).
    (The search's relevance order has the same form, a computed column then the id, and is read by offset only.)"""

    name: str
    at: InstrumentedAttribute[Any] | KeyedColumnElement[Any]
    id: InstrumentedAttribute[UUID]
    descending: bool

    @property
    def columns(self) -> tuple[Any, ...]:
        return (self.at.desc(), self.id.desc()) if self.descending else (self.at, self.id)

    def after(self) -> ColumnElement[bool]:
        """Rows after the cursor's, which comes in as the `after_at` and `after_id` parameters (`Page.params`)."""
        # Bound with the columns' types: SQLite stores ids as 16 bytes, not as the text an untyped UUID parameter
        # would be, and bytes never compare below text.
        last = tuple_(bindparam(AFTER_AT, type_=self.at.type), bindparam(AFTER_ID, type_=self.id.type))
        key = tuple_(self.at, self.id)
        return key < last if self.descending else key > last


def paged(query: AnySelect, order: KeysetOrder | None = None, *, shape: str = "first") -> AnySelect:
    """`query` as the statement of one `Page.shape`, its place coming in as parameters (`Page.params`): in `order`
    (and after a cursor) for a keyset list, in its own order for an offset list. One statement then serves every
    page of that shape, so it is built and compiled once (`Repository.prepared`, `pages`).

    The limit is written into the SQL as a number when it runs, and the first page (and every cursor page) has no
    offset: with a parameter there PostgreSQL cannot tell a page of 20 from 10% of the table, so it plans every
    execution afresh (a few milliseconds, more than running it). With the number, a page's plan is made once per
    connection and reused. A deeper offset page binds its offset (a number would make a statement per offset)."""
    if order is not None:
        query = query.where(order.after()) if shape == "after" else query
        query = query.order_by(*order.columns)
    if shape == "offset":
        query = query.offset(bindparam(OFFSET, type_=Integer()))
    return query.limit(bindparam(LIMIT, type_=Integer(), literal_execute=True))


def pages(query: AnySelect) -> dict[str, AnySelect]:
    """The statements of an offset list, by `Page.shape`."""
    return {shape: paged(query, shape=shape) for shape in ("first", "offset")}


def encode_cursor(cursor: Cursor) -> str:
    return base64.urlsafe_b64encode(msgspec.msgpack.encode(cursor)).rstrip(b"=").decode()


def decode_cursor(text: str) -> Cursor:
    """The cursor a client sent back; anything this module did not make (a time without a zone, or one outside the
    calendar once in UTC) is a 400."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        cursor = msgspec.msgpack.decode(raw, type=Cursor)
        if cursor.at.tzinfo is None:
            raise ValueError("a cursor's time has a zone")
        return msgspec.structs.replace(cursor, at=cursor.at.astimezone(UTC))
    except (binascii.Error, ValueError, OverflowError, msgspec.DecodeError) as exc:
        raise BadRequest(INVALID_CURSOR) from exc


class Page(msgspec.Struct, frozen=True):
    offset: int = 0
    limit: int = 20
    after: Cursor | None = None

    @property
    def shape(self) -> str:
        """Which `paged` statement reads this page: the first, one after a cursor, or one at an offset."""
        if self.after is not None:
            return "after"
        return "offset" if self.offset else "first"

    def params(self, order: KeysetOrder | None = None) -> dict[str, Any]:
        """The values of this page's `paged(query, order, shape=…)` statement; a cursor made for another list is a
        400."""
        values: dict[str, Any] = {OFFSET: self.offset, LIMIT: self.limit}
        if self.after is not None:
            if order is None or self.after.order != order.name:
                raise BadRequest(INVALID_CURSOR)
            values |= {AFTER_AT: self.after.at, AFTER_ID: self.after.id}
        return values

    def next_cursor(self, order: KeysetOrder, count: int, last: tuple[datetime, UUID] | None) -> str:
        """The cursor after this page's `last` row (its `order` key and id) when the page is full of `count` rows
        ("" when it was the last page)."""
        if count < self.limit or last is None:
            return ""
        return encode_cursor(Cursor(order.name, *last))


@dataclass(frozen=True)
class Paged(Generic[T]):
    """A page: its items (or, from PostgreSQL, their JSON as it goes out: `lib.aggregate.wire_list`), and on a keyset
    list the cursor of the next page ("" when there is none)."""

    items: list[T] | msgspec.Raw
    next_cursor: str = ""

    def response(self) -> Response[list[T]]:
        items: Any = self.items  # a Raw is written out as it is
        return Response(items, headers={NEXT_CURSOR: self.next_cursor} if self.next_cursor else None)


def page_provider(default_limit: int = 20, *, keyset: bool = False) -> Provide:
    """A `page` dependency reading `offset` and `limit` from the query string, and `cursor` on keyset lists."""

    def provide_page(offset: Offset = 0, limit: Limit = default_limit) -> Page:
        return Page(offset=offset, limit=min(limit, MAX_LIMIT))

    def provide_keyset_page(offset: Offset = 0, limit: Limit = default_limit, cursor: CursorParameter = None) -> Page:
        if cursor is not None and offset:
            raise BadRequest("Use offset or cursor, not both")
        after = decode_cursor(cursor) if cursor is not None else None
        return Page(offset=offset, limit=min(limit, MAX_LIMIT), after=after)

    return Provide(provide_keyset_page if keyset else provide_page, sync_to_thread=False)


def keyset_page(default_limit: int = 20) -> dict[str, Provide]:
    """The `dependencies` of a keyset list route."""
    return {"page": page_provider(default_limit, keyset=True)}
