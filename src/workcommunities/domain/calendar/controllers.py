"""The calendar feeds (RFC 5545): `/events/{id}/calendar.ics` (one event, public) and `/calendar/{token}.ics` (the
personal feed, for calendar apps: the token in the URL stands in for a login). The token is issued and revoked at
`/profiles/me/calendar-token` (domain/profiles/controllers.py)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, PathParameter

from workcommunities.domain.calendar.deps import calendar_service
from workcommunities.domain.calendar.ics import MEDIA_TYPE
from workcommunities.domain.calendar.services import FEED_FILE, CalendarService
from workcommunities.lib.errors import documented

FeedFile = Annotated[
    str,
    PathParameter(
        description="The feed's token followed by `.ics`, as `POST /profiles/me/calendar-token` answered it",
        # Documented, not enforced by the framework: any other name is a 404 like an unknown token, never a 422.
        schema_extra={"pattern": f"^{FEED_FILE.pattern}$"},
    ),
]


def _ics_responses(description: str) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(str, description=description, media_type=MEDIA_TYPE, generate_examples=False),
        **documented(404, validation=False),
    }


def _ics(body: bytes, filename: str, *, private: bool = False) -> Response[bytes]:
    """`private`: the URL is a secret and the answer personal, so no cache keeps it (calendar apps poll it anyway)."""
    headers = {"Content-Disposition": f'inline; filename="{filename}"'}
    if private:
        headers["Cache-Control"] = "no-store"
    return Response(body, headers=headers)


class CalendarController(Controller):
    path = "/"
    tags = ["calendar"]
    dependencies = {"calendar": calendar_service}

    @get(
        "/events/{event_id:uuid}/calendar.ics",
        media_type=MEDIA_TYPE,
        responses=_ics_responses("An iCalendar (RFC 5545) with the event"),
        summary="One event as an iCalendar file, to add it to a calendar (anonymous)",
    )
    async def event(self, event_id: FromPath[UUID], calendar: NamedDependency[CalendarService]) -> Response[bytes]:
        return _ics(await calendar.event(event_id), f"event-{event_id.hex}.ics")

    @get(
        "/calendar/{file:str}",
        media_type=MEDIA_TYPE,
        responses=_ics_responses(
            "An iCalendar (RFC 5545) of the events the token's owner is going to: upcoming ones soonest first, then "
            "those of the last 30 days (at most 500; not those of archived communities, nor waitlisted places)"
        ),
        summary="A user's personal calendar feed, for calendar apps (no login: the token is the secret)",
    )
    async def feed(self, file: FeedFile, calendar: NamedDependency[CalendarService]) -> Response[bytes]:
        return _ics(await calendar.feed(file), "workcommunities.ics", private=True)
