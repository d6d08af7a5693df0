"""Providers of the profiles slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.profiles.services import ExportService, ProfileService


def provide_profile_service(db_session: NamedDependency[AsyncSession]) -> ProfileService:
    return ProfileService(db_session)


profile_service = Provide(provide_profile_service, sync_to_thread=False)


def provide_export_service(db_session: NamedDependency[AsyncSession]) -> ExportService:
    return ExportService(db_session)


export_service = Provide(provide_export_service, sync_to_thread=False)
