"""Offset pagination as the contract sets it: `offset` ≥ 0 (default 0), `limit` ≥ 1 (default 20 or 100), clamped to
100; anything else on the query string is ignored."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.di import Provide
from litestar.params import QueryParameter

from workcommunities.db import AnySelect

MAX_LIMIT = 100
MAX_OFFSET = 2**31 - 1  # the databases' OFFSET takes a 64-bit integer at most; no list is anywhere near this


class Page(msgspec.Struct, frozen=True):
    offset: int = 0
    limit: int = 20

    def apply(self, query: AnySelect) -> AnySelect:
        return query.offset(self.offset).limit(self.limit)


def page_provider(default_limit: int = 20) -> Provide:
    """A `page` dependency reading `offset` and `limit` from the query string."""

    def provide_page(
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Rows to skip")] = 0,
        limit: Annotated[
            int, QueryParameter(ge=1, description=f"Rows to return (at most {MAX_LIMIT})")
        ] = default_limit,
    ) -> Page:
        return Page(offset=offset, limit=min(limit, MAX_LIMIT))

    return Provide(provide_page, sync_to_thread=False)
