"""`/profiles`: the caller's own profile, the token of their calendar feed (domain/calendar), their data export and
the deletion of their account (domain/users/services.py `erase`)."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.types import Scope

from workcommunities.db.models import Role
from workcommunities.domain.auth.guards import require_user
from workcommunities.domain.calendar.deps import calendar_service
from workcommunities.domain.calendar.schemas import CalendarTokenOut
from workcommunities.domain.calendar.services import CalendarService
from workcommunities.domain.profiles.deps import export_service, profile_service
from workcommunities.domain.profiles.schemas import DataExport, ProfileOut, ProfileUpdateIn
from workcommunities.domain.profiles.services import ExportService, ProfileService
from workcommunities.domain.users.deps import user_service
from workcommunities.domain.users.services import UserService
from workcommunities.lib.dependencies import app_state
from workcommunities.lib.errors import Forbidden, documented
from workcommunities.lib.schema import StatusOk
from workcommunities.lib.security import Principal

NOT_A_STUDENT = "Only a student account is deleted here; an admin deletes a company's"


class ProfileController(Controller):
    path = "/profiles"
    tags = ["profiles"]
    guards = [require_user]
    dependencies = {
        "profiles": profile_service,
        "calendar": calendar_service,
        "accounts": user_service,
        "exports": export_service,
    }

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

    @delete(
        "/me",
        status_code=200,
        responses=documented(401, 403, 404, validation=False),
        summary="Delete the caller's student account: everything personal is erased at once, tokens stop working",
    )
    async def delete_me(
        self, caller: NamedDependency[Principal], accounts: NamedDependency[UserService], scope: Scope
    ) -> StatusOk:
        if caller.role != Role.student:
            raise Forbidden(NOT_A_STUDENT)
        state = app_state(scope)
        await accounts.erase(caller.user_id, state.media_storage, state.recent_callers)
        return StatusOk()

    @get(
        "/me/export",
        responses=documented(401, validation=False),
        summary="Everything the service holds about the caller, as one JSON document to keep",
    )
    async def export(
        self, caller: NamedDependency[Principal], exports: NamedDependency[ExportService]
    ) -> Response[DataExport]:
        document = await exports.export(caller.user_id)
        return Response(document, headers={"Content-Disposition": 'attachment; filename="workcommunities-export.json"'})
