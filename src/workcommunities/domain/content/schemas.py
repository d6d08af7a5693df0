"""Shapes of posts, feed items and stories."""

from __future__ import annotations

from datetime import datetime

from msgspec import UNSET, UnsetType

from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.lib.schema import Amount, IdList, Out, Struct, Tags, Title, WireId, required_text


class PostOut(Out):
    id: str
    community_id: str
    title: str
    body: str
    media: list[MediaOut]
    tags: list[str]
    skills: list[SkillOut]
    cost: int
    participant_payout: int
    # "visible", or "hidden" by a moderator: hidden content reaches only its company and admins.
    moderation_status: str


class ContentItemOut(Out):
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
    # "visible", or "hidden" by a moderator: hidden content reaches only its company and admins.
    moderation_status: str


class StoryOut(Out):
    id: str
    # Holds the company id: the old clients read this name (contract D-08); `company_id` says it plainly.
    community_id: str
    company_id: str
    title: str
    media_url: str
    media: MediaOut | None
    # "visible", or "hidden" by a moderator: hidden content reaches only its company and admins.
    moderation_status: str


# --- request bodies ---------------------------------------------------------------------------------------------------


class ContentCreateIn(Struct):
    """What a new post and a new event share."""

    community_id: WireId
    title: Title
    tags: Tags | None = None
    skill_ids: IdList | None = None
    cost: Amount | None = None
    participant_payout: Amount | None = None

    def __post_init__(self) -> None:
        self.title = required_text(self.title, "title")


class ContentUpdateIn(Struct):
    """What a post's and an event's PATCH share: `title: null` is a 422; a null list clears it."""

    title: Title | UnsetType = UNSET
    tags: Tags | UnsetType | None = UNSET
    skill_ids: IdList | UnsetType | None = UNSET
    cost: Amount | UnsetType | None = UNSET
    participant_payout: Amount | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        if isinstance(self.title, str):
            self.title = required_text(self.title, "title")


class PostCreateIn(ContentCreateIn, kw_only=True):
    body: str
    media_uids: IdList = []  # ordered; duplicates are dropped


class PostUpdateIn(ContentUpdateIn):
    """Only present fields apply. `body: null` clears the body; a list replaces the stored one (media keep the given
    order)."""

    body: str | UnsetType | None = UNSET
    media_uids: IdList | UnsetType | None = UNSET


class StoryCreateIn(Struct):
    company_id: WireId  # must be the caller's company
    title: Title
    media_uid: WireId

    def __post_init__(self) -> None:
        self.title = required_text(self.title, "title")
