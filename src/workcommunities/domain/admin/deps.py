"""Providers of the admin slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.admin.services import AuditService


def provide_audit_service(db_session: NamedDependency[AsyncSession]) -> AuditService:
    return AuditService(db_session)


audit_service = Provide(provide_audit_service, sync_to_thread=False)
