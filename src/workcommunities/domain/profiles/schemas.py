"""Shapes of `/profiles`: the caller's profile, the PATCH body, and the data export."""

from __future__ import annotations

from datetime import datetime
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


# --- the data export (GET /profiles/me/export) -----------------------------------------------------------------


class ExportAccount(Out):
    id: str
    role: str
    phone: str
    email: str
    avatar_url: str
    created_at: datetime
    updated_at: datetime


class ExportProfile(Out):
    full_name: str
    portfolio_url: str
    description: str


class ExportMembership(Out):
    community_id: str
    name: str
    role: str
    joined_at: datetime


class ExportFollow(Out):
    company_id: str
    name: str
    followed_at: datetime


class ExportParticipation(Out):
    event_id: str
    title: str
    event_date: datetime
    status: str  # going or waitlisted
    joined_at: datetime
    checked_in_at: str  # UTC, "" when not checked in


class ExportUpload(Out):
    id: str
    mime: str
    size: int
    created_at: datetime
    url: str  # download, GET /media/{id}


class ExportReport(Out):
    id: str
    target_type: str
    target_id: str
    reason: str
    comment: str
    status: str
    created_at: datetime
    updated_at: datetime


class ExportPublished(Out):
    """Something a company published: a community, post, event, case or story."""

    id: str
    kind: str  # community, post, event, case, story
    title: str  # a community's name
    community_id: str  # "" for a community or a story
    created_at: datetime


class ExportCompany(Out):
    id: str
    name: str
    description: str
    phone: str
    email: str
    created_at: datetime
    published: list[ExportPublished]


class DataExport(Out):
    """Everything the service holds about the caller (152-FZ; GDPR Art. 15 and 20)."""

    exported_at: datetime
    account: ExportAccount
    profile: ExportProfile
    skills: list[SkillOut]
    statuses: list[StatusOut]
    memberships: list[ExportMembership]
    company_follows: list[ExportFollow]
    events: list[ExportParticipation]
    uploads: list[ExportUpload]
    reports: list[ExportReport]  # the reports the caller filed
    companies: list[ExportCompany]  # the companies the caller owns, with what they published
