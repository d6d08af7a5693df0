"""Events: the upcoming lists, publishing and changing events in the caller's communities (the rules posts share,
content/publishing.py), and joining them."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from workcommunities.db.models import ContentType
from workcommunities.domain.content.publishing import PublishingService
from workcommunities.domain.events.repositories import EventRepository
from workcommunities.domain.events.schemas import EventCreateIn, EventOut, EventUpdateIn
from workcommunities.lib.pagination import Page, Paged


class EventService(PublishingService[EventRepository]):
    repository_type = EventRepository

    async def upcoming(self, page: Page, joined_by: UUID | None = None) -> Paged[EventOut]:
        return await self.repository.upcoming(datetime.now(UTC), page, joined_by=joined_by)

    async def create_event(self, company_id: UUID, data: EventCreateIn) -> EventOut:
        return await self.repository.event(await self.publish(company_id, ContentType.event, data))

    async def update_event(self, company_id: UUID, event_id: UUID, data: EventUpdateIn) -> EventOut:
        await self.revise(company_id, ContentType.event, event_id, data)
        return await self.repository.event(event_id)

    async def delete_event(self, company_id: UUID, event_id: UUID) -> None:
        await self.remove(company_id, ContentType.event, event_id)

    async def join(self, user_id: UUID, event_id: UUID) -> None:
        await self.repository.require_event(event_id)
        await self.repository.join(user_id, event_id)

    async def leave(self, user_id: UUID, event_id: UUID) -> None:
        await self.repository.require_event(event_id)
        await self.repository.leave(user_id, event_id)
