"""Shapes of posts, feed items and stories."""

from __future__ import annotations

from datetime import datetime

from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.lib.schema import Struct


class PostOut(Struct):
    id: str
    community_id: str
    title: str
    body: str
    media: list[MediaOut]
    tags: list[str]
    skills: list[SkillOut]
    cost: int
    participant_payout: int


class ContentItemOut(Struct):
    """One row of the unified feed: a post, or an event with its description as `body`."""

    id: str
    community_id: str
    title: str
    type: str  # post | event
    body: str
    event_date: datetime | None  # null for posts
    media: list[MediaOut]
    tags: list[str]
    skills: list[SkillOut]
    cost: int
    participant_payout: int


class StoryOut(Struct):
    id: str
    # Holds the company id: the old clients read this name (contract D-08); `company_id` says it plainly.
    community_id: str
    company_id: str
    title: str
    media_url: str
    media: MediaOut | None
