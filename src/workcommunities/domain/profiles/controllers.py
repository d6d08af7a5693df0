"""`/profiles`: the caller's own profile, and the token of their calendar feed (domain/calendar)."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from workcommunities.domain.auth.guards import require_user
from workcommunities.domain.calendar.deps import calendar_service
from workcommunities.domain.calendar.schemas import CalendarTokenOut
from workcommunities.domain.calendar.services import CalendarService
from workcommunities.domain.profiles.deps import profile_service
from workcommunities.domain.profiles.schemas import ProfileOut, ProfileUpdateIn
from workcommunities.domain.profiles.services import ProfileService
from workcommunities.lib.errors import documented
from workcommunities.lib.schema import StatusOk
from workcommunities.lib.security import Principal


class ProfileController(Controller):
    path = "/profiles"
    tags = ["profiles"]
    guards = [require_user]
    dependencies = {"profiles": profile_service, "calendar": calendar_service}

    @get(
        "/me",
        summary="The caller's profile, with skills, statuses, communities and joined upcoming events",
        responses=documented(401, validation=False),
    )
    async def me(self, caller: NamedDependency[Principal], profiles: NamedDependency[ProfileService]) -> ProfileOut:
        return await profiles.me(caller.user_id)

    @patch(
        "/me",
        summary="Change the caller's profile (only the fields sent; lists replace the saved ones)",
        responses=documented(400, 401),
    )
    async def update_me(
        self,
        caller: NamedDependency[Principal],
        data: JSONBody[ProfileUpdateIn],
        profiles: NamedDependency[ProfileService],
    ) -> ProfileOut:
        return await profiles.update_me(caller.user_id, data)

    @post(
        "/me/calendar-token",
        status_code=200,
        responses=documented(401, validation=False),
        summary="A new URL of the caller's calendar feed (`/calendar/<token>.ics`); the previous one stops working",
    )
    async def issue_calendar_token(
        self, caller: NamedDependency[Principal], calendar: NamedDependency[CalendarService]
    ) -> CalendarTokenOut:
        return await calendar.issue_token(caller.user_id)

    @delete(
        "/me/calendar-token",
        status_code=200,
        responses=documented(401, validation=False),
        summary="Revoke the caller's calendar feed URL (idempotent)",
    )
    async def revoke_calendar_token(
        self, caller: NamedDependency[Principal], calendar: NamedDependency[CalendarService]
    ) -> StatusOk:
        await calendar.revoke_token(caller.user_id)
        return StatusOk()
