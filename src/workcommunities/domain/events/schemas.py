"""The event shape, and the bodies that create and change events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from workcommunities.domain.content.schemas import ContentCreateIn, ContentUpdateIn
from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.lib.schema import Moment, Out, WireId, as_utc

# Column sizes of `content` (longer values would fail the database, never the request).
City = Annotated[str, Meta(max_length=200)]
Place = Annotated[str, Meta(max_length=500)]  # location, registration
Format = Annotated[str, Meta(max_length=100)]


class EventOut(Out):
    id: str
    community_id: str
    title: str
    event_date: datetime
    city: str
    location: str
    description: str
    registration: str
    format: str
    media_id: str
    tags: list[str]
    skills: list[SkillOut]
    cost: int
    participant_payout: int
    participants_count: int


class EventCreateIn(ContentCreateIn, kw_only=True):
    event_date: Moment
    city: City | None = None
    location: Place | None = None
    description: str | None = None
    registration: Place | None = None
    format: Format | None = None
    # A single media, kept in the legacy `media_id` column (not an attachment).
    media_id: WireId | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.event_date = as_utc(self.event_date)


class EventUpdateIn(ContentUpdateIn):
    """Only the present keys change the event: `null` clears an optional field and is refused (422) for
    `community_id`, `title` and `event_date`; `tags` and `skill_ids` replace the lists."""

    community_id: WireId | UnsetType = UNSET
    event_date: Moment | UnsetType = UNSET
    city: City | UnsetType | None = UNSET
    location: Place | UnsetType | None = UNSET
    description: str | UnsetType | None = UNSET
    registration: Place | UnsetType | None = UNSET
    format: Format | UnsetType | None = UNSET
    media_id: WireId | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.event_date, UnsetType):
            self.event_date = as_utc(self.event_date)
