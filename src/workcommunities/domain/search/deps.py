"""Providers of the search slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.search.services import SearchService


def provide_search_service(db_session: NamedDependency[AsyncSession]) -> SearchService:
    return SearchService(db_session)


search_service = Provide(provide_search_service, sync_to_thread=False)
