"""`/events`: upcoming events, one event, publishing and editing events (owning company), joining them, and the
organiser's attendee list and check-in (rules: events/services.py)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import FromPath, JSONBody, QueryParameter

from workcommunities.domain.auth.guards import require_company, require_user
from workcommunities.domain.events.deps import event_service
from workcommunities.domain.events.schemas import (
    EventCreateIn,
    EventOut,
    EventUpdateIn,
    JoinOut,
    ParticipantFilter,
    ParticipantOut,
)
from workcommunities.domain.events.services import EventService
from workcommunities.lib.errors import documented
from workcommunities.lib.pagination import NEXT_CURSOR_HEADERS, Page, keyset_page, page_provider
from workcommunities.lib.schema import StatusOk, wire_datetime
from workcommunities.lib.security import Principal

CSV = "text/csv; charset=utf-8"
FORMULA_STARTS = frozenset("=+-@\t\r")
CSV_COLUMNS = ("user_id", "full_name", "phone", "status", "joined_at", "checked_in_at")


@dataclass
class ParticipantsOperation(Operation):
    """The list answers JSON, or CSV with `format=csv`."""

    def __post_init__(self) -> None:
        answer = (self.responses or {}).get("200")
        if isinstance(answer, OpenAPIResponse) and answer.content is not None:
            answer.content[CSV] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))


def participants_csv(rows: list[ParticipantOut]) -> bytes:
    """A spreadsheet of participants: UTF-8 with a byte order mark (without it Excel reads Cyrillic as another
    encoding). A name that a spreadsheet would run as a formula (starting with `=`, say) is written as text, with an
    apostrophe in front (OWASP's advice on CSV injection); the other columns are the server's own values."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = msgspec.structs.asdict(row)
        values["joined_at"] = wire_datetime(row.joined_at)
        name = values["full_name"]
        values["full_name"] = "'" + name if name[:1] in FORMULA_STARTS else name
        writer.writerow([values[column] for column in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode()


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
        self,
        viewer: NamedDependency[Principal | None],
        events: NamedDependency[EventService],
        page: NamedDependency[Page],
    ) -> Response[list[EventOut]]:
        return (await events.upcoming(page, viewer)).response()

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
        return (await events.upcoming(page, caller, joined_by=caller.user_id)).response()

    @get(
        "/{event_id:uuid}",
        responses=documented(404, validation=False),
        summary="An event (with the caller's participation when signed in)",
    )
    async def read(
        self,
        viewer: NamedDependency[Principal | None],
        event_id: FromPath[UUID],
        events: NamedDependency[EventService],
    ) -> EventOut:
        return await events.event(event_id, viewer)

    @post(
        "/{event_id:uuid}/join",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 404, validation=False),
        summary="Join an event (idempotent): going, or on the waitlist while it is full",
    )
    async def join(
        self, caller: NamedDependency[Principal], event_id: FromPath[UUID], events: NamedDependency[EventService]
    ) -> JoinOut:
        return JoinOut(participation=await events.join(caller.user_id, event_id))

    @delete(
        "/{event_id:uuid}/join",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 404, validation=False),
        summary="Leave an event or its waitlist (idempotent); the first in line moves up",
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
        self,
        caller: NamedDependency[Principal],
        company: NamedDependency[UUID],
        data: JSONBody[EventCreateIn],
        events: NamedDependency[EventService],
    ) -> EventOut:
        return await events.create_event(caller, company, data)

    @patch(
        "/{event_id:uuid}",
        guards=[require_company],
        responses=documented(400, 401, 403, 404, 409),
        summary="Change an event of the caller's company (only the fields sent)",
    )
    async def update(
        self,
        caller: NamedDependency[Principal],
        company: NamedDependency[UUID],
        event_id: FromPath[UUID],
        data: JSONBody[EventUpdateIn],
        events: NamedDependency[EventService],
    ) -> EventOut:
        return await events.update_event(caller, company, event_id, data)

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

    @get(
        "/{event_id:uuid}/participants",
        guards=[require_user],
        dependencies={"page": page_provider(100)},
        responses={
            200: ResponseSpec(
                list[ParticipantOut], description="The participants (or all of them as CSV)", generate_examples=False
            ),
            **documented(401, 403, 404),
        },
        operation_class=ParticipantsOperation,
        summary="The participants of an event, going then waitlisted (its organiser and admins)",
    )
    async def participants(
        self,
        caller: NamedDependency[Principal],
        event_id: FromPath[UUID],
        events: NamedDependency[EventService],
        page: NamedDependency[Page],
        status: Annotated[ParticipantFilter | None, QueryParameter(description="Only these participants")] = None,
        format: Annotated[
            Literal["json", "csv"], QueryParameter(description="csv: every participant, as a spreadsheet")
        ] = "json",
    ) -> Response[Any]:
        if format == "json":
            return Response(await events.participants(caller, event_id, status, page))
        rows = await events.participants(caller, event_id, status, None)
        return Response(
            participants_csv(rows),
            media_type=CSV,
            headers={"Content-Disposition": f'attachment; filename="participants-{event_id.hex}.csv"'},
        )

    @post(
        "/{event_id:uuid}/participants/{user_id:uuid}/check-in",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 403, 404, 409, validation=False),
        summary="Record that a going participant came (its organiser and admins; idempotent)",
    )
    async def check_in(
        self,
        caller: NamedDependency[Principal],
        event_id: FromPath[UUID],
        user_id: FromPath[UUID],
        events: NamedDependency[EventService],
    ) -> ParticipantOut:
        return await events.check_in(caller, event_id, user_id)

    @delete(
        "/{event_id:uuid}/participants/{user_id:uuid}",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 403, 404, validation=False),
        summary="Take a participant off an event or its waitlist (organiser, admins); the first in line moves up",
    )
    async def remove_participant(
        self,
        caller: NamedDependency[Principal],
        event_id: FromPath[UUID],
        user_id: FromPath[UUID],
        events: NamedDependency[EventService],
    ) -> StatusOk:
        await events.remove_participant(caller, event_id, user_id)
        return StatusOk()
