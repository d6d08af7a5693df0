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
