"""The event shape, and the bodies that create and change events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from workcommunities.domain.content.schemas import ContentCreateIn, ContentUpdateIn
from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.lib.schema import Moment, Out, StatusOk, WireId, as_utc

# Column sizes of `content` (longer values would fail the database, never the request).
City = Annotated[str, Meta(max_length=200)]
Place = Annotated[str, Meta(max_length=500)]  # location, registration
Format = Annotated[str, Meta(max_length=100)]
Capacity = Annotated[int, Meta(ge=1, le=1_000_000, description="Places for participants; absent or null: unlimited")]


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
    participants_count: int  # going
    capacity: int  # 0: unlimited
    waitlist_count: int
    my_participation: str  # the caller's: "", "going" or "waitlisted"
    checked_in_count: int  # for the organiser; 0 for everyone else
    # "visible", or "hidden" by a moderator: a hidden event reaches only its company and admins.
    moderation_status: str


ParticipantFilter = Literal["going", "waitlisted", "checked_in"]


class JoinOut(StatusOk, kw_only=True):
    participation: str  # "going" or "waitlisted"


class ParticipantOut(Out):
    user_id: str
    full_name: str
    phone: str  # only to admins and the participant (the privacy rule)
    avatar_media_id: str
    status: str  # "going" or "waitlisted"
    joined_at: datetime
    checked_in: bool
    checked_in_at: str  # UTC, "" until checked in


class EventCreateIn(ContentCreateIn, kw_only=True):
    event_date: Moment
    city: City | None = None
    location: Place | None = None
    description: str | None = None
    registration: Place | None = None
    format: Format | None = None
    # A single media, kept in the legacy `media_id` column (not an attachment).
    media_id: WireId | None = None
    capacity: Capacity | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.event_date = as_utc(self.event_date)


class EventUpdateIn(ContentUpdateIn):
    """Only the present keys change the event: `null` clears an optional field and is refused (422) for
    `community_id`, `title` and `event_date`; lowering `capacity` below the going count moves the latest joiners to the
    front of the waitlist, raising it (or null) lets the first in line in; `tags` and `skill_ids` replace the lists."""

    community_id: WireId | UnsetType = UNSET
    event_date: Moment | UnsetType = UNSET
    city: City | UnsetType | None = UNSET
    location: Place | UnsetType | None = UNSET
    description: str | UnsetType | None = UNSET
    registration: Place | UnsetType | None = UNSET
    format: Format | UnsetType | None = UNSET
    media_id: WireId | UnsetType | None = UNSET
    capacity: Capacity | UnsetType | None = UNSET  # null: unlimited

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.event_date, UnsetType):
            self.event_date = as_utc(self.event_date)
