"""Tokens and passwords, and the Principal a request is made by (the guards are in domain/auth/guards.py)."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

import anyio.to_thread
import bcrypt
import jwt
import msgspec
from cachetools import TLRUCache, TTLCache
from sqlalchemy import ColumnElement, bindparam, case

from workcommunities.db.models import Role, User
from workcommunities.lib.aggregate import text_constant
from workcommunities.lib.schema import parse_id
from workcommunities.settings import Settings

# OpenAPI security requirement of the routes behind a guard (the scheme is declared in app.py).
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]
PASSWORD_MAX_BYTES = 72  # bcrypt ignores everything past 72 bytes; longer passwords are refused, not truncated


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who makes a request: the user with the role and phone read from the database (never from the token)."""

    user_id: UUID
    role: str
    phone: str | None
    # The token's `company_id` claim: only a hint for finding the caller's company, never trusted alone.
    claimed_company_id: UUID | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


class RecentCallers:
    """The guards' reading of a student's account (its phone), kept for `seconds` per worker for safe requests (GET,
    HEAD), so that a student's read costs its page statement alone (the lookup was a second statement on every one:
    bench/README.md). Only students: what a company or an admin reads depends on who they are now (a company user
    acts for the companies of their phone, and sees their participants' phones), so their account is read on every
    request. A write always reads its caller afresh, and checks again just before its commit. Roles never change; an
    account erased through this worker is forgotten at once (`forget`, and a read already under way cannot keep it
    again), one erased through another worker can still read for up to `seconds`: its own data is gone, and the one
    GET that writes, the lazy profile, writes only for a live account. 0 switches it off (AUTH_CACHE_SECONDS)."""

    def __init__(self, seconds: float, *, size: int = 10_000, timer: Callable[[], float] = time.monotonic) -> None:
        self._phones: TTLCache[UUID, str | None] | None = None
        self._forgotten: TTLCache[UUID, bool] | None = None
        if seconds > 0:
            self._phones, self._forgotten = TTLCache(size, seconds, timer), TTLCache(size, seconds, timer)

    def get(self, user_id: UUID) -> Principal | None:
        """The student as read less than `seconds` ago."""
        if self._phones is None or (phone := self._phones.get(user_id, _UNKNOWN)) is _UNKNOWN:
            return None
        return Principal(user_id=user_id, role=Role.student, phone=cast(str | None, phone))

    def put(self, principal: Principal) -> None:
        if self._phones is None or self._forgotten is None or principal.role != Role.student:
            return
        if principal.user_id not in self._forgotten:
            self._phones[principal.user_id] = principal.phone

    def forget(self, user_id: UUID) -> None:
        if self._phones is not None and self._forgotten is not None:
            self._phones.pop(user_id, None)
            self._forgotten[user_id] = True


_UNKNOWN = object()


def phone_privacy(viewer: Principal | None, user_id: UUID) -> dict[str, Any]:
    """Response fields that hide a user's phone from `viewer` unless it is that user or an admin (contract D-05):
    pass them after the row to `Out.from_row`."""
    sees_phone = viewer is not None and (viewer.is_admin or viewer.user_id == user_id)
    return {} if sees_phone else {"phone": ""}


def viewer_kind(viewer: Principal | None) -> str:
    """Who reads a list that PostgreSQL builds, as far as phones go: "admin", "user" or "anonymous"."""
    if viewer is None:
        return "anonymous"
    return "admin" if viewer.is_admin else "user"


def viewer_params(viewer: Principal | None) -> dict[str, Any]:
    """The `viewer_id` parameter of a statement built with `visible_phone`."""
    return {"viewer_id": viewer.user_id if viewer is not None else None}


def visible_phone(kind: str, user_id: ColumnElement[Any], phone: ColumnElement[Any]) -> Any:
    """`phone_privacy` in SQL, for the lists PostgreSQL builds (lib/aggregate.py): the phone column, or "", for a
    viewer of that `viewer_kind` whose id is the `viewer_id` parameter."""
    if kind == "admin":
        return phone
    if kind == "anonymous":
        return text_constant("")
    return case((user_id == bindparam("viewer_id"), phone), else_=text_constant(""))


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


class Claims(msgspec.Struct, frozen=True, kw_only=True):
    """What a verified access token says: whose it is, the company it was issued for (a hint), when it expires."""

    user_id: UUID
    company_id: UUID | None
    expires: int


def decode_token(settings: Settings, token: str) -> Claims:
    """Verified claims; raises jwt.InvalidTokenError for any bad, expired or incomplete token."""
    claims: dict[str, Any] = jwt.decode(
        token, settings.jwt_secret, algorithms=[settings.jwt_alg], options={"require": ["exp", "sub", "type"]}
    )
    subject, company = claims.get("sub"), claims.get("company_id")
    if claims.get("type") != "access" or not isinstance(subject, str) or (user_id := parse_id(subject)) is None:
        raise jwt.InvalidTokenError("not an access token")
    return Claims(
        user_id=user_id,
        company_id=parse_id(company) if isinstance(company, str) else None,
        expires=int(claims["exp"]),
    )


class VerifiedTokens:
    """Access tokens whose signature and claims this worker has checked, kept until they expire: a token's claims
    never change, and checking them again cost about a tenth of a signed-in read (bench/README.md). Keyed by the
    whole token, so only the very token that was verified matches; `size` bounds the tokens kept (least recently
    used go first)."""

    def __init__(self, settings: Settings, *, size: int = 4096) -> None:
        self._settings = settings
        # An entry lives until its token's `exp` (wall-clock seconds, as the token's), the instant PyJWT refuses it.
        self._claims: TLRUCache[str, Claims] = TLRUCache(size, lambda _, claims, __: claims.expires, time.time)

    def claims(self, token: str) -> Claims:
        """As `decode_token`."""
        if (claims := self._claims.get(token)) is None:
            claims = decode_token(self._settings, token)
            if len(token) <= _LONGEST_KEPT:
                self._claims[token] = claims
        return claims


_LONGEST_KEPT = 1024  # ours are about 250 characters: a longer token that verifies is checked every time, never kept


# --- passwords ----------------------------------------------------------------------------------------------------


async def hash_password(password: str) -> str:
    hashed = await anyio.to_thread.run_sync(bcrypt.hashpw, password.encode(), bcrypt.gensalt())
    return hashed.decode()


async def verify_password(password: str, hashed: str | None) -> bool:
    """Constant work whether or not the account exists, so timing does not reveal registered e-mails."""
    candidate = password.encode()[:PASSWORD_MAX_BYTES]
    target = (hashed or _DUMMY_HASH).encode()
    try:
        ok = await anyio.to_thread.run_sync(bcrypt.checkpw, candidate, target)
    except ValueError:  # a stored value that is not a bcrypt hash matches no password
        return False
    return ok and hashed is not None


_DUMMY_HASH = bcrypt.hashpw(b"dummy-password", bcrypt.gensalt(rounds=12)).decode()


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
