"""Events: the upcoming lists, publishing and changing events in the caller's communities (the rules posts share,
content/publishing.py), joining them within their capacity, and the organiser's attendee list and check-in.

Capacity: a join past it puts the user on the waitlist; whenever a place frees up (a participant leaves or is
removed, the capacity rises) the first in line moves up, and a capacity lowered below the going count moves the
latest joiners who have not checked in to the front of the waitlist. Each such change is written first and then
counted (`EventRepository.rebalance`) under the event's row lock (PostgreSQL) or SQLite's one write lock, which the
change's first write takes: no two changes ever count the same free place, so an event is never overbooked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from workcommunities.db import AnyRow
from workcommunities.db.models import ContentType, ParticipationStatus, Role
from workcommunities.domain.companies.services import CompanyService
from workcommunities.domain.content.publishing import PublishingService
from workcommunities.domain.events.repositories import EventRepository
from workcommunities.domain.events.schemas import EventCreateIn, EventOut, EventUpdateIn, ParticipantOut
from workcommunities.lib.errors import Conflict, Forbidden, NotFound
from workcommunities.lib.pagination import Page, Paged
from workcommunities.lib.repository import Uses
from workcommunities.lib.schema import present, wire_datetime
from workcommunities.lib.security import Principal, phone_privacy

NOT_GOING = "User is not going to this event"


class EventService(PublishingService[EventRepository]):
    repository_type = EventRepository

    companies = Uses(CompanyService)

    async def upcoming(self, page: Page, viewer: Principal | None, joined_by: UUID | None = None) -> Paged[EventOut]:
        return await self.repository.upcoming(datetime.now(UTC), page, viewer=viewer, joined_by=joined_by)

    async def event(self, event_id: UUID, viewer: Principal | None) -> EventOut:
        return await self.repository.event(event_id, viewer)

    async def create_event(self, caller: Principal, company_id: UUID, data: EventCreateIn) -> EventOut:
        event_id = await self.publish(company_id, ContentType.event, data)
        return await self.repository.event(event_id, caller)

    async def update_event(self, caller: Principal, company_id: UUID, event_id: UUID, data: EventUpdateIn) -> EventOut:
        """`revise` locks the event's row (PostgreSQL) and writes it first (SQLite), as `rebalance` needs."""
        await self.revise(company_id, ContentType.event, event_id, data)
        if "capacity" in present(data):
            await self.repository.rebalance(event_id)
        return await self.repository.event(event_id, caller)

    async def delete_event(self, company_id: UUID, event_id: UUID) -> None:
        await self.remove(company_id, ContentType.event, event_id)

    async def join(self, user_id: UUID, event_id: UUID) -> str:
        """The caller's participation after joining: "going", or "waitlisted" while the event is full."""
        await self.repository.organiser(event_id, lock=True)
        await self.repository.join(user_id, event_id)
        await self.repository.rebalance(event_id)
        if (status := await self.repository.status(user_id, event_id)) is None:  # the event was deleted meanwhile
            raise NotFound()
        return status

    async def leave(self, user_id: UUID, event_id: UUID) -> None:
        await self.repository.organiser(event_id, lock=True)
        if await self.repository.leave(user_id, event_id):
            await self.repository.rebalance(event_id)

    # --- the organiser's ------------------------------------------------------------------------------------------

    async def _organised(self, caller: Principal, event_id: UUID, *, lock: bool) -> None:
        """403 unless the caller may manage the event's participants: an admin, or the company whose community
        holds it; 404 unless it is an event."""
        owner = await self.repository.organiser(event_id, lock=lock)
        if caller.is_admin:
            return
        if caller.role != Role.company or await self.companies.caller_company(caller) != owner:
            raise Forbidden()

    async def participants(
        self, caller: Principal, event_id: UUID, status: str | None, page: Page | None
    ) -> list[ParticipantOut]:
        """Going first, in join order, then the waitlist in line; all of them when `page` is None (the CSV)."""
        await self._organised(caller, event_id, lock=False)
        rows = await self.repository.participants(event_id, status, page)
        return [self._participant(caller, row) for row in rows]

    async def check_in(self, caller: Principal, event_id: UUID, user_id: UUID) -> ParticipantOut:
        """Records that a going participant came (idempotent: the first time stays); 404 for someone who did not
        join, 409 for someone on the waitlist."""
        await self._organised(caller, event_id, lock=True)
        if (status := await self.repository.status(user_id, event_id)) is None:
            raise NotFound()
        if status != ParticipationStatus.going:
            raise Conflict(NOT_GOING)
        await self.repository.check_in(user_id, event_id, datetime.now(UTC))
        row = await self.repository.participant(event_id, user_id)
        assert row is not None, "checked in in this transaction"
        return self._participant(caller, row)

    async def remove_participant(self, caller: Principal, event_id: UUID, user_id: UUID) -> None:
        """The organiser takes someone off the event (or its waitlist); the first in line moves up."""
        await self._organised(caller, event_id, lock=True)
        if not await self.repository.leave(user_id, event_id):
            raise NotFound()
        await self.repository.rebalance(event_id)

    @staticmethod
    def _participant(caller: Principal, row: AnyRow) -> ParticipantOut:
        checked_in = row.checked_in_at is not None
        return ParticipantOut.from_row(
            row,
            checked_in=checked_in,
            checked_in_at=wire_datetime(row.checked_in_at) if checked_in else "",
            **phone_privacy(caller, row.user_id),
        )
