"""Providers of the communities slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.communities.services import CommunityService


def provide_community_service(db_session: NamedDependency[AsyncSession]) -> CommunityService:
    return CommunityService(db_session)


community_service = Provide(provide_community_service, sync_to_thread=False)
