"""`/users`: the admin-only user list (D-05, D-25) and the public user page with phone privacy (D-05) and the full
skill shape the mobile client needs (C-3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar

from tests.conftest import CallerClock, StatementCounter
from tests.helpers import Api, bearer, claims, new_phone
from tests.shapes import COMMUNITY_FOR_USER_KEYS as COMMUNITY_KEYS
from tests.shapes import USER_DETAIL_KEYS as DETAIL_KEYS
from tests.shapes import USER_KEYS
from workcommunities.db.models import Community, Membership, Profile, User


async def _add(app: Litestar, *rows: Any) -> None:
    async with app.state.db_config.get_session() as session:
        session.add_all(rows)
        await session.commit()


def _uid(token: str) -> UUID:
    return UUID(claims(token)["sub"])


async def _users(app: Litestar, count: int, start: datetime) -> list[User]:
    """`count` users created one minute apart (the oldest first), each with a profile."""
    users = [User(role="student", phone=new_phone(), created_at=start + timedelta(minutes=i)) for i in range(count)]
    await _add(app, *users)
    await _add(app, *[Profile(user_id=user.id) for user in users])
    return users


# --- GET /users/ -----------------------------------------------------------------------------------------------------


async def test_list_is_for_admins_only(client: httpx.AsyncClient, api: Api) -> None:
    for path in ("/users/", "/users"):
        response = await client.get(path)
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
        response = await client.get(path, headers={"Authorization": "Bearer null"})
        assert (response.status_code, response.json()) == (401, {"detail": "Invalid token"})
        for token in (await api.student(), await api.company()):
            response = await client.get(path, headers=bearer(token))
            assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})


async def test_list_shape_and_order(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    student_phone = new_phone()
    student = await api.student(student_phone)
    admin = await api.admin(email="root@example.com")
    for path in ("/users/", "/users"):
        response = await client.get(path, headers=bearer(admin))
        assert response.status_code == 200, response.text
        users = response.json()
        assert all(set(user) == USER_KEYS for user in users)
        # Newest first: the admin signed up after the student.
        assert [u["id"] for u in users] == [claims(admin)["sub"], claims(student)["sub"]]
        assert users[0] == {
            "id": claims(admin)["sub"],
            "role": "admin",
            "phone": "",
            "email": "root@example.com",
            "avatar_media_id": "",
            "created_at": users[0]["created_at"],
        }
        assert users[1]["phone"] == student_phone and users[1]["email"] == ""
        assert users[1]["role"] == "student"
        assert all(u["created_at"].endswith("Z") for u in users)


async def test_list_pages_with_id_tiebreak(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    admin = await api.admin()
    start = datetime(2020, 1, 1, tzinfo=UTC)
    users = await _users(app, 5, start)
    # Two users with the same created_at are ordered by id, descending.
    same = [User(role="student", created_at=start - timedelta(days=1)) for _ in range(2)]
    await _add(app, *same)
    expected = (
        [claims(admin)["sub"]] + [u.id.hex for u in reversed(users)] + sorted((u.id.hex for u in same), reverse=True)
    )
    everything = (await client.get("/users/", headers=bearer(admin))).json()
    assert [u["id"] for u in everything] == expected
    page = (await client.get("/users/", params={"offset": 2, "limit": 3}, headers=bearer(admin))).json()
    assert [u["id"] for u in page] == expected[2:5]
    page = (await client.get("/users/", params={"offset": 6, "limit": 1000}, headers=bearer(admin))).json()
    assert [u["id"] for u in page] == expected[6:]
    # Unknown parameters are ignored; bad bounds are 422.
    assert (await client.get("/users/", params={"offest": 3}, headers=bearer(admin))).status_code == 200
    for params in ({"offset": -1}, {"limit": 0}, {"limit": "x"}):
        response = await client.get("/users/", params=params, headers=bearer(admin))
        assert response.status_code == 422, params


async def test_list_default_page_is_100(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """The old service returned every user; the rewrite pages with the contract's default of 100 for such lists."""
    admin = await api.admin()
    await _users(app, 104, datetime(2021, 1, 1, tzinfo=UTC))
    assert len((await client.get("/users/", headers=bearer(admin))).json()) == 100


async def test_list_costs_the_same_statements_for_1_and_25(
    client: httpx.AsyncClient, api: Api, app: Litestar, statements: StatementCounter, caller_clock: CallerClock
) -> None:
    admin = await api.admin()
    caller_clock.expire()
    with statements:
        one = (await client.get("/users/", headers=bearer(admin))).json()
    small = statements.count
    await _users(app, 24, datetime(2021, 1, 1, tzinfo=UTC))
    caller_clock.expire()
    with statements:
        many = (await client.get("/users/", params={"limit": 25}, headers=bearer(admin))).json()
    assert (len(one), len(many)) == (1, 25)
    assert statements.count == small
    assert small <= 2, statements.statements


# --- GET /users/{id} -------------------------------------------------------------------------------------------------


async def _filled_user(client: httpx.AsyncClient, api: Api, app: Litestar, phone: str) -> tuple[str, dict[str, Any]]:
    token = await api.student(phone)
    skills = (await client.get("/reference/skills")).json()
    statuses = (await client.get("/reference/statuses")).json()
    body = {
        "full_name": "Ann",
        "portfolio_url": "https://ann.example",
        "description": "Hi",
        "skill_uids": [skills[6]["id"], skills[2]["id"]],
        "status_uids": [statuses[3]["id"], statuses[0]["id"]],
    }
    response = await client.patch("/profiles/me", json=body, headers=bearer(token))
    assert response.status_code == 200, response.text
    return token, {"skills": [skills[6], skills[2]], "statuses": [statuses[3], statuses[0]]}


