"""Reports, one per reporter and target, and the moderation cases that group them (db/models/reports.py). Each is
written with an upsert, so that a repeated or concurrent report updates its row and joins the target's one open
case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from advanced_alchemy.mixins.uuid import uuid7
from sqlalchemy import BindParameter, bindparam, func, literal, select, update
from sqlalchemy.orm import aliased

from workcommunities.db import AnyRow
from workcommunities.db.models import Community, Company, Content, ModerationCase, ModerationStatus, Report, Story, User
from workcommunities.db.models.reports import OPEN
from workcommunities.domain.companies.repositories import LIVE as LIVE_COMPANY
from workcommunities.domain.content.repositories import STORY_VISIBLE, VISIBLE
from workcommunities.lib.aggregate import text_constant
from workcommunities.lib.pagination import Page, pages
from workcommunities.lib.repository import Repository

T = TypeVar("T")
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
# What a report may name, by its type: the row that must exist (and show: a hidden one is not there for anyone).
TARGETS: dict[str, Any] = {
    "post": select(Content.id).where(Content.type == "post", VISIBLE),
    "event": select(Content.id).where(Content.type == "event", VISIBLE),
    "story": select(Story.id).where(STORY_VISIBLE),
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

    async def open_case(self, target_type: str, target_id: UUID, now: datetime) -> UUID:
        """The target's open case, new or existing, in one statement (its row then stays locked until commit on
        PostgreSQL, so the reports of one target are counted one by one)."""
        statement = (
            self.insert_into(ModerationCase)
            .values(
                id=uuid7(),
                target_type=target_type,
                target_id=target_id,
                status="open",
                reporters=0,
                last_reported_at=now,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_update(
                index_elements=[ModerationCase.target_type, ModerationCase.target_id],
                index_where=OPEN,  # the target's one open case (ux_moderation_case_open_target)
                set_={"last_reported_at": now, "updated_at": now},
            )
            .returning(ModerationCase.id)
        )
        case_id = await self.session.scalar(statement)
        assert case_id is not None, "inserted or updated"
        return case_id

    async def file(self, reporter_id: UUID, case_id: UUID, values: dict[str, Any], now: datetime) -> AnyRow:
        """The reporter's report in the target's open case, new or updated, then that case's count of reporters."""
        changes = {"reason": values["reason"], "comment": values["comment"], "updated_at": now}
        statement = (
            self.insert_into(Report)
            .values(id=uuid7(), reporter_id=reporter_id, case_id=case_id, created_at=now, status="open", **values)
            .on_conflict_do_update(index_elements=[Report.reporter_id, Report.case_id], set_=changes)
        )
        await self.session.execute(statement)
        reporters = select(func.count()).where(Report.case_id == case_id).scalar_subquery()
        await self.session.execute(
            update(ModerationCase).where(ModerationCase.id == case_id).values(reporters=reporters)
        )
        row = await self.row(REPORT.where(Report.reporter_id == reporter_id, Report.case_id == case_id))
        assert row is not None, "written just now"
        return row


# --- the moderation queue ---------------------------------------------------------------------------------------------

