"""`/profiles`: the caller's own profile."""

from __future__ import annotations

from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from workcommunities.domain.auth.guards import require_user
from workcommunities.domain.profiles.deps import profile_service
from workcommunities.domain.profiles.schemas import ProfileOut, ProfileUpdateIn
from workcommunities.domain.profiles.services import ProfileService
from workcommunities.lib.errors import documented
from workcommunities.lib.security import Principal


class ProfileController(Controller):
    path = "/profiles"
    tags = ["profiles"]
    guards = [require_user]
    dependencies = {"profiles": profile_service}

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
