"""Who may call a route: its guard says so, and nothing else does.

- no guard: anyone; a token, even a broken one, is ignored (contract §1.2); a route that takes the `viewer`
  dependency shows more to a valid token (the caller, or None);
- `require_user`: any signed-in user (the `caller` dependency is the Principal);
- `require_company`: role company; the `company` dependency is the caller's company (403 `Company is not set for
  this user` when there is none);
- `require_admin`: role admin.

The guards read the role from the database, never from the token: on every request, except a student's reads, which
read it once a second per worker (`RecentCallers`, lib/security.py). `caller`, `viewer` and `company`
are declared once, in app.py, and `document_security` writes the OpenAPI bearer requirement of every route from its
guards, so no route declares it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import jwt
from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.routes import HTTPRoute

from workcommunities.db.engine import SAFE_METHODS, DatabaseConfig, before_commit
from workcommunities.db.models import Role
from workcommunities.domain.users.repositories import UserRepository
from workcommunities.lib.audit import set_actor
from workcommunities.lib.dependencies import app_state
from workcommunities.lib.errors import FORBIDDEN, USER_NOT_FOUND
from workcommunities.lib.security import BEARER, Principal, RecentCallers, VerifiedTokens

AnyConnection = ASGIConnection[Any, Any, Any, Any]
INVALID_TOKEN = "Invalid token"  # noqa: S105 - a detail string, not a secret


async def authenticate(connection: AnyConnection) -> Principal:
    """The caller, or 401 with the contract's detail. Read once per request, on the request's own session."""
    if isinstance(principal := connection.scope.get("user"), Principal):
        return principal
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotAuthorizedException("Not authenticated")
    state = app_state(connection.scope)
    tokens: VerifiedTokens = state.verified_tokens
    try:
        claims = tokens.claims(credentials.strip())
    except jwt.InvalidTokenError as exc:
        raise NotAuthorizedException(INVALID_TOKEN) from exc
    config: DatabaseConfig = state.db_config
    callers: RecentCallers = state.recent_callers
    session = config.provide_session(state, connection.scope)
    safe = connection.scope.get("method") in SAFE_METHODS
    if (principal := callers.get(claims.user_id) if safe else None) is None:
        if (row := await UserRepository(session=session).role_and_phone(claims.user_id)) is None:
            callers.forget(claims.user_id)  # erased through another worker: its reads stop here too
            raise NotAuthorizedException(USER_NOT_FOUND)
        principal = Principal(
            user_id=claims.user_id, role=Role(row.role), phone=row.phone, claimed_company_id=claims.company_id
        )
        callers.put(principal)
    connection.scope["user"] = principal
    set_actor(session, principal.user_id, principal.role)  # who the audit log names for this request's writes
    if not safe:
        # A write whose caller's account is erased meanwhile must not put anything back on it: checked again in
        # the write's own transaction (domain/users/services.py `erase`).
        before_commit(session, lambda: _still_live(UserRepository(session=session), callers, principal.user_id))
    return principal


async def _still_live(users: UserRepository, callers: RecentCallers, user_id: UUID) -> None:
    if not await users.still_live(user_id):
        callers.forget(user_id)
        raise NotAuthorizedException(USER_NOT_FOUND)


async def require_user(connection: AnyConnection, _: BaseRouteHandler) -> None:
    await authenticate(connection)


def require_role(role: Role) -> Any:
    async def guard(connection: AnyConnection, _: BaseRouteHandler) -> None:
        if (await authenticate(connection)).role != role:
            raise PermissionDeniedException(FORBIDDEN)

    guard.__name__ = f"require_{role}"
    return guard


require_company = require_role(Role.company)
require_admin = require_role(Role.admin)


async def provide_viewer(request: Request[Any, Any, Any]) -> Principal | None:
    """On routes with an optional token: any bad or missing token is simply anonymous."""
    try:
        return await authenticate(request)
    except NotAuthorizedException:
        return None


async def provide_caller(request: Request[Any, Any, Any]) -> Principal:
    """The Principal the route's guard authenticated (read once per request)."""
    return await authenticate(request)


def document_security(app: Litestar) -> None:
    """The OpenAPI security of every operation, from its route: bearer behind a guard, optional where the route
    takes `viewer`."""
    operations = app.openapi_schema.paths or {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or (item := operations.get(route.path_format)) is None:
            continue
        for handler in route.route_handlers:
            if handler.resolve_guards():
                security = BEARER
            elif "viewer" in handler.parsed_fn_signature.parameters:
                security = [{}, *BEARER]
            else:
                continue
            for method in handler.http_methods:
                if (operation := getattr(item, method.lower(), None)) is not None:
                    operation.security = security
