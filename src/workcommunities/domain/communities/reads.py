"""Reading communities with their true member count, in one statement per list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db import AnyRow, AnySelect, fetch_rows
from workcommunities.db.models import Community, Membership
from workcommunities.domain.communities.schemas import CommunityForUserOut, CommunityOut
from workcommunities.lib.schema import hex_id

# Counted per row by the membership index (community_id, joined_at, user_id); no per-item query.
MEMBERS_COUNT = (
    select(func.count()).where(Membership.community_id == Community.id).correlate(Community).scalar_subquery()
)
COMMUNITY_COLUMNS = (
    Community.id,
    Community.name,
    Community.company_id,
    Community.description,
    Community.telegram_url,
    Community.tags,
    Community.is_archived,
    Community.logo_media_id,
)
# Lists order by name with the id as tiebreak (index ix_community_listing / ix_community_company).
LIST_ORDER = (Community.name, Community.id)


def communities_query() -> AnySelect:
    """SELECT of the community columns and members_count; callers add WHERE, ORDER BY and paging."""
    return select(*COMMUNITY_COLUMNS, MEMBERS_COUNT.label("members_count"))


def _fields(row: AnyRow) -> dict[str, Any]:
    """The non-null presentation of a community row (ids as hex, missing text as "")."""
    return {
        "id": row.id.hex,
        "name": row.name,
        "company_id": hex_id(row.company_id),
        "description": row.description or "",
        "telegram_url": row.telegram_url or "",
        "tags": list(row.tags or []),
        "is_archived": row.is_archived,
        "logo_media_id": hex_id(row.logo_media_id),
    }


def community_out(row: AnyRow) -> CommunityOut:
    return CommunityOut(**_fields(row), members_count=row.members_count)


def community_for_user_out(row: AnyRow) -> CommunityForUserOut:
    return CommunityForUserOut(**_fields(row))


async def list_communities(session: AsyncSession, query: AnySelect) -> list[CommunityOut]:
    return [community_out(row) for row in await fetch_rows(session, query)]