TARGET_COMMUNITY = aliased(Community, name="target_community")  # a community reported itself
POST_COMMUNITY = aliased(Community, name="post_community")  # the community of a reported post or event
IS_CONTENT = ModerationCase.target_type.in_(("post", "event"))
# A case with what its admin needs to judge the target: each kind's own columns (NULL for the other kinds, or when the
# target is gone).
CASES = (
    select(
        ModerationCase.id,
        ModerationCase.target_type,
        ModerationCase.target_id,
        ModerationCase.status,
        ModerationCase.reporters,
        ModerationCase.created_at,
        ModerationCase.last_reported_at,
        ModerationCase.action,
        ModerationCase.note,
        ModerationCase.resolved_by,
        ModerationCase.resolved_at,
        Content.title.label("content_title"),
        Content.community_id.label("content_community_id"),
        Content.moderation_status.label("content_status"),
        POST_COMMUNITY.company_id.label("content_company_id"),
        Story.title.label("story_title"),
        Story.company_id.label("story_company_id"),
        Story.moderation_status.label("story_status"),
        TARGET_COMMUNITY.name.label("community_name"),
        TARGET_COMMUNITY.company_id.label("community_company_id"),
        TARGET_COMMUNITY.is_archived.label("community_archived"),
        Company.name.label("company_name"),
        Company.deleted_at.label("company_deleted_at"),
    )
    .outerjoin(Content, (Content.id == ModerationCase.target_id) & IS_CONTENT)
    .outerjoin(POST_COMMUNITY, POST_COMMUNITY.id == Content.community_id)
    .outerjoin(Story, (Story.id == ModerationCase.target_id) & (ModerationCase.target_type == "story"))
    .outerjoin(
        TARGET_COMMUNITY,
        (TARGET_COMMUNITY.id == ModerationCase.target_id) & (ModerationCase.target_type == "community"),
    )
    .outerjoin(Company, (Company.id == ModerationCase.target_id) & (ModerationCase.target_type == "company"))
)
# The queue: open cases the most reported first, then the latest (index ix_moderation_case_queue); resolved ones the
# latest decision first (index ix_moderation_case_resolved). The status is written into the SQL, so that every plan,
# a reused one too, can use these partial indexes.
QUEUES = {
    "open": pages(
        CASES.where(ModerationCase.status == text_constant("open")).order_by(
            ModerationCase.reporters.desc(), ModerationCase.id.desc()
        )
    ),
    "resolved": pages(
        CASES.where(ModerationCase.status == text_constant("resolved")).order_by(
            ModerationCase.resolved_at.desc(), ModerationCase.id.desc()
        )
    ),
}
CASE_IDS: BindParameter[list[UUID]] = bindparam("case_ids", expanding=True)
REASONS = (
    select(Report.case_id, Report.reason, func.count().label("reports"))
    .where(Report.case_id.in_(CASE_IDS))
    .group_by(Report.case_id, Report.reason)
)
COMMENTS_PER_CASE = 5
_LATEST = (
    select(
        Report.case_id,
        Report.comment,
        func.row_number()
        .over(partition_by=Report.case_id, order_by=(Report.updated_at.desc(), Report.id.desc()))
        .label("n"),
    )
    .where(Report.case_id.in_(CASE_IDS), Report.comment.is_not(None))
    .subquery()
)
COMMENTS = (
    select(_LATEST.c.case_id, _LATEST.c.comment)
    .where(_LATEST.c.n <= COMMENTS_PER_CASE)
    .order_by(_LATEST.c.case_id, _LATEST.c.n)
)


class ModerationRepository(Repository[ModerationCase]):
    model_type = ModerationCase

    async def queue(self, status: str, page: Page) -> Sequence[AnyRow]:
        return await self.rows(QUEUES[status][page.shape], page.params())

    async def case(self, case_id: UUID) -> AnyRow | None:
        return await self.row(CASES.where(ModerationCase.id == case_id))

    async def reasons(self, case_ids: list[UUID]) -> Sequence[AnyRow]:
        """How many reports of each case give each reason."""
        return await self.rows(REASONS, {"case_ids": case_ids}) if case_ids else []

    async def comments(self, case_ids: list[UUID]) -> Sequence[AnyRow]:
        """The latest comments of each case's reports, newest first (`COMMENTS_PER_CASE` each)."""
        return await self.rows(COMMENTS, {"case_ids": case_ids}) if case_ids else []

    async def close(self, case_id: UUID, values: dict[str, Any]) -> AnyRow | None:
        """The open case resolved with `values`, its target's type and id returned; None when it is not open. The
        first statement of a decision: it holds the case's row (PostgreSQL) or the database's write lock (SQLite)
        until commit, so a case is decided once, what the decision then reads stays as read, and a report of the
        target waits (and then opens a new case)."""
        statement = (
            update(ModerationCase)
            .where(ModerationCase.id == case_id, ModerationCase.status == "open")
            .values(status="resolved", **values)
            .returning(ModerationCase.target_type, ModerationCase.target_id, ModerationCase.reporters)
        )
        return (await self.session.execute(statement)).first()

    async def close_reports(self, case_id: UUID) -> None:
        await self.session.execute(update(Report).where(Report.case_id == case_id).values(status="resolved"))

    async def locked(self, model: type[T], item_id: UUID) -> T | None:
        """A post or event, story or community to change, locked until commit (PostgreSQL; SQLite's write lock is
        held already: `close`, `show`)."""
        query = select(model).where(model.id == item_id).with_for_update()  # type: ignore[attr-defined]
        return (await self.session.scalars(query)).first()

    async def show(self, model: type[Content] | type[Story], item_id: UUID) -> AnyRow | None:
        """A hidden post, event or story visible again (its write the decision's first statement, as in `close`);
        the row's kind, or None when none of that id is hidden."""
        kind = model.type if model is Content else literal("story")
        statement = (
            update(model)
            .where(model.id == item_id, model.moderation_status == ModerationStatus.hidden)
            .values(moderation_status=ModerationStatus.visible)
            .returning(kind.label("kind"))
        )
        return (await self.session.execute(statement)).first()
