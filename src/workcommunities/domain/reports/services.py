"""Reporting content, and the moderation queue.

Any signed-in user may report a post, event, story, community or company, once per target (a second report updates
the first and opens it again), at most `REPORTS_PER_HOUR` reports filed or changed an hour. The reports of a target
gather in its one open case, which an admin resolves once for all of them:
- `dismiss`: nothing changes;
- `hide`: a post, event or story is hidden: it leaves every list, feed, search and calendar, and reads by id only for
  its company and admins (who see `moderation_status: "hidden"`); an admin unhides it (`unhide`), its company cannot;
- `archive_community`: the reported community, or the one a reported post or event is in, is archived.
Each decision is in the audit log (`report.resolve`, and the change it made: `post.hide`, `community.archive`...). A
target reported again after its case was resolved opens a new case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from workcommunities.db import AnyRow
from workcommunities.db.models import Community, Content, ModerationCase, ModerationStatus, Report, Story
from workcommunities.domain.reports.repositories import ModerationRepository, ReportRepository
from workcommunities.domain.reports.schemas import (
    ModeratedOut,
    ModerationCaseOut,
    ReportedTargetOut,
    ReportIn,
    ReportOut,
    ResolveIn,
)
from workcommunities.lib.audit import record
from workcommunities.lib.errors import BadRequest, Conflict, NotFound, TooManyRequests
from workcommunities.lib.pagination import Page
from workcommunities.lib.repository import Service
from workcommunities.lib.schema import parse_id
from workcommunities.lib.security import Principal

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
        case_id = await self.repository.open_case(data.target_type, target_id, now)
        row = await self.repository.file(reporter_id, case_id, values, now)
        count, oldest = await self.repository.recent(reporter_id, now - WINDOW)
        if count > REPORTS_PER_HOUR:
            wait = (oldest + WINDOW - now).total_seconds() if oldest is not None else 1
            raise TooManyRequests(int(wait) + 1)
        return ReportOut.from_row(row)


ALREADY_RESOLVED = "Report is already resolved"
TARGET_GONE = "The reported item no longer exists"
HIDEABLE = ("post", "event", "story")
IN_A_COMMUNITY = ("post", "event", "community")


class ModerationService(Service[ModerationCase, ModerationRepository]):
    repository_type = ModerationRepository

    async def queue(self, status: str, page: Page) -> list[ModerationCaseOut]:
        """Open cases the most reported first, then the latest; resolved ones the latest decision first."""
        return await self._cases(await self.repository.queue(status, page))

    async def resolve(self, admin: Principal, case_id: UUID, data: ResolveIn) -> ModerationCaseOut:
        """404 for an unknown case, 409 for a resolved one or when the action's target is gone, 400 for an action
        that does not apply to the target's kind."""
        note = (data.note or "").strip() or None
        now = datetime.now(UTC)
        decision = {"action": data.action, "note": note, "resolved_by": admin.user_id, "resolved_at": now}
        if (case := await self.repository.close(case_id, {**decision, "updated_at": now})) is None:
            raise Conflict(ALREADY_RESOLVED) if await self.repository.exists(id=case_id) else NotFound()
        if data.action == "hide":
            await self._hide(case.target_type, case.target_id)
        elif data.action == "archive_community":
            await self._archive_community(case.target_type, case.target_id)
        await self.repository.close_reports(case_id)
        record(
            self.repository.session,
            "resolve",
            "report",
            case_id,
            {
                "action": [None, data.action],
                "note": [None, note],
                "target_type": [None, case.target_type],
                "target_id": [None, case.target_id],
                "reporters": [None, case.reporters],
            },
        )
        await self.repository.session.flush()
        row = await self.repository.case(case_id)
        assert row is not None, "resolved just now"
        return (await self._cases([row]))[0]

    async def unhide(self, item_id: UUID) -> ModeratedOut:
        """A hidden post, event or story shows again (idempotent); 404 for anything else."""
        for model in (Content, Story):
            if (shown := await self.repository.show(model, item_id)) is not None:
                change = {"moderation_status": [ModerationStatus.hidden, ModerationStatus.visible]}
                record(self.repository.session, "unhide", shown.kind, item_id, change)
                return ModeratedOut(id=item_id.hex, type=shown.kind, moderation_status=ModerationStatus.visible)
        # Not hidden: shown already, or nothing.
        if (content := await self.repository.locked(Content, item_id)) is not None:
            return ModeratedOut(id=item_id.hex, type=content.type, moderation_status=content.moderation_status)
        if (story := await self.repository.locked(Story, item_id)) is not None:
            return ModeratedOut(id=item_id.hex, type="story", moderation_status=story.moderation_status)
        raise NotFound()

    async def _hide(self, target_type: str, target_id: UUID) -> None:
        if target_type not in HIDEABLE:
            raise BadRequest("Only a post, event or story can be hidden")
        item: Content | Story | None
        if target_type == "story":
            item = await self.repository.locked(Story, target_id)
        else:
            item = await self.repository.locked(Content, target_id)
        if item is None:
            raise Conflict(TARGET_GONE)
        item.moderation_status = ModerationStatus.hidden  # audited by the flush (`post.hide`...)

    async def _archive_community(self, target_type: str, target_id: UUID) -> None:
        if target_type not in IN_A_COMMUNITY:
            raise BadRequest("Only a community, or a post or event in one, has a community to archive")
        community_id: UUID | None = target_id
        if target_type != "community":
            content = await self.repository.locked(Content, target_id)
            community_id = content.community_id if content is not None else None
        community = await self.repository.locked(Community, community_id) if community_id is not None else None
        if community is None:
            raise Conflict(TARGET_GONE)
        # Audited by the flush (`community.archive`); only an admin un-archives it (communities/services.py).
        community.is_archived = community.archived_by_moderator = True

    async def _cases(self, rows: Sequence[AnyRow]) -> list[ModerationCaseOut]:
        """The cases of `rows` (`CASES`) with their reasons and latest comments: two statements for any page."""
        ids = [row.id for row in rows]
        reasons: defaultdict[UUID, dict[str, int]] = defaultdict(dict)
        for reason in await self.repository.reasons(ids):
            reasons[reason.case_id][reason.reason] = reason.reports
        comments: defaultdict[UUID, list[str]] = defaultdict(list)
        for comment in await self.repository.comments(ids):
            comments[comment.case_id].append(comment.comment)
        return [
            ModerationCaseOut.from_row(
                row,
                target=_target(row),
                reasons=reasons[row.id],
                comments=comments[row.id],
                first_reported_at=row.created_at,
            )
            for row in rows
        ]


def _target(row: AnyRow) -> ReportedTargetOut:
    """The reported target as it is now, from its kind's columns of the case's row."""
    title: str | None
    community_id = company_id = None
    if row.target_type in ("post", "event"):
        title, community_id, company_id = row.content_title, row.content_community_id, row.content_company_id
        state = row.content_status
    elif row.target_type == "story":
        title, company_id, state = row.story_title, row.story_company_id, row.story_status
    elif row.target_type == "community":
        title, community_id, company_id = row.community_name, row.target_id, row.community_company_id
        state = "archived" if row.community_archived else "visible"
    else:
        title, company_id = row.company_name, row.target_id
        state = "deleted" if row.company_deleted_at is not None else "visible"
    if title is None:  # no row joined: the target was deleted
        return ReportedTargetOut(title="", community_id="", company_id="", state="gone")
    return ReportedTargetOut(
        title=title,
        community_id=community_id.hex if community_id is not None else "",
        company_id=company_id.hex if company_id is not None else "",
        state=state,
    )
