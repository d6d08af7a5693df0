"""`/users`: the admin's user list, and a user's public page (optional token)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from workcommunities.domain.auth.guards import require_admin
from workcommunities.domain.users.deps import user_service
from workcommunities.domain.users.schemas import UserDetailOut, UserOut
from workcommunities.domain.users.services import UserService
from workcommunities.lib.errors import documented
from workcommunities.lib.pagination import Page, page_provider
from workcommunities.lib.security import Principal


class UserController(Controller):
    path = "/users"
    tags = ["users"]
    dependencies = {"users": user_service}

    @get(
        "/",
        guards=[require_admin],
        dependencies={"page": page_provider(100)},
        summary="Every user, newest first (admins only)",
        responses=documented(401, 403),
    )
    async def list_users(self, users: NamedDependency[UserService], page: NamedDependency[Page]) -> list[UserOut]:
        return await users.listing(page)

    @get(
        "/{user_id:uuid}",
        summary="A user's public page; the phone only for the user themself or an admin",
        responses=documented(404, validation=False),
    )
    async def user_detail(
        self, user_id: FromPath[UUID], users: NamedDependency[UserService], viewer: NamedDependency[Principal | None]
    ) -> UserDetailOut:
        return await users.detail(user_id, viewer)
