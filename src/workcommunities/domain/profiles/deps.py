"""Providers of the profiles slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.profiles.services import ProfileService


def provide_profile_service(db_session: NamedDependency[AsyncSession]) -> ProfileService:
    return ProfileService(db_session)


profile_service = Provide(provide_profile_service, sync_to_thread=False)