async def test_detail_shape(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    phone = new_phone()
    token, expected = await _filled_user(client, api, app, phone)
    user_id = claims(token)["sub"]
    zeta, alpha = Community(name="Zeta", description="z"), Community(name="Alpha", telegram_url="https://t.me/a")
    archived = Community(name="Archived", is_archived=True)
    await _add(app, zeta, alpha, archived, Community(name="Not a member"))
    await _add(app, *[Membership(user_id=_uid(token), community_id=c.id) for c in (zeta, alpha, archived)])

    for path in (f"/users/{user_id}", f"/users/{user_id}/"):
        response = await client.get(path)
        assert response.status_code == 200, response.text
        user = response.json()
        assert set(user) == DETAIL_KEYS
        assert {k: v for k, v in user.items() if k not in {"created_at", "communities"}} == {
            "id": user_id,
            "role": "student",
            "phone": "",
            "full_name": "Ann",
            "portfolio_url": "https://ann.example",
            "description": "Hi",
            "avatar_media_id": "",
            "skills": expected["skills"],
            "statuses": expected["statuses"],
        }
        for skill in user["skills"]:  # C-3: the client needs sphere_id
            assert set(skill) == {"id", "title", "sphere_id", "sphere"}
            assert skill["sphere_id"] == skill["sphere"]["id"]
        assert user["created_at"].endswith("Z")
        assert [c["name"] for c in user["communities"]] == ["Alpha", "Zeta"]
        assert all(set(c) == COMMUNITY_KEYS for c in user["communities"])
        assert user["communities"][0] == {
            "id": alpha.id.hex,
            "name": "Alpha",
            "company_id": "",
            "description": "",
            "telegram_url": "https://t.me/a",
            "tags": [],
            "is_archived": False,
            "logo_media_id": "",
        }


async def test_detail_of_a_user_without_profile(client: httpx.AsyncClient, app: Litestar) -> None:
    user = User(role="company", phone=new_phone(), email="c@example.com")
    await _add(app, user)
    response = await client.get(f"/users/{user.id.hex}", headers={"Authorization": "Bearer"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == DETAIL_KEYS
    assert (body["role"], body["phone"], body["full_name"], body["skills"], body["statuses"]) == (
        "company",
        "",
        "",
        [],
        [],
    )
    assert body["communities"] == [] and body["avatar_media_id"] == ""
    assert "c@example.com" not in response.text


async def test_phone_only_for_self_and_admins(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    phone = new_phone()
    token, _ = await _filled_user(client, api, app, phone)
    path = f"/users/{claims(token)['sub']}"
    hidden = [
        {},
        {"Authorization": "Bearer null"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer garbage.token.here"},
        {"Authorization": "Basic abc"},
        bearer(await api.student()),
        bearer(await api.company()),
    ]
    for headers in hidden:
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, (headers, response.text)
        assert response.json()["phone"] == "", headers
        assert phone not in response.text
    for headers in (bearer(token), bearer(await api.admin())):
        response = await client.get(path, headers=headers)
        assert (response.status_code, response.json()["phone"]) == (200, phone)


async def test_email_never_appears(client: httpx.AsyncClient, api: Api) -> None:
    response = await client.post(
        "/auth/company/signup", json={"email": "boss@example.com", "password": "long-password", "name": "Acme"}
    )
    token = response.json()["access_token"]
    admin = await api.admin(email="root@example.com")
    for headers in ({}, bearer(token), bearer(admin)):
        for user_id in (claims(token)["sub"], claims(admin)["sub"]):
            response = await client.get(f"/users/{user_id}", headers=headers)
            assert response.status_code == 200
            assert "email" not in response.json()
            assert "example.com" not in response.text


@pytest.mark.parametrize("user_id", ["0" * 32, "f" * 32, "not-an-id", "123", "0" * 31 + "g", "me", "%20", "0" * 33])
async def test_unknown_or_malformed_id_is_404(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.get(f"/users/{user_id}", headers={"Authorization": "Bearer garbage"})
    assert (response.status_code, response.json()) == (404, {"detail": "Not found"})


async def test_uppercase_hex_id_is_the_same_user(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.student()
    response = await client.get(f"/users/{claims(token)['sub'].upper()}")
    assert (response.status_code, response.json()["id"]) == (200, claims(token)["sub"])


async def test_detail_costs_the_same_statements_for_1_and_10(
    client: httpx.AsyncClient, api: Api, app: Litestar, statements: StatementCounter, caller_clock: CallerClock
) -> None:
    skills = (await client.get("/reference/skills")).json()
    statuses = (await client.get("/reference/statuses")).json()
    counts = []
    for size in (1, 10):
        token = await api.student()
        body = {"skill_uids": [s["id"] for s in skills[:size]], "status_uids": [s["id"] for s in statuses[:size]]}
        assert (await client.patch("/profiles/me", json=body, headers=bearer(token))).status_code == 200
        communities = [Community(name=f"C{size}-{i}") for i in range(size)]
        await _add(app, *communities)
        await _add(app, *[Membership(user_id=_uid(token), community_id=c.id) for c in communities])
        caller_clock.expire()
        with statements:
            user = (await client.get(f"/users/{claims(token)['sub']}", headers=bearer(token))).json()
        assert len(user["communities"]) == size
        assert len(user["skills"]) == min(size, len(skills))
        counts.append(statements.count)
    assert counts[0] == counts[1]
    # The caller's user row, then the page with its three lists.
    assert counts[0] == statements.expected(postgresql=2, sqlite=5), statements.statements
