"""`/events`: upcoming events, publishing and editing events (owning company), and joining them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.events.schemas import EventCreateIn, EventOut, EventUpdateIn
from workcommunities.domain.events.services import EventService
from workcommunities.lib.errors import NotFound, documented
from workcommunities.lib.pagination import Page, page_provider
from workcommunities.lib.schema import StatusOk, parse_id
from workcommunities.lib.security import BEARER, Principal, require_company, require_user

AnyRequest = Request[Principal, Any, Any]


def provide_event_service(db_session: NamedDependency[AsyncSession]) -> EventService:
    return EventService(db_session)


def _event_id(value: str) -> UUID:
    """A path id; anything but 32 hex characters is an unknown event."""
    if (event_id := parse_id(value)) is None:
        raise NotFound()
    return event_id


def _company(request: AnyRequest) -> UUID:
    company_id = request.user.company_id
    assert company_id is not None  # require_company resolved it
    return company_id


class EventController(Controller):
    path = "/events"
    tags = ["events"]
    dependencies = {"events": Provide(provide_event_service, sync_to_thread=False), "page": page_provider(20)}

    @get("/upcoming", responses=documented(), summary="Upcoming events of live communities, soonest first")
    async def upcoming(self, events: NamedDependency[EventService], page: NamedDependency[Page]) -> list[EventOut]:
        return await events.upcoming(page)

    @get(
        "/my/upcoming",
        guards=[require_user],
        security=BEARER,
        responses=documented(401),
        summary="Upcoming events the caller joined, soonest first",
    )
    async def my_upcoming(
        self, request: AnyRequest, events: NamedDependency[EventService], page: NamedDependency[Page]
    ) -> list[EventOut]:
        return await events.upcoming(page, request.user.user_id)

    @post(
        "/",
        status_code=200,
        guards=[require_company],
        security=BEARER,
        responses=documented(400, 401, 403, 404, 409),
        summary="Publish an event in one of the caller's communities",
    )
    async def create(
        self, request: AnyRequest, data: JSONBody[EventCreateIn], events: NamedDependency[EventService]
    ) -> EventOut:
        return await events.create(_company(request), data)

    @patch(
        "/{event_id:str}",
        guards=[require_company],
        security=BEARER,
        responses=documented(400, 401, 403, 404, 409),
        summary="Change an event of the caller's company (only the fields sent)",
    )
    async def update(
        self,
        request: AnyRequest,
        event_id: FromPath[str],
        data: JSONBody[EventUpdateIn],
        events: NamedDependency[EventService],
    ) -> EventOut:
        return await events.update(_company(request), _event_id(event_id), data)

    @delete(
        "/{event_id:str}",
        status_code=200,
        guards=[require_company],
        security=BEARER,
        responses=documented(401, 403, 404, validation=False),
        summary="Delete an event of the caller's company",
    )
    async def remove(
        self, request: AnyRequest, event_id: FromPath[str], events: NamedDependency[EventService]
    ) -> StatusOk:
        await events.delete(_company(request), _event_id(event_id))
        return StatusOk()

    @post(
        "/{event_id:str}/join",
        status_code=200,
        guards=[require_user],
        security=BEARER,
        responses=documented(401, 404, validation=False),
        summary="Join an event (idempotent)",
    )
    async def join(
        self, request: AnyRequest, event_id: FromPath[str], events: NamedDependency[EventService]
    ) -> StatusOk:
        await events.join(request.user.user_id, _event_id(event_id))
        return StatusOk()

    @delete(
        "/{event_id:str}/join",
        status_code=200,
        guards=[require_user],
        security=BEARER,
        responses=documented(401, 404, validation=False),
        summary="Leave an event (idempotent)",
    )
    async def leave(
        self, request: AnyRequest, event_id: FromPath[str], events: NamedDependency[EventService]
    ) -> StatusOk:
        await events.leave(request.user.user_id, _event_id(event_id))
        return StatusOk()
