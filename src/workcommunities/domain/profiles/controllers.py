"""`/profiles`: the caller's own profile."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.profiles.schemas import ProfileOut, ProfileUpdateIn
from workcommunities.domain.profiles.services import ProfileService
from workcommunities.lib.errors import documented
from workcommunities.lib.security import BEARER, Principal, require_user


def provide_profile_service(db_session: NamedDependency[AsyncSession]) -> ProfileService:
    return ProfileService(db_session)


class ProfileController(Controller):
    path = "/profiles"
    tags = ["profiles"]
    guards = [require_user]
    dependencies = {"profiles": Provide(provide_profile_service, sync_to_thread=False)}

    @get(
        "/me",
        summary="The caller's profile, with skills, statuses, communities and joined upcoming events",
        responses=documented(401, validation=False),
        security=BEARER,
    )
    async def me(self, request: Request[Principal, Any, Any], profiles: NamedDependency[ProfileService]) -> ProfileOut:
        return await profiles.get(request.user.user_id)

    @patch(
        "/me",
        summary="Change the caller's profile (only the fields sent; lists replace the saved ones)",
        responses=documented(400, 401),
        security=BEARER,
    )
    async def update_me(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[ProfileUpdateIn],
        profiles: NamedDependency[ProfileService],
    ) -> ProfileOut:
        return await profiles.update(request.user.user_id, data)
