"""Providers of the reports slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.reports.services import ModerationService, ReportService


def provide_report_service(db_session: NamedDependency[AsyncSession]) -> ReportService:
    return ReportService(db_session)


report_service = Provide(provide_report_service, sync_to_thread=False)


def provide_moderation_service(db_session: NamedDependency[AsyncSession]) -> ModerationService:
    return ModerationService(db_session)


moderation_service = Provide(provide_moderation_service, sync_to_thread=False)
