"""Reporting content: any signed-in user may report a post, event, story, community or company, once per target (a
second report updates the first and opens it again), at most `REPORTS_PER_HOUR` reports filed or changed an hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from workcommunities.db.models import Report
from workcommunities.domain.reports.repositories import ReportRepository
from workcommunities.domain.reports.schemas import ReportIn, ReportOut
from workcommunities.lib.errors import NotFound, TooManyRequests
from workcommunities.lib.repository import Service
from workcommunities.lib.schema import parse_id

REPORTS_PER_HOUR = 20
WINDOW = timedelta(hours=1)


class ReportService(Service[Report, ReportRepository]):
    repository_type = ReportRepository

    async def report(self, reporter_id: UUID, data: ReportIn) -> ReportOut:
        """404 when the target does not exist; 429 past the hourly limit."""
        target_id = parse_id(data.target_id.strip())
        if target_id is None or not await self.repository.target_exists(data.target_type, target_id):
            raise NotFound()
        now = datetime.now(UTC)
        values = {
            "target_type": data.target_type,
            "target_id": target_id,
            "reason": data.reason,
            "comment": (data.comment or "").strip() or None,
        }
        # Written first, counted after, one report of a reporter at a time (their row lock on PostgreSQL, the write
        # lock on SQLite): reports sent at once cannot all slip under the limit. Past it, the write rolls back.
        await self.repository.lock_reporter(reporter_id)
        row = await self.repository.file(reporter_id, values, now)
        count, oldest = await self.repository.recent(reporter_id, now - WINDOW)
        if count > REPORTS_PER_HOUR:
            wait = (oldest + WINDOW - now).total_seconds() if oldest is not None else 1
            raise TooManyRequests(int(wait) + 1)
        return ReportOut.from_row(row)
