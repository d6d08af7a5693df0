"""Shapes of `/reports`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta

from workcommunities.lib.schema import Out, Struct, WireId

TargetType = Literal["post", "event", "story", "community", "company"]
Reason = Literal["spam", "abuse", "illegal", "misleading", "other"]
Comment = Annotated[str, Meta(max_length=2000)]


class ReportIn(Struct):
    target_type: TargetType
    target_id: WireId
    reason: Reason
    comment: Comment | None = None


class ReportOut(Out):
    id: str
    target_type: str
    target_id: str
    reason: str
    comment: str
    status: str  # open, or resolved by a moderator
    created_at: datetime
    updated_at: datetime


# --- the moderation queue (admins) ----------------------------------------------------------------------------------

Action = Literal["dismiss", "hide", "archive_community"]
Note = Annotated[str, Meta(max_length=2000)]


class ResolveIn(Struct):
    """`hide`: a post, event or story disappears for everyone but its company and admins; `archive_community`: the
    reported community, or the one a reported post or event is in; `dismiss`: nothing changes."""

    action: Action
    note: Note | None = None


class ReportedTargetOut(Out):
    """What a case is about, as it is now."""

    title: str  # a post's, event's or story's title; a community's or company's name
    community_id: str  # the community reported, or the one a post or event is in
    company_id: str
    # visible | hidden (posts, events, stories) | archived (communities) | deleted (companies) | gone (no such row)
    state: str


class ModerationCaseOut(Out):
    """The reports of one target since it was last resolved."""

    id: str  # resolve with POST /admin/reports/{id}/resolve
    target_type: str
    target_id: str
    target: ReportedTargetOut
    status: str  # open | resolved
    reporters: int
    reasons: dict[str, int]  # how many reporters gave each reason
    comments: list[str]  # the latest few, newest first
    first_reported_at: datetime
    last_reported_at: datetime
    action: str  # the decision ("" while open)
    note: str
    resolved_by: str
    resolved_at: datetime | None


class ModeratedOut(Out):
    id: str
    type: str  # post | event | story
    moderation_status: str
