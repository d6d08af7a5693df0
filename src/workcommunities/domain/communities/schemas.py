"""Community shapes shared by every slice that shows communities."""

from __future__ import annotations

from workcommunities.lib.schema import Struct


class CommunityForUserOut(Struct):
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
    members_count: int = 0
