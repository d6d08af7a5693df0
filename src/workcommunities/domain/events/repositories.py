"""Events: the `content` rows of type event, read with their participant count, and who joined them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select

from workcommunities.db import AnyRow
from workcommunities.db.models import Content, ContentType, EventParticipant
from workcommunities.domain.content.repositories import ContentRepository, in_live_communities
from workcommunities.domain.events.schemas import EventOut
from workcommunities.lib.errors import NotFound
from workcommunities.lib.pagination import KeysetOrder, Page, Paged
from workcommunities.lib.repository import count_per_row

IS_EVENT = Content.type == ContentType.event
EVENTS = select(
    Content.id,
    Content.community_id,
    Content.title,
    Content.event_date,
    Content.city,
    Content.location,
    Content.description,
    Content.registration,
    Content.format,
    Content.media_id,
    Content.tags,
    Content.cost,
    Content.participant_payout,
    count_per_row(EventParticipant.content_id, Content.id).label("participants_count"),
).where(IS_EVENT)
# Upcoming events: by date, then id (index ix_content_events).
SOONEST = KeysetOrder("soonest", Content.event_date, Content.id, descending=False)


class EventRepository(ContentRepository):
    async def upcoming(self, now: datetime, page: Page, *, joined_by: UUID | None = None) -> Paged[EventOut]:
        """Events from `now` on (an event at exactly now counts) in live communities, soonest first; with `joined_by`,
        only the events that user joined."""
        query = in_live_communities(EVENTS).where(Content.event_date >= now)
        if joined_by is not None:
            joined = select(EventParticipant.content_id).where(EventParticipant.user_id == joined_by)
            query = query.where(Content.id.in_(joined))
        rows = await self.rows(page.keyset(query, SOONEST))
        return Paged(await self.events(rows), page.next_cursor(rows, SOONEST))

    async def joined_by(self, user_id: UUID, now: datetime, limit: int) -> list[EventOut]:
        """Upcoming events the user joined, soonest first, at most `limit` (their profile shows them)."""
        return (await self.upcoming(now, Page(0, limit), joined_by=user_id)).items

    async def event(self, event_id: UUID) -> EventOut:
        """An event as every list shows it (the answer of a write)."""
        [event] = await self.events(await self.rows(EVENTS.where(Content.id == event_id)))
        return event

    async def events(self, rows: Sequence[AnyRow]) -> list[EventOut]:
        skills = await self.skills_of(rows)
        return [EventOut.from_row(row, skills=skills.get(row.id, [])) for row in rows]

    async def require_event(self, event_id: UUID) -> None:
        if await self.session.scalar(select(Content.id).where(Content.id == event_id, IS_EVENT)) is None:
            raise NotFound()

    async def join(self, user_id: UUID, event_id: UUID) -> None:
        """Idempotent, also when two joins race: the insert skips an existing (user, event) pair."""
        await self.insert_ignore(EventParticipant, user_id=user_id, content_id=event_id)

    async def leave(self, user_id: UUID, event_id: UUID) -> None:
        await self.session.execute(
            delete(EventParticipant).where(EventParticipant.user_id == user_id, EventParticipant.content_id == event_id)
        )
