"""Shapes of `/users`."""

from __future__ import annotations

from datetime import datetime

from workcommunities.domain.communities.schemas import CommunityForUserOut
from workcommunities.domain.reference.schemas import SkillOut, StatusOut
from workcommunities.lib.schema import Out


class UserOut(Out):
    """A row of the admin's user list."""

    id: str
    role: str
    phone: str
    email: str
    avatar_media_id: str
    created_at: datetime


class UserDetailOut(Out):
    """A user's public page. `phone` is "" unless the caller is that user or an admin; no e-mail, ever."""

    id: str
    role: str
    phone: str
    full_name: str
    portfolio_url: str
    description: str
    avatar_media_id: str
    skills: list[SkillOut]
    statuses: list[StatusOut]
    created_at: datetime
    communities: list[CommunityForUserOut]
