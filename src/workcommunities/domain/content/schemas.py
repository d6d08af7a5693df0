"""Shapes of posts, feed items and stories."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

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


# --- request bodies ---------------------------------------------------------------------------------------------------

Title = Annotated[str, Meta(max_length=300)]
# Money columns are 32-bit integers; anything outside is refused with a 422 rather than failing in the database.
Amount = Annotated[int, Meta(ge=0, le=2**31 - 1)]


def _required_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ValueError("title must not be empty")
    return title


class PostCreateIn(Struct):
    community_id: str
    title: Title
    body: str
    media_uids: list[str] = []  # ordered; duplicates are dropped
    tags: list[str] | None = None
    skill_ids: list[str] | None = None
    cost: Amount | None = None
    participant_payout: Amount | None = None

    def __post_init__(self) -> None:
        self.title = _required_title(self.title)


class PostUpdateIn(Struct):
    """Only present fields apply. `title: null` is a 422; `body: null` clears the body; a null list clears it; a list
    replaces the stored one (media keep the given order)."""

    title: Title | UnsetType = UNSET
    body: str | UnsetType | None = UNSET
    media_uids: list[str] | UnsetType | None = UNSET
    tags: list[str] | UnsetType | None = UNSET
    skill_ids: list[str] | UnsetType | None = UNSET
    cost: Amount | UnsetType | None = UNSET
    participant_payout: Amount | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        if isinstance(self.title, str):
            self.title = _required_title(self.title)


class StoryCreateIn(Struct):
    company_id: str  # must be the caller's company
    title: Title
    media_uid: str

    def __post_init__(self) -> None:
        self.title = _required_title(self.title)
