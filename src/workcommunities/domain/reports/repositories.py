"""Reports: one per reporter and target, written with an upsert so that a repeated or concurrent report updates it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.mixins.uuid import uuid7
from sqlalchemy import func, select

from workcommunities.db import AnyRow
from workcommunities.db.models import Community, Company, Content, Report, Story, User
from workcommunities.domain.companies.repositories import LIVE as LIVE_COMPANY
from workcommunities.lib.repository import Repository

REPORT = select(
    Report.id,
    Report.target_type,
    Report.target_id,
    Report.reason,
    Report.comment,
    Report.status,
    Report.created_at,
    Report.updated_at,
)
# What a report may name, by its type: the row that must exist.
TARGETS: dict[str, Any] = {
    "post": select(Content.id).where(Content.type == "post"),
    "event": select(Content.id).where(Content.type == "event"),
    "story": select(Story.id),
    "community": select(Community.id),
    "company": select(Company.id).where(LIVE_COMPANY),
}


class ReportRepository(Repository[Report]):
    model_type = Report

    async def target_exists(self, target_type: str, target_id: UUID) -> bool:
        query = TARGETS[target_type]
        id_column = query.selected_columns[0]
        return await self.session.scalar(query.where(id_column == target_id)) is not None

    async def lock_reporter(self, reporter_id: UUID) -> None:
        """The reporter's row, locked until commit (PostgreSQL): one report of theirs at a time."""
        await self.session.execute(select(User.id).where(User.id == reporter_id).with_for_update())

    async def recent(self, reporter_id: UUID, since: datetime) -> tuple[int, datetime | None]:
        """How many reports the reporter filed or changed since then, and the oldest of these changes (index
        ix_report_reporter)."""
        query = select(func.count(), func.min(Report.updated_at)).where(
            Report.reporter_id == reporter_id, Report.updated_at >= since
        )
        row = (await self.session.execute(query)).one()
        return int(row[0]), row[1]

    async def file(self, reporter_id: UUID, values: dict[str, Any], now: datetime) -> AnyRow:
        """The reporter's report of the target, new or updated (and open again), in one statement."""
        changes = {"reason": values["reason"], "comment": values["comment"], "status": "open", "updated_at": now}
        statement = (
            self.insert_into(Report)
            .values(id=uuid7(), reporter_id=reporter_id, created_at=now, **values, status="open", updated_at=now)
            .on_conflict_do_update(
                index_elements=[Report.reporter_id, Report.target_type, Report.target_id], set_=changes
            )
        )
        await self.session.execute(statement)
        key = (Report.reporter_id == reporter_id, Report.target_type == values["target_type"])
        row = await self.row(REPORT.where(*key, Report.target_id == values["target_id"]))
        assert row is not None, "written just now"
        return row
