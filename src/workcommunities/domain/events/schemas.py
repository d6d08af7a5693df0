"""The event shape, and the bodies that create and change events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.lib.schema import Amount, IdList, Struct, TagList, Title, WireId, as_utc, required_text

# Column sizes of `content` (longer values would fail the database, never the request).
City = Annotated[str, Meta(max_length=200)]
Place = Annotated[str, Meta(max_length=500)]  # location, registration
Format = Annotated[str, Meta(max_length=100)]


class EventOut(Struct):
    id: str
    community_id: WireId
    title: str
    event_date: datetime
    city: str
    location: str
    description: str
    registration: str
    format: str
    media_id: WireId
    tags: TagList
    skills: list[SkillOut]
    cost: int
    participant_payout: int
    participants_count: int = 0


class EventCreateIn(Struct):
    community_id: WireId
    title: Title
    event_date: datetime
    city: City | None = None
    location: Place | None = None
    description: str | None = None
    registration: Place | None = None
    format: Format | None = None
    # A single media, kept in the legacy `media_id` column (not an attachment).
    media_id: WireId | None = None
    tags: TagList | None = None
    skill_ids: IdList | None = None
    cost: Amount | None = None
    participant_payout: Amount | None = None

    def __post_init__(self) -> None:
        self.title = required_text(self.title, "title")
        self.event_date = as_utc(self.event_date)


class EventUpdateIn(Struct):
    """Only the present keys change the event: `null` clears an optional field and is refused (422) for
    `community_id`, `title` and `event_date`; `tags` and `skill_ids` replace the lists."""

    community_id: WireId | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    event_date: datetime | UnsetType = UNSET
    city: City | UnsetType | None = UNSET
    location: Place | UnsetType | None = UNSET
    description: str | UnsetType | None = UNSET
    registration: Place | UnsetType | None = UNSET
    format: Format | UnsetType | None = UNSET
    media_id: WireId | UnsetType | None = UNSET
    tags: TagList | UnsetType | None = UNSET
    skill_ids: IdList | UnsetType | None = UNSET
    cost: Amount | UnsetType | None = UNSET
    participant_payout: Amount | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        if not isinstance(self.title, UnsetType):
            self.title = required_text(self.title, "title")
        if not isinstance(self.event_date, UnsetType):
            self.event_date = as_utc(self.event_date)
