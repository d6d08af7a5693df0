"""Providers of the reference slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.reference.services import ReferenceService


def provide_reference_service(db_session: NamedDependency[AsyncSession]) -> ReferenceService:
    return ReferenceService(db_session)


reference_service = Provide(provide_reference_service, sync_to_thread=False)
