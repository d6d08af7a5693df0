"""Events: the `content` rows of type event, read with their participant count, and who joined them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ScalarSelect, bindparam, delete, select

from workcommunities.db import AnySelect
from workcommunities.db.models import Content, ContentSkill, ContentType, EventParticipant
from workcommunities.domain.content.repositories import ContentRepository, in_live_communities
from workcommunities.domain.events.schemas import EventOut
from workcommunities.domain.reference.repositories import ordered_json
from workcommunities.lib.aggregate import json_list, json_object
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


def _upcoming(*, joined: bool) -> AnySelect:
    """Events from the `now` parameter on (an event at exactly now counts) in live communities; `joined`: only the
    events that the `user_id` parameter joined."""
    query = in_live_communities(EVENTS).where(Content.event_date >= bindparam("now"))
    if not joined:
        return query
    participant = EventParticipant.user_id == bindparam("user_id")
    return query.where(Content.id.in_(select(EventParticipant.content_id).where(participant)))


def joined_json(limit: int) -> ScalarSelect[str]:
    """`EventRepository.joined_by` as a JSON array (PostgreSQL), for a statement that reads the profile with it (its
    `now` and `user_id` parameters)."""
    skills = ordered_json(ContentSkill.content_id, Content.id, nested=True).label("skills")
    page = _upcoming(joined=True).add_columns(skills).order_by(*SOONEST.columns).limit(limit).subquery()
    item = json_object(EventOut, dict(page.c.items()))
    return select(json_list(item, page.c.event_date, page.c.id)).scalar_subquery()


class EventRepository(ContentRepository):
    async def upcoming(self, now: datetime, page: Page, *, joined_by: UUID | None = None) -> Paged[EventOut]:
        """Events from `now` on in live communities, soonest first; with `joined_by`, only the events that user
        joined."""
        joined = joined_by is not None
        return await self.page_of(
            EventOut,
            page,
            "joined_events" if joined else "upcoming",
            lambda: _upcoming(joined=joined),
            order=SOONEST,
            now=now,
            user_id=joined_by,
        )

    async def joined_by(self, user_id: UUID, now: datetime, limit: int) -> list[EventOut]:
        """Upcoming events the user joined, soonest first, at most `limit` (their profile shows them on SQLite;
        PostgreSQL reads them with the profile: `joined_json`)."""
        items = (await self.upcoming(now, Page(0, limit), joined_by=user_id)).items
        assert isinstance(items, list)
        return items

    async def event(self, event_id: UUID) -> EventOut:
        """An event as every list shows it (the answer of a write)."""
        event = await self.one(EventOut, EVENTS.where(Content.id == event_id))
        assert event is not None, "read back in the transaction that wrote it"
        return event

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
