"""`/users`: the admin's user list, and a user's public page (optional auth)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.users.schemas import UserDetailOut, UserOut
from workcommunities.domain.users.services import UserService
from workcommunities.lib.errors import NotFound, documented
from workcommunities.lib.pagination import Page, page_provider
from workcommunities.lib.schema import parse_id
from workcommunities.lib.security import BEARER, optional_principal, require_admin


def provide_user_service(db_session: NamedDependency[AsyncSession]) -> UserService:
    return UserService(db_session)


class UserController(Controller):
    path = "/users"
    tags = ["users"]
    dependencies = {"users": Provide(provide_user_service, sync_to_thread=False)}

    @get(
        "/",
        guards=[require_admin],
        dependencies={"page": page_provider(100)},
        summary="Every user, newest first (admins only)",
        responses=documented(401, 403),
        security=BEARER,
    )
    async def list_users(self, users: NamedDependency[UserService], page: NamedDependency[Page]) -> list[UserOut]:
        return await users.list(page)

    @get(
        "/{user_id:str}",
        summary="A user's public page; the phone only for the user themself or an admin",
        responses=documented(404, validation=False),
        security=[{}, *BEARER],  # optional: a token (a valid one) only reveals the phone to its owner or an admin
    )
    async def user_detail(
        self, request: Request[Any, Any, Any], user_id: FromPath[str], users: NamedDependency[UserService]
    ) -> UserDetailOut:
        parsed = parse_id(user_id)
        if parsed is None:
            raise NotFound
        return await users.detail(parsed, await optional_principal(request))
