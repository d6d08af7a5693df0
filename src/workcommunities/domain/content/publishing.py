"""Rules shared by posts and events (one `content` table): where a company may publish, which content it owns, and
replacing a content row's ordered media and skills."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db import replace_ordered
from workcommunities.db.models import Community, Content, ContentMedia, ContentSkill, ContentType
from workcommunities.lib.errors import Conflict, Forbidden, NotFound

ARCHIVED = "Community is archived"


async def publishable_community(session: AsyncSession, company_id: UUID, community_id: UUID | None) -> UUID:
    """A community the caller may publish into: 404 unknown (or malformed), 403 another company's (or no company's),
    409 archived."""
    found = None
    if community_id is not None:
        query = select(Community.company_id, Community.is_archived).where(Community.id == community_id)
        found = (await session.execute(query)).first()
    if found is None or community_id is None:
        raise NotFound()
    if found.company_id != company_id:
        raise Forbidden()
    if found.is_archived:
        raise Conflict(ARCHIVED)
    return community_id


async def owned_content(session: AsyncSession, company_id: UUID, content_id: UUID | None, kind: ContentType) -> Content:
    """A post or event of one of the caller's communities, locked for the write (concurrent edits of one row wait
    for each other instead of colliding on its links): 404 unknown or of the other kind, 403 someone else's."""
    row = None
    if content_id is not None:
        query = (
            select(Content, Community.company_id)
            .join(Community, Community.id == Content.community_id)
            .where(Content.id == content_id, Content.type == kind)
            .with_for_update(of=Content)
        )
        row = (await session.execute(query)).first()
    if row is None:
        raise NotFound()
    content, owner = row
    if owner != company_id:
        raise Forbidden()
    return content


async def replace_links(
    session: AsyncSession, content_id: UUID, *, media_ids: list[UUID] | None, skill_ids: list[UUID] | None
) -> None:
    """Replace the ordered media and/or skills of a content row (None leaves that list as it is)."""
    if media_ids is not None:
        await replace_ordered(session, ContentMedia.content_id, content_id, ContentMedia.media_id, media_ids)
    if skill_ids is not None:
        await replace_ordered(session, ContentSkill.content_id, content_id, ContentSkill.skill_id, skill_ids)
