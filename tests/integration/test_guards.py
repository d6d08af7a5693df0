"""Guards through a real HTTP stack: an app with one route per guard, on the session's database.

The product routes use these same guards and dependencies; this file pins their rules (401 details, forged tokens,
database role, the caller's company) in one place.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import jwt
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy import delete

from tests.conftest import TEST_JWT_SECRET
from tests.helpers import Api, bearer, claims, serve
from workcommunities.db.engine import create_db_config
from workcommunities.db.models import Company, Role, User
from workcommunities.domain.auth.guards import (
    provide_caller,
    provide_viewer,
    require_admin,
    require_company,
    require_role,
    require_user,
)
from workcommunities.domain.companies.deps import provide_company
from workcommunities.lib.errors import exception_handlers
from workcommunities.lib.security import Principal, RecentCallers, VerifiedTokens


def _who(request: Request[Any, Any, Any]) -> dict[str, Any]:
    principal = request.user
    return {"user_id": principal.user_id.hex, "role": principal.role}


@get("/any", guards=[require_user], sync_to_thread=False)
def any_user(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return _who(request)


@get("/student", guards=[require_role(Role.student)], sync_to_thread=False)
def student_only(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return _who(request)


@get("/admin", guards=[require_admin], sync_to_thread=False)
def admin_only(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return _who(request)


@get("/company", guards=[require_company], sync_to_thread=False)
def company_only(request: Request[Any, Any, Any], company: NamedDependency[UUID]) -> dict[str, Any]:
    return {**_who(request), "company_id": company.hex}


@get("/public", sync_to_thread=False)
def public(viewer: NamedDependency[Principal | None]) -> dict[str, Any]:
    return {"user_id": viewer.user_id.hex if viewer else None}


@pytest.fixture(scope="module")
async def guarded(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    settings = app.state.settings
    db_config = create_db_config(settings)
    guard_app = Litestar(
        route_handlers=[any_user, student_only, admin_only, company_only, public],
        plugins=[SQLAlchemyPlugin(config=db_config)],
        exception_handlers=exception_handlers,
        dependencies={
            "caller": Provide(provide_caller),
            "viewer": Provide(provide_viewer),
            "company": Provide(provide_company),
        },
        state=State(
            {
                "settings": settings,
                "db_config": db_config,
                "recent_callers": RecentCallers(settings.auth_cache_seconds),
                "verified_tokens": VerifiedTokens(settings),
            }
        ),
        on_shutdown=[db_config.get_engine().dispose],
    )
    async with serve(guard_app) as client:
        yield client


async def test_missing_or_malformed_header_is_not_authenticated(guarded: httpx.AsyncClient, api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}, {"Authorization": "token"}):
        response = await guarded.get("/any", headers=headers)
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})


@pytest.mark.parametrize(
    "kind", ["alg none", "wrong secret", "expired", "no exp", "no sub", "no type", "wrong type", "other alg", "garbage"]
)
async def test_forged_tokens_are_refused(guarded: httpx.AsyncClient, api: Api, kind: str) -> None:
    user_id = claims(await api.admin())["sub"]
    response = await guarded.get("/admin", headers=bearer(forged_tokens(user_id)[kind]))
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token"})
    # An anonymous-friendly route treats the same token as no token.
    response = await guarded.get("/public", headers=bearer(forged_tokens(user_id)[kind]))
    assert (response.status_code, response.json()) == (200, {"user_id": None})


async def test_a_valid_token_passes(guarded: httpx.AsyncClient, api: Api) -> None:
    token = await api.admin()
    response = await guarded.get("/admin", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["user_id"] == claims(token)["sub"]
    assert (await guarded.get("/public", headers=bearer(token))).json() == {"user_id": claims(token)["sub"]}


async def test_a_token_is_verified_once_per_worker(
    guarded: httpx.AsyncClient, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard keeps the claims of a token it verified (VerifiedTokens): the next request with it checks no
    signature, and another token is verified on its own."""
    first, second = await api.student(), await api.student()
    verified: list[str] = []
    decode = jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        verified.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    for token in (first, first, second, first, second):
        assert (await guarded.get("/any", headers=bearer(token))).status_code == 200
    assert verified == [first, second]


async def test_token_of_a_deleted_user_is_refused(guarded: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token = await api.student()
    async with app.state.db_config.get_session() as session:
        await session.execute(delete(User).where(User.id == _uuid(claims(token)["sub"])))
        await session.commit()
    response = await guarded.get("/any", headers=bearer(token))
    assert (response.status_code, response.json()) == (401, {"detail": "User not found"})


async def test_roles_come_from_the_database(guarded: httpx.AsyncClient, api: Api) -> None:
    student, company, admin = await api.student(), await api.company(), await api.admin()
    assert (await guarded.get("/student", headers=bearer(student))).status_code == 200
    for token in (company, admin):
        response = await guarded.get("/student", headers=bearer(token))
        assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    # A token that claims "admin" for a student does not make the student an admin.
    forged_role = jwt.encode({**claims(student), "role": "admin"}, TEST_JWT_SECRET, algorithm="HS256")
    response = await guarded.get("/admin", headers=bearer(forged_role))
    assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})


async def test_company_bound_resolution(guarded: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token = await api.company()
    response = await guarded.get("/company", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["company_id"] == claims(token)["company_id"]
    response = await guarded.get("/company", headers=bearer(await api.student()))
    assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})

    # A company user whose token names someone else's company gets nothing from the claim (D-34).
    other = claims(await api.company())["company_id"]
    async with app.state.db_config.get_session() as session:
        await session.execute(delete(Company).where(Company.id == _uuid(claims(token)["company_id"])))
        await session.commit()
    stolen = jwt.encode({**claims(token), "company_id": other}, TEST_JWT_SECRET, algorithm="HS256")
    for candidate in (token, stolen):
        response = await guarded.get("/company", headers=bearer(candidate))
        assert (response.status_code, response.json()) == (403, {"detail": "Company is not set for this user"})


def _uuid(value: str) -> UUID:
    return UUID(value)


def _forge(payload: dict[str, object], secret: str = TEST_JWT_SECRET, alg: str = "HS256") -> str:
    return jwt.encode(payload, secret, algorithm=alg)


def forged_tokens(user_id: str) -> dict[str, str]:
    now = int(time.time())
    good = {"sub": user_id, "role": "admin", "type": "access", "iat": now, "exp": now + 600}
    header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(jwt.api_jws.json.dumps(good).encode()).decode()
    return {
        "alg none": f"{header}.{body}.",
        "wrong secret": _forge(good, secret="another-secret-" + "y" * 60),
        "expired": _forge({**good, "exp": now - 10}),
        "no exp": _forge({k: v for k, v in good.items() if k != "exp"}),
        "no sub": _forge({k: v for k, v in good.items() if k != "sub"}),
        "no type": _forge({k: v for k, v in good.items() if k != "type"}),
        "wrong type": _forge({**good, "type": "refresh"}),
        "other alg": _forge(good, alg="HS512"),
        "garbage": "not.a.token",
    }
