"""The admin slice's own service: reading the audit log (the log is written by lib/audit.py, never through the
API)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from workcommunities.db.models import AuditEntry
from workcommunities.domain.admin.repositories import AuditRepository
from workcommunities.domain.admin.schemas import AuditEntryOut
from workcommunities.lib.errors import BadRequest
from workcommunities.lib.pagination import Page, Paged
from workcommunities.lib.repository import Service
from workcommunities.lib.schema import as_utc


class AuditService(Service[AuditEntry, AuditRepository]):
    repository_type = AuditRepository

    async def entries(
        self,
        page: Page,
        *,
        actor: UUID | None = None,
        target: UUID | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Paged[AuditEntryOut]:
        """Times without an offset are UTC; one outside the calendar once in UTC is a 400."""
        try:
            since, until = (as_utc(value) if value is not None else None for value in (since, until))
        except ValueError as exc:
            raise BadRequest("Invalid time") from exc
        return await self.repository.entries(page, actor=actor, target=target, action=action, since=since, until=until)
