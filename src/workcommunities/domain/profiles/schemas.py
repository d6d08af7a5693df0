"""Shapes of `/profiles`: the caller's profile, and the PATCH body."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from workcommunities.domain.communities.schemas import CommunityOut
from workcommunities.domain.events.schemas import EventOut
from workcommunities.domain.reference.schemas import SkillOut, StatusOut
from workcommunities.lib.schema import IdList, Out, Struct, WireId

# Column sizes (db/models/users.py): longer text is a 422, never a database error.
FullName = Annotated[str, Meta(max_length=200)]
PortfolioUrl = Annotated[str, Meta(max_length=500)]


class ProfileOut(Out):
    id: str  # the profile id
    user_id: str
    full_name: str
    portfolio_url: str
    description: str
    skills: list[SkillOut]  # in saved order
    statuses: list[StatusOut]  # in saved order
    communities: list[CommunityOut]  # membership communities, not archived, by name
    joined_events: list[EventOut]  # joined upcoming events, soonest first, at most 50
    avatar_media_id: str  # an addition: the user's avatar ("" when none)


class ProfileUpdateIn(Struct):
    """Every field is optional. Text: a value sets it, `null` clears it. Lists: a value replaces the saved list
    (entries trimmed, empty ones and repeats dropped, order kept); `null` leaves it as it is."""

    full_name: FullName | UnsetType | None = UNSET
    portfolio_url: PortfolioUrl | UnsetType | None = UNSET
    description: str | UnsetType | None = UNSET
    skill_uids: IdList | UnsetType | None = UNSET
    status_uids: IdList | UnsetType | None = UNSET
    avatar_media_id: WireId | UnsetType | None = UNSET  # an addition: an uploaded media id; null or "" removes it
