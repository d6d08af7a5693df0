"""Turning pages of content rows into posts, feed items and events in a fixed number of statements.

A page costs three statements whatever its size: the rows (the caller's query over CONTENT_COLUMNS), then every
media item of the page, then every skill of the page. Only the columns the responses need are selected, and the
response Structs are built directly from the rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import BindParameter, bindparam, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db import AnyRow, AnySelect, fetch_rows
from workcommunities.db.models import (
    Community,
    Content,
    ContentMedia,
    ContentSkill,
    EventParticipant,
    Media,
)
from workcommunities.domain.content.schemas import ContentItemOut, PostOut
from workcommunities.domain.events.schemas import EventOut
from workcommunities.domain.media.reads import MEDIA_COLUMNS, media_out
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.domain.reference.services import ordered_skills
from workcommunities.lib.schema import hex_id

CONTENT_COLUMNS = (
    Content.id,
    Content.community_id,
    Content.type,
    Content.title,
    Content.body,
    Content.tags,
    Content.cost,
    Content.participant_payout,
    Content.event_date,
    Content.city,
    Content.location,
    Content.description,
    Content.registration,
    Content.format,
    Content.media_id,
    Content.created_at,
)
PARTICIPANTS_COUNT = (
    select(func.count()).where(EventParticipant.content_id == Content.id).correlate(Content).scalar_subquery()
)
# Newest first with the id as tiebreak: the order of every post list and of the feed (index ix_content_feed).
NEWEST_FIRST = (Content.created_at.desc(), Content.id.desc())
# Upcoming events: by date, then id (index ix_content_events).
SOONEST_FIRST = (Content.event_date, Content.id)


def content_query() -> AnySelect:
    """SELECT of the content columns; callers add WHERE, ORDER BY and paging."""
    return select(*CONTENT_COLUMNS)


def events_query() -> AnySelect:
    return select(*CONTENT_COLUMNS, PARTICIPANTS_COUNT.label("participants_count"))


def live_communities(query: AnySelect) -> AnySelect:
    """Only content of communities that are not archived (feeds and upcoming lists)."""
    return query.join(Community, Community.id == Content.community_id).where(Community.is_archived.is_(False))


def _page_media() -> AnySelect:
    """Every media item of a page of content ids (`ids`), built once: attached ones and an event's legacy one."""
    ids: BindParameter[list[UUID]] = bindparam("ids", expanding=True)
    attached = (
        select(ContentMedia.content_id, ContentMedia.position, *MEDIA_COLUMNS)
        .join(Media, Media.id == ContentMedia.media_id)
        .where(ContentMedia.content_id.in_(ids))
    )
    legacy = (
        select(Content.id.label("content_id"), literal(-1).label("position"), *MEDIA_COLUMNS)
        .join(Media, Media.id == Content.media_id)
        .where(Content.id.in_(ids))
    )
    both = union_all(attached, legacy).subquery()
    return select(both).order_by(both.c.content_id, both.c.position)


_PAGE_MEDIA = _page_media()


def _shared(row: AnyRow, media: dict[UUID, list[MediaOut]], skills: dict[UUID, list[SkillOut]]) -> dict[str, Any]:
    """The fields a post and a feed item share, with the non-null rule applied."""
    return {
        "id": row.id.hex,
        "community_id": row.community_id.hex,
        "title": row.title,
        "media": media.get(row.id, []),
        "tags": list(row.tags or []),
        "skills": skills.get(row.id, []),
        "cost": row.cost or 0,
        "participant_payout": row.participant_payout or 0,
    }


class ContentReader:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def items(self, query: AnySelect) -> list[ContentItemOut]:
        rows = await fetch_rows(self.session, query)
        media, skills = await self._relations(rows)
        return [
            ContentItemOut(
                **_shared(row, media, skills),
                type=row.type,
                body=(row.description if row.type == "event" else row.body) or "",
                event_date=row.event_date,
            )
            for row in rows
        ]

    async def posts(self, query: AnySelect) -> list[PostOut]:
        rows = await fetch_rows(self.session, query)
        media, skills = await self._relations(rows)
        return [PostOut(**_shared(row, media, skills), body=row.body or "") for row in rows]

    async def events(self, query: AnySelect) -> list[EventOut]:
        """`query` must be built on events_query() (it carries participants_count)."""
        rows = await fetch_rows(self.session, query)
        _, skills = await self._relations(rows, with_media=False)
        return [
            EventOut(
                id=row.id.hex,
                community_id=row.community_id.hex,
                title=row.title,
                event_date=row.event_date,
                city=row.city or "",
                location=row.location or "",
                description=row.description or "",
                registration=row.registration or "",
                format=row.format or "",
                media_id=hex_id(row.media_id),
                tags=list(row.tags or []),
                skills=skills.get(row.id, []),
                cost=row.cost or 0,
                participant_payout=row.participant_payout or 0,
                participants_count=row.participants_count,
            )
            for row in rows
        ]

    async def _relations(
        self, rows: Sequence[AnyRow], *, with_media: bool = True
    ) -> tuple[dict[UUID, list[MediaOut]], dict[UUID, list[SkillOut]]]:
        ids = [row.id for row in rows]
        if not ids:
            return {}, {}
        return (await self._media(ids) if with_media else {}), await self._skills(ids)

    async def _media(self, ids: list[UUID]) -> dict[UUID, list[MediaOut]]:
        """Attached media in order; an event's single legacy media comes first (position -1)."""
        result: dict[UUID, list[MediaOut]] = defaultdict(list)
        for row in await fetch_rows(self.session, _PAGE_MEDIA, {"ids": ids}):
            media = result[row.content_id]
            if all(existing.id != row.id.hex for existing in media):
                media.append(media_out(row))
        return result

    async def _skills(self, ids: list[UUID]) -> dict[UUID, list[SkillOut]]:
        return await ordered_skills(self.session, ContentSkill.content_id, ids)
