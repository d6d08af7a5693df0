"""Events: the upcoming lists, creating and changing events in the caller's communities, and joining them.

Create and PATCH share one path (`_changes` validates a body, `_write` applies it), and every response is read back
through `ContentReader.events`, the same code that builds the lists.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from msgspec import UNSET
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db import insert_ignore
from workcommunities.db.models import Content, ContentType, EventParticipant
from workcommunities.domain.content.publishing import owned_content, publishable_community, replace_links
from workcommunities.domain.content.reads import SOONEST_FIRST, ContentReader, events_query, live_communities
from workcommunities.domain.events.schemas import EventCreateIn, EventOut, EventUpdateIn
from workcommunities.domain.media.reads import existing_media_id
from workcommunities.domain.reference.services import existing_skill_ids
from workcommunities.lib.errors import NotFound
from workcommunities.lib.pagination import Page
from workcommunities.lib.schema import dedupe, parse_id

IS_EVENT = Content.type == ContentType.event.value


class EventService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.reader = ContentReader(session)

    # --- reads ----------------------------------------------------------------------------------------------------

    async def upcoming(self, page: Page, user_id: UUID | None = None) -> list[EventOut]:
        """Events from now on (an event at exactly now counts) in live communities, soonest first, then by id;
        with `user_id`, only the events that user joined."""
        query = live_communities(events_query()).where(IS_EVENT, Content.event_date >= datetime.now(UTC))
        if user_id is not None:
            joined = select(EventParticipant.content_id).where(EventParticipant.user_id == user_id)
            query = query.where(Content.id.in_(joined))
        return await self.reader.events(page.apply(query.order_by(*SOONEST_FIRST)))

    async def get(self, event_id: UUID) -> EventOut:
        events = await self.reader.events(events_query().where(Content.id == event_id))
        if not events:
            raise NotFound()
        return events[0]

    # --- writes by the owning company -----------------------------------------------------------------------------

    async def create(self, company_id: UUID, data: EventCreateIn) -> EventOut:
        event = Content(type=ContentType.event.value)
        await self._write(event, await self._changes(company_id, data))
        return await self.get(event.id)

    async def update(self, company_id: UUID, event_id: UUID, data: EventUpdateIn) -> EventOut:
        event = await owned_content(self.session, company_id, event_id, ContentType.event)
        # An archived community's events are read-only.
        await publishable_community(self.session, company_id, event.community_id)
        changes = await self._changes(company_id, data)
        if changes:
            await self._write(event, changes)
        return await self.get(event.id)

    async def delete(self, company_id: UUID, event_id: UUID) -> None:
        """Deleting is allowed in an archived community too (the owner may clean up)."""
        event = await owned_content(self.session, company_id, event_id, ContentType.event)
        await self.session.execute(delete(Content).where(Content.id == event.id))

    async def _changes(self, company_id: UUID, data: EventCreateIn | EventUpdateIn) -> dict[str, Any]:
        """The body's present fields, validated and normalised, as column values (`skill_ids` as ordered UUIDs).
        Nothing is written here, so a refused body leaves the event untouched."""
        changes = {name: getattr(data, name) for name in data.__struct_fields__ if getattr(data, name) is not UNSET}
        if "community_id" in changes:
            community_id = parse_id(changes["community_id"].strip())
            changes["community_id"] = await publishable_community(self.session, company_id, community_id)
        if "media_id" in changes:
            changes["media_id"] = await existing_media_id(self.session, changes["media_id"])
        if "skill_ids" in changes:
            changes["skill_ids"] = await existing_skill_ids(self.session, changes["skill_ids"] or [], "skill_ids")
        if "tags" in changes:
            changes["tags"] = dedupe(changes["tags"] or [])
        return changes

    async def _write(self, event: Content, changes: dict[str, Any]) -> None:
        skill_ids: list[UUID] | None = changes.pop("skill_ids", None)
        for name, value in changes.items():
            setattr(event, name, value)
        self.session.add(event)
        await self.session.flush()
        await replace_links(self.session, event.id, media_ids=None, skill_ids=skill_ids)

    # --- participation --------------------------------------------------------------------------------------------

    async def join(self, user_id: UUID, event_id: UUID) -> None:
        """Idempotent, also when two joins race: the insert skips an existing (user, event) pair."""
        await self._require_event(event_id)
        await insert_ignore(self.session, EventParticipant, user_id=user_id, content_id=event_id)

    async def leave(self, user_id: UUID, event_id: UUID) -> None:
        await self._require_event(event_id)
        await self.session.execute(
            delete(EventParticipant).where(EventParticipant.user_id == user_id, EventParticipant.content_id == event_id)
        )

    async def _require_event(self, event_id: UUID) -> None:
        if await self.session.scalar(select(Content.id).where(Content.id == event_id, IS_EVENT)) is None:
            raise NotFound()
