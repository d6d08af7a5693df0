"""Community shapes shared by every slice that shows communities, and the bodies of /communities."""

from __future__ import annotations

from datetime import datetime

from msgspec import UNSET, UnsetType

from workcommunities.lib.schema import (
    Amount,
    Caption,
    Moment,
    Name,
    Out,
    Struct,
    Tags,
    Url,
    WireId,
    as_utc,
    required_text,
)


class CommunityForUserOut(Out):
    """A community without its member count (the shape of `/users/{id}` communities)."""

    id: str
    name: str
    company_id: str
    description: str
    telegram_url: str
    tags: list[str]
    is_archived: bool
    logo_media_id: str


class CommunityOut(CommunityForUserOut):
    members_count: int


class CaseOut(Out):
    id: str
    community_id: str
    title: str
    description: str
    date: datetime
    solutions_count: int


class CommunityMemberOut(Out):
    """A member: `role` is the user's global role; `phone` is "" unless the viewer is that user or an admin."""

    id: str
    role: str
    phone: str
    full_name: str
    avatar_media_id: str
    created_at: datetime


class CommunityDetailOut(CommunityOut):
    """A community with its cases (newest date first) and its first 100 members (join order)."""

    cases: list[CaseOut]
    members: list[CommunityMemberOut]


# --- request bodies -------------------------------------------------------------------------------------------------


class CommunityCreateIn(Struct):
    name: Name
    # Ignored on `POST /communities` (the caller's company is used); honoured on `POST /admin/communities`.
    company_id: WireId | None = None
    tags: Tags | None = None
    description: str | None = None
    telegram_url: Url | None = None
    logo_media_id: WireId | None = None

    def __post_init__(self) -> None:
        self.name = required_text(self.name, "name")


class CommunityUpdateIn(Struct):
    """Only the present fields change; `null` clears an optional field; `name: null` is invalid."""

    name: Name | UnsetType = UNSET  # `null` is a 422: the name is required
    tags: Tags | UnsetType | None = UNSET
    description: str | UnsetType | None = UNSET
    telegram_url: Url | UnsetType | None = UNSET
    logo_media_id: WireId | UnsetType | None = UNSET
    is_archived: bool | UnsetType = UNSET

    def __post_init__(self) -> None:
        if isinstance(self.name, str):
            self.name = required_text(self.name, "name")


class CaseCreateIn(Struct):
    title: Caption
    date: Moment
    description: str | None = None
    solutions_count: Amount = 0

    def __post_init__(self) -> None:
        self.date = as_utc(self.date)
