"""Tokens, passwords, and the guards that turn a bearer token into a Principal.

Authorization always reads the role from the database, never from the token. Guards put the Principal on
`connection.scope["user"]`; handlers receive it through the `principal` dependency.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

import anyio.to_thread
import bcrypt
import jwt
import msgspec
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db.models import Company, Role, User
from workcommunities.lib.schema import parse_id
from workcommunities.settings import Settings

# OpenAPI security requirement for routes behind a guard (the scheme is declared in app.py).
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]
PASSWORD_MAX_BYTES = 72  # bcrypt ignores everything past 72 bytes; longer passwords are refused, not truncated


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    role: str
    phone: str | None
    company_id: UUID | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


# --- tokens -------------------------------------------------------------------------------------------------------


def issue_token(settings: Settings, user: User, company_id: UUID | None = None) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": user.id.hex,
        "role": user.role,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=settings.access_token_expire_minutes)).timestamp()),
        "type": "access",
    }
    if company_id is not None:
        claims["company_id"] = company_id.hex
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_alg)


def decode_token(settings: Settings, token: str) -> dict[str, Any]:
    """Verified claims; raises jwt.InvalidTokenError for any bad, expired or incomplete token."""
    claims: dict[str, Any] = jwt.decode(
        token, settings.jwt_secret, algorithms=[settings.jwt_alg], options={"require": ["exp", "sub", "type"]}
    )
    if claims.get("type") != "access" or not isinstance(claims.get("sub"), str):
        raise jwt.InvalidTokenError("not an access token")
    return claims


# --- passwords ----------------------------------------------------------------------------------------------------


async def hash_password(password: str) -> str:
    hashed = await anyio.to_thread.run_sync(bcrypt.hashpw, password.encode(), bcrypt.gensalt())
    return hashed.decode()


async def verify_password(password: str, hashed: str | None) -> bool:
    """Constant work whether or not the account exists, so timing does not reveal registered e-mails."""
    candidate = password.encode()[:PASSWORD_MAX_BYTES]
    target = (hashed or _DUMMY_HASH).encode()
    ok = await anyio.to_thread.run_sync(bcrypt.checkpw, candidate, target)
    return ok and hashed is not None


_DUMMY_HASH = bcrypt.hashpw(b"dummy-password", bcrypt.gensalt(rounds=12)).decode()


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


# --- guards -------------------------------------------------------------------------------------------------------

_SCOPE_KEY = "wc_principal"


def _session(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    """The request's database session: the same one the handler gets, committed or rolled back with it."""
    config: SQLAlchemyAsyncConfig = connection.app.state.db_config
    return config.provide_session(connection.app.state, connection.scope)


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[Principal, dict[str, Any]]:
    """The caller's Principal and token claims, or 401 with the contract's detail."""
    if (cached := connection.scope.get(_SCOPE_KEY)) is not None:
        return cast("tuple[Principal, dict[str, Any]]", cached)
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotAuthorizedException("Not authenticated")
    settings: Settings = connection.app.state.settings
    try:
        claims = decode_token(settings, credentials.strip())
    except jwt.InvalidTokenError as exc:
        raise NotAuthorizedException("Invalid token") from exc
    user_id = parse_id(claims["sub"])
    if user_id is None:
        raise NotAuthorizedException("Invalid token")
    row = (await _session(connection).execute(select(User.role, User.phone).where(User.id == user_id))).first()
    if row is None:
        raise NotAuthorizedException("User not found")
    principal = Principal(user_id=user_id, role=row.role, phone=row.phone)
    connection.scope[_SCOPE_KEY] = (principal, claims)  # type: ignore[literal-required]
    connection.scope["user"] = principal
    return principal, claims


async def require_user(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    await authenticate(connection)


def require_role(*roles: Role) -> Any:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal, _claims = await authenticate(connection)
        if principal.role not in roles:
            raise PermissionDeniedException("Forbidden")

    guard.__name__ = f"require_{'_or_'.join(roles)}"
    return guard


require_admin = require_role(Role.admin)


async def require_company(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Role company with a resolvable company; the Principal then carries `company_id`."""
    principal, claims = await authenticate(connection)
    if principal.role != Role.company:
        raise PermissionDeniedException("Forbidden")
    company_id = await resolve_company(_session(connection), principal, claims.get("company_id"))
    if company_id is None:
        raise PermissionDeniedException("Company is not set for this user")
    connection.scope["user"] = msgspec.structs.replace(principal, company_id=company_id)


async def resolve_company(session: AsyncSession, principal: Principal, claimed: object) -> UUID | None:
    """The caller's company: the oldest one they own; else the token's `company_id`, only when the caller owns it
    or its phone is the caller's (never a bare claim)."""
    owned = await session.scalar(
        select(Company.id).where(Company.owner_user_id == principal.user_id).order_by(Company.created_at, Company.id)
    )
    if owned is not None or not isinstance(claimed, str) or (claimed_id := parse_id(claimed)) is None:
        return owned
    bound = Company.owner_user_id == principal.user_id
    if principal.phone:
        bound = or_(bound, Company.phone == principal.phone)
    return await session.scalar(select(Company.id).where(Company.id == claimed_id, bound))


async def optional_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """For public routes with optional auth: any bad or missing token is simply anonymous."""
    try:
        principal, _claims = await authenticate(connection)
    except NotAuthorizedException:
        return None
    return principal
