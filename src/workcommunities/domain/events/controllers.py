"""`/events`: upcoming events, publishing and editing events (owning company), and joining them."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from workcommunities.domain.auth.guards import require_company, require_user
from workcommunities.domain.events.deps import event_service
from workcommunities.domain.events.schemas import EventCreateIn, EventOut, EventUpdateIn
from workcommunities.domain.events.services import EventService
from workcommunities.lib.errors import documented
from workcommunities.lib.pagination import NEXT_CURSOR_HEADERS, Page, keyset_page
from workcommunities.lib.schema import StatusOk
from workcommunities.lib.security import Principal


class EventController(Controller):
    path = "/events"
    tags = ["events"]
    dependencies = {"events": event_service, **keyset_page(20)}

    @get(
        "/upcoming",
        response_headers=NEXT_CURSOR_HEADERS,
        responses=documented(400),
        summary="Upcoming events of live communities, soonest first",
    )
    async def upcoming(
        self, events: NamedDependency[EventService], page: NamedDependency[Page]
    ) -> Response[list[EventOut]]:
        return (await events.upcoming(page)).response()

    @get(
        "/my/upcoming",
        guards=[require_user],
        response_headers=NEXT_CURSOR_HEADERS,
        responses=documented(400, 401),
        summary="Upcoming events the caller joined, soonest first",
    )
    async def my_upcoming(
        self, caller: NamedDependency[Principal], events: NamedDependency[EventService], page: NamedDependency[Page]
    ) -> Response[list[EventOut]]:
        return (await events.upcoming(page, joined_by=caller.user_id)).response()

    @post(
        "/{event_id:uuid}/join",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 404, validation=False),
        summary="Join an event (idempotent)",
    )
    async def join(
        self, caller: NamedDependency[Principal], event_id: FromPath[UUID], events: NamedDependency[EventService]
    ) -> StatusOk:
        await events.join(caller.user_id, event_id)
        return StatusOk()

    @delete(
        "/{event_id:uuid}/join",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 404, validation=False),
        summary="Leave an event (idempotent)",
    )
    async def leave(
        self, caller: NamedDependency[Principal], event_id: FromPath[UUID], events: NamedDependency[EventService]
    ) -> StatusOk:
        await events.leave(caller.user_id, event_id)
        return StatusOk()

    @post(
        "/",
        guards=[require_company],
        status_code=200,
        responses=documented(400, 401, 403, 404, 409),
        summary="Publish an event in one of the caller's communities",
    )
    async def create(
        self, company: NamedDependency[UUID], data: JSONBody[EventCreateIn], events: NamedDependency[EventService]
    ) -> EventOut:
        return await events.create_event(company, data)

    @patch(
        "/{event_id:uuid}",
        guards=[require_company],
        responses=documented(400, 401, 403, 404, 409),
        summary="Change an event of the caller's company (only the fields sent)",
    )
    async def update(
        self,
        company: NamedDependency[UUID],
        event_id: FromPath[UUID],
        data: JSONBody[EventUpdateIn],
        events: NamedDependency[EventService],
    ) -> EventOut:
        return await events.update_event(company, event_id, data)

    @delete(
        "/{event_id:uuid}",
        guards=[require_company],
        status_code=200,
        responses=documented(401, 403, 404, validation=False),
        summary="Delete an event of the caller's company",
    )
    async def remove(
        self, company: NamedDependency[UUID], event_id: FromPath[UUID], events: NamedDependency[EventService]
    ) -> StatusOk:
        await events.delete_event(company, event_id)
        return StatusOk()
