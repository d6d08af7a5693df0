"""`/communities`: lists, create and edit, membership ("follow"), archive, detail with cases and members, posts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import delete, func, select

from tests.conftest import CallerClock, StatementCounter
from tests.helpers import Api, bearer, claims, new_phone
from tests.shapes import CASE_KEYS, COMMUNITY_KEYS, MEMBER_KEYS, POST_KEYS
from workcommunities.db.models import Community, Company, Content, Membership, Profile, User

UNKNOWN_ID = "0" * 32
MALFORMED_ID = "not-an-id"
GARBAGE = {"Authorization": "Bearer garbage"}


async def _company(api: Api) -> tuple[str, str]:
    token = await api.company()
    return token, claims(token)["company_id"]


async def _create(client: httpx.AsyncClient, token: str, name: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/communities/", json={"name": name, **body}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()]


def _assert_community(item: dict[str, Any]) -> None:
    assert set(item) == COMMUNITY_KEYS
    assert all(value is not None for value in item.values())


async def _insert_users(app: Litestar, community_id: str, count: int) -> list[UUID]:
    """Members inserted directly (the flow test uses the real endpoints), in join order."""
    start = datetime.now(UTC)
    ids = []
    async with app.state.db_config.get_session() as session:
        for index in range(count):
            user = User(role="student", phone=new_phone())
            session.add(user)
            await session.flush()
            session.add(Profile(user_id=user.id, full_name=f"Member {index}"))
            session.add(
                Membership(user_id=user.id, community_id=UUID(community_id), joined_at=start + timedelta(seconds=index))
            )
            ids.append(user.id)
        await session.commit()
    return ids


async def _insert_communities(app: Litestar, count: int, company_id: str | None = None) -> None:
    async with app.state.db_config.get_session() as session:
        for index in range(count):
            session.add(
                Community(name=f"Bulk {index:02d}", company_id=UUID(company_id) if company_id else None, tags=["x"])
            )
        await session.commit()


async def _insert_content(app: Litestar, community_id: str, rows: list[dict[str, Any]]) -> list[str]:
    ids = []
    async with app.state.db_config.get_session() as session:
        for row in rows:
            content = Content(community_id=UUID(community_id), **row)
            session.add(content)
            await session.flush()
            ids.append(content.id.hex)
        await session.commit()
    return ids


# --- create -------------------------------------------------------------------------------------------------------


async def test_create_shape_company_and_both_spellings(api: Api, client: httpx.AsyncClient, create_media: Any) -> None:
    token, company_id = await _company(api)
    _, other_company = await _company(api)
    logo = await create_media()
    body = {
        "name": "  Robotics  ",
        "company_id": other_company,  # ignored: always the caller's company
        "tags": [" ai ", "ai", "", "ml"],
        "description": "About robots",
        "telegram_url": "https://t.me/robots",
        "logo_media_id": logo,
    }
    response = await client.post("/communities/", json=body, headers=bearer(token))
    assert response.status_code == 200, response.text
    created = response.json()
    _assert_community(created)
    assert len(created["id"]) == 32
    assert created | {"id": ""} == {
        "id": "",
        "name": "Robotics",
        "company_id": company_id,
        "description": "About robots",
        "telegram_url": "https://t.me/robots",
        "tags": ["ai", "ml"],
        "is_archived": False,
        "logo_media_id": logo,
        "members_count": 0,
    }
    # Without the slash, and with only a name: every optional key is "" / [].
    response = await client.post("/communities", json={"name": "Bare"}, headers=bearer(token))
    assert response.status_code == 200, response.text
    bare = response.json()
    _assert_community(bare)
    assert (bare["description"], bare["telegram_url"], bare["logo_media_id"], bare["tags"]) == ("", "", "", [])
    assert bare["company_id"] == company_id
    response = await client.post("/communities/", json={"name": "Nulls", "tags": None, "description": None},
                                 headers=bearer(token))  # fmt: skip
    assert response.status_code == 200
    assert (response.json()["tags"], response.json()["description"]) == ([], "")


async def test_create_refusals(api: Api, client: httpx.AsyncClient) -> None:
    token, _ = await _company(api)
    student = await api.student()
    assert (await client.post("/communities/", json={"name": "X"})).status_code == 401
    response = await client.post("/communities/", json={"name": "X"}, headers=bearer(student))
    assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    bad_bodies: list[Any] = [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": None},
        {"name": 5},
        {"name": "X", "tags": 5},
        [],
    ]
    for body in bad_bodies:
        response = await client.post("/communities/", json=body, headers=bearer(token))
        assert response.status_code == 422, body
        assert isinstance(response.json()["detail"], list)
    for logo in (UNKNOWN_ID, MALFORMED_ID):
        response = await client.post("/communities/", json={"name": "X", "logo_media_id": logo}, headers=bearer(token))
        assert (response.status_code, response.json()) == (400, {"detail": "Media not found"})
    assert (await client.get("/communities/")).json() == []


async def test_company_without_company_is_refused(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    token, company_id = await _company(api)
    async with app.state.db_config.get_session() as session:
        await session.execute(delete(Company).where(Company.id == UUID(company_id)))
        await session.commit()
    expected = (403, {"detail": "Company is not set for this user"})
    response = await client.get("/communities/mine", headers=bearer(token))
    assert (response.status_code, response.json()) == expected
    response = await client.post("/communities/", json={"name": "X"}, headers=bearer(token))
    assert (response.status_code, response.json()) == expected


# --- the "done when" flow -----------------------------------------------------------------------------------


async def test_follow_flow_membership_is_one_relation(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    token, company_id = await _company(api)
    alpha = await _create(client, token, "Alpha")
    beta = await _create(client, token, "Beta")
    student = await api.student()

    assert _names(await client.get("/communities/mine", headers=bearer(student))) == []
    assert _names(await client.get("/communities/joinable", headers=bearer(student))) == ["Alpha", "Beta"]

    for _ in range(2):  # following twice is one membership
        response = await client.post(f"/communities/{alpha['id']}/follow", headers=bearer(student))
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
    async with app.state.db_config.get_session() as session:
        count = await session.scalar(select(func.count()).select_from(Membership))
    assert count == 1

    mine = (await client.get("/communities/mine", headers=bearer(student))).json()
    assert [item["id"] for item in mine] == [alpha["id"]]
    assert mine[0]["members_count"] == 1
    _assert_community(mine[0])
    assert _names(await client.get("/communities/joinable", headers=bearer(student))) == ["Beta"]
    listed = {item["id"]: item["members_count"] for item in (await client.get("/communities/")).json()}
    assert listed == {alpha["id"]: 1, beta["id"]: 0}
    detail = (await client.get(f"/communities/{alpha['id']}")).json()
    assert detail["members_count"] == 1
    assert [member["id"] for member in detail["members"]] == [claims(student)["sub"]]
    by_company = (await client.get(f"/communities/by-company/{company_id}")).json()
    assert {item["id"]: item["members_count"] for item in by_company} == {alpha["id"]: 1, beta["id"]: 0}
    # The company sees its own communities in /mine, with the real count.
    company_mine = (await client.get("/communities/mine", headers=bearer(token))).json()
    assert [(item["name"], item["members_count"]) for item in company_mine] == [("Alpha", 1), ("Beta", 0)]

    for _ in range(2):  # leaving is idempotent too
        response = await client.delete(f"/communities/{alpha['id']}/follow", headers=bearer(student))
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert _names(await client.get("/communities/mine", headers=bearer(student))) == []
    assert _names(await client.get("/communities/joinable", headers=bearer(student))) == ["Alpha", "Beta"]
    assert (await client.get(f"/communities/{alpha['id']}")).json()["members_count"] == 0


async def test_concurrent_follows_make_one_membership(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    token, _ = await _company(api)
    community = await _create(client, token, "Alpha")
    student = await api.student()
    url = f"/communities/{community['id']}/follow"
    responses = await asyncio.gather(*(client.post(url, headers=bearer(student)) for _ in range(8)))
    assert [response.status_code for response in responses] == [200] * 8
    async with app.state.db_config.get_session() as session:
        assert await session.scalar(select(func.count()).select_from(Membership)) == 1


async def test_follow_refusals(api: Api, client: httpx.AsyncClient) -> None:
    token, _ = await _company(api)
    community = await _create(client, token, "Alpha")
    student = await api.student()
    for method in ("POST", "DELETE"):
        url = f"/communities/{community['id']}/follow"
        response = await client.request(method, url)
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
        for target in (UNKNOWN_ID, MALFORMED_ID):
            response = await client.request(method, f"/communities/{target}/follow", headers=bearer(student))
            assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    # Any role may be a member, companies and admins included.
    admin = await api.admin()
    for caller in (token, admin):
        response = await client.post(f"/communities/{community['id']}/follow", headers=bearer(caller))
        assert response.status_code == 200
    assert (await client.get(f"/communities/{community['id']}")).json()["members_count"] == 2
    admin_mine = (await client.get("/communities/mine", headers=bearer(admin))).json()
    assert [item["id"] for item in admin_mine] == [community["id"]]


# --- archive ------------------------------------------------------------------------------------------------------


async def test_archive_hides_from_lists_and_unarchive_restores(api: Api, client: httpx.AsyncClient) -> None:
    token, company_id = await _company(api)
    alpha = await _create(client, token, "Alpha")
    await _create(client, token, "Beta")
    member, other = await api.student(), await api.student()
    assert (await client.post(f"/communities/{alpha['id']}/follow", headers=bearer(member))).status_code == 200

    response = await client.patch(f"/communities/{alpha['id']}", json={"is_archived": True}, headers=bearer(token))
    assert response.status_code == 200
    assert (response.json()["is_archived"], response.json()["members_count"]) == (True, 1)

    assert _names(await client.get("/communities/")) == ["Beta"]
    assert _names(await client.get("/communities/mine", headers=bearer(member))) == []
    assert _names(await client.get("/communities/mine", headers=bearer(token))) == ["Beta"]
    assert _names(await client.get("/communities/joinable", headers=bearer(other))) == ["Beta"]
    assert _names(await client.get(f"/communities/by-company/{company_id}")) == ["Beta"]
    detail = await client.get(f"/communities/{alpha['id']}")
    assert detail.status_code == 200
    assert (detail.json()["is_archived"], detail.json()["members_count"]) == (True, 1)  # memberships are kept
    response = await client.post(f"/communities/{alpha['id']}/follow", headers=bearer(other))
    assert (response.status_code, response.json()) == (409, {"detail": "Community is archived"})
    # Leaving an archived community still works.
    assert (await client.delete(f"/communities/{alpha['id']}/follow", headers=bearer(other))).status_code == 200

    response = await client.patch(f"/communities/{alpha['id']}", json={"is_archived": False}, headers=bearer(token))
    assert response.json()["is_archived"] is False
    assert _names(await client.get("/communities/")) == ["Alpha", "Beta"]
    assert _names(await client.get("/communities/mine", headers=bearer(member))) == ["Alpha"]
    assert _names(await client.get(f"/communities/by-company/{company_id}")) == ["Alpha", "Beta"]
    assert (await client.post(f"/communities/{alpha['id']}/follow", headers=bearer(other))).status_code == 200


# --- PATCH --------------------------------------------------------------------------------------------------------


async def test_patch_applies_only_present_fields(api: Api, client: httpx.AsyncClient, create_media: Any) -> None:
    token, _ = await _company(api)
    logo = await create_media()
    community = await _create(
        client, token, "Alpha", tags=["a"], description="Desc", telegram_url="https://t.me/a", logo_media_id=logo
    )
    url = f"/communities/{community['id']}"
    for body in ({}, {"unknown": 1}):  # no-op, returns the current resource
        response = await client.patch(url, json=body, headers=bearer(token))
        assert (response.status_code, response.json()) == (200, community)
    response = await client.patch(url, json={"name": " Renamed ", "tags": ["b", " b", "c"]}, headers=bearer(token))
    assert response.status_code == 200
    updated = response.json()
    _assert_community(updated)
    assert updated == community | {"name": "Renamed", "tags": ["b", "c"]}
    response = await client.patch(
        url, json={"description": None, "telegram_url": None, "logo_media_id": None, "tags": None},
        headers=bearer(token),
    )  # fmt: skip
    assert response.status_code == 200
    cleared = response.json()
    _assert_community(cleared)
    assert (cleared["description"], cleared["telegram_url"], cleared["logo_media_id"], cleared["tags"]) == (
        "",
        "",
        "",
        [],
    )
    assert cleared["name"] == "Renamed"
    response = await client.patch(url, json={"logo_media_id": logo}, headers=bearer(token))
    assert response.json()["logo_media_id"] == logo
    assert (await client.get(url)).json()["logo_media_id"] == logo


async def test_patch_refusals(api: Api, client: httpx.AsyncClient) -> None:
    token, _ = await _company(api)
    foreign, _ = await _company(api)
    student = await api.student()
    community = await _create(client, token, "Alpha")
    url = f"/communities/{community['id']}"
    assert (await client.patch(url, json={"name": "X"})).status_code == 401
    response = await client.patch(url, json={"name": "X"}, headers=bearer(student))
    assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    response = await client.patch(url, json={"name": "X"}, headers=bearer(foreign))
    assert (response.status_code, response.json()) == (403, {"detail": "Not allowed"})
    for target in (UNKNOWN_ID, MALFORMED_ID):
        response = await client.patch(f"/communities/{target}", json={"name": "X"}, headers=bearer(token))
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    for body in ({"name": None}, {"name": ""}, {"is_archived": None}, {"is_archived": "yes"}, {"tags": [1]}):
        response = await client.patch(url, json=body, headers=bearer(token))
        assert response.status_code == 422, body
    response = await client.patch(url, json={"logo_media_id": UNKNOWN_ID}, headers=bearer(token))
    assert (response.status_code, response.json()) == (400, {"detail": "Media not found"})
    assert (await client.get(url)).json()["name"] == "Alpha"


# --- lists --------------------------------------------------------------------------------------------------------


async def test_lists_order_pagination_and_slashes(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    token, company_id = await _company(api)
    await _insert_communities(app, 25, company_id)
    student = await api.student()
    plain, slashed = await client.get("/communities"), await client.get("/communities/")
    assert plain.status_code == slashed.status_code == 200
    assert plain.json() == slashed.json()
    assert _names(plain) == [f"Bulk {index:02d}" for index in range(25)]
    for item in plain.json():
        _assert_community(item)
    assert _names(await client.get("/communities/?limit=5")) == [f"Bulk {index:02d}" for index in range(5)]
    assert _names(await client.get("/communities/?offset=23&limit=5")) == ["Bulk 23", "Bulk 24"]
    for query in ("limit=0", "offset=-1", "limit=abc"):
        assert (await client.get(f"/communities/?{query}")).status_code == 422
    # Ignored parameters and any Authorization header on a public route.
    assert len((await client.get("/communities/?offest=3", headers=GARBAGE)).json()) == 25

    joinable = await client.get("/communities/joinable", headers=bearer(student))
    assert _names(joinable) == [f"Bulk {index:02d}" for index in range(20)]  # default page of 20
    assert _names(await client.get("/communities/joinable?offset=20", headers=bearer(student)))[0] == "Bulk 20"
    assert len((await client.get("/communities/mine", headers=bearer(token))).json()) == 25  # default page of 100
    assert _names(await client.get("/communities/mine?limit=2&offset=1", headers=bearer(token))) == [
        "Bulk 01",
        "Bulk 02",
    ]
    assert len((await client.get(f"/communities/by-company/{company_id}?limit=3")).json()) == 3
    for url in ("/communities/mine", "/communities/joinable"):
        response = await client.get(url)
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
        assert (await client.get(url, headers=GARBAGE)).status_code == 401
        assert (await client.get(f"{url}?limit=0", headers=bearer(student))).status_code == 422


async def test_a_larger_limit_is_clamped_to_100(client: httpx.AsyncClient, app: Litestar) -> None:
    await _insert_communities(app, 105)
    assert len((await client.get("/communities/?limit=1000")).json()) == 100
    assert len((await client.get("/communities/?limit=1000&offset=100")).json()) == 5


async def test_same_names_order_by_id(api: Api, client: httpx.AsyncClient) -> None:
    token, _ = await _company(api)
    ids = sorted([(await _create(client, token, "Same"))["id"] for _ in range(3)])
    assert [item["id"] for item in (await client.get("/communities/")).json()] == ids


async def test_by_company_unknown_or_malformed_is_empty(api: Api, client: httpx.AsyncClient) -> None:
    token, _ = await _company(api)
    await _create(client, token, "Alpha")
    for company in (UNKNOWN_ID, MALFORMED_ID):
        response = await client.get(f"/communities/by-company/{company}", headers=GARBAGE)
        assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize("size", [1, 25])
async def test_list_statement_count_is_constant(
    size: int,
    api: Api,
    client: httpx.AsyncClient,
    app: Litestar,
    statements: StatementCounter,
    caller_clock: CallerClock,
) -> None:
    token, company_id = await _company(api)
    student = await api.student()
    await _insert_communities(app, size, company_id)
    for community in (await client.get("/communities/")).json():
        await client.post(f"/communities/{community['id']}/follow", headers=bearer(student))
    counts = {}
    for url, headers in (
        ("/communities/", {}),
        ("/communities/mine", bearer(student)),
        ("/communities/mine", bearer(token)),
        ("/communities/joinable?limit=100", bearer(await api.student())),
        (f"/communities/by-company/{company_id}", {}),
    ):
        caller_clock.expire()
        with statements:
            response = await client.get(url, headers=headers)
        assert len(response.json()) == size
        counts[url, headers.get("Authorization")] = statements.count
    assert list(counts.values()) == EXPECTED_LIST_STATEMENTS


# one SELECT (the page with its counts), plus the caller's lookup on guarded routes (and the company resolution)
EXPECTED_LIST_STATEMENTS = [1, 2, 3, 2, 1]


# --- detail and members -------------------------------------------------------------------------------------------


async def test_detail_shape_cases_and_members(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    token, company_id = await _company(api)
    community = await _create(client, token, "Alpha", tags=["t"])
    url = f"/communities/{community['id']}"
    empty = await client.get(url, headers=GARBAGE)
    assert empty.status_code == 200
    assert empty.json() == community | {"cases": [], "members": []}

    dates = ["2030-01-02T10:00:00", "2031-05-01T00:00:00Z", "2030-06-01T12:00:00+03:00"]
    cases = []
    for index, date in enumerate(dates):
        body = {"title": f"Case {index}", "date": date, "solutions_count": index}
        response = await client.post(f"{url}/cases", json=body, headers=bearer(token))
        assert response.status_code == 200, response.text
        cases.append(response.json())
    students = [await api.student() for _ in range(2)]
    for student in students:
        await client.post(f"{url}/follow", headers=bearer(student))

    detail = (await client.get(url)).json()
    assert set(detail) == COMMUNITY_KEYS | {"cases", "members"}
    assert detail["company_id"] == company_id
    assert detail["members_count"] == 2
    assert [case["title"] for case in detail["cases"]] == ["Case 1", "Case 2", "Case 0"]  # date desc
    assert detail["cases"][0] == cases[1]
    for case in detail["cases"]:
        assert set(case) == CASE_KEYS and case["description"] == "" and case["date"].endswith("Z")
    assert [member["id"] for member in detail["members"]] == [claims(student)["sub"] for student in students]
    for member in detail["members"]:
        assert set(member) == MEMBER_KEYS
        assert member["role"] == "student"
        assert (member["phone"], member["full_name"], member["avatar_media_id"]) == ("", "", "")
        assert member["created_at"].endswith("Z")


async def test_members_phone_privacy(api: Api, client: httpx.AsyncClient) -> None:
    token, _ = await _company(api)
    community = await _create(client, token, "Alpha")
    url = f"/communities/{community['id']}"
    phone = new_phone()
    member = await api.student(phone)
    other = await api.student()
    admin = await api.admin()
    await client.post(f"{url}/follow", headers=bearer(member))

    def phones(response: httpx.Response, key: str | None) -> list[str]:
        assert response.status_code == 200
        items = response.json()[key] if key else response.json()
        return [item["phone"] for item in items]

    for path, key in ((url, "members"), (f"{url}/members", None)):
        assert phones(await client.get(path), key) == [""]
        assert phones(await client.get(path, headers=GARBAGE), key) == [""]
        assert phones(await client.get(path, headers=bearer(other)), key) == [""]
        assert phones(await client.get(path, headers=bearer(token)), key) == [""]
        assert phones(await client.get(path, headers=bearer(member)), key) == [phone]
        assert phones(await client.get(path, headers=bearer(admin)), key) == [phone]


async def test_detail_and_members_unknown(client: httpx.AsyncClient) -> None:
    for target in (UNKNOWN_ID, MALFORMED_ID, "mine-not"):
        for path in (f"/communities/{target}", f"/communities/{target}/members"):
            response = await client.get(path)
            assert (response.status_code, response.json()) == (404, {"detail": "Not found"})


async def test_members_list_pages_in_join_order(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    token, _ = await _company(api)
    community = await _create(client, token, "Alpha")
    ids = [user_id.hex for user_id in await _insert_users(app, community["id"], 5)]
    response = await client.get(f"/communities/{community['id']}/members")
    assert [item["id"] for item in response.json()] == ids
    assert [item["full_name"] for item in response.json()] == [f"Member {index}" for index in range(5)]
    response = await client.get(f"/communities/{community['id']}/members?offset=1&limit=2")
    assert [item["id"] for item in response.json()] == ids[1:3]
    assert (await client.get(f"/communities/{community['id']}/members?limit=0")).status_code == 422


async def test_detail_embeds_first_hundred_members(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    token, _ = await _company(api)
    community = await _create(client, token, "Alpha")
    ids = [user_id.hex for user_id in await _insert_users(app, community["id"], 102)]
    detail = (await client.get(f"/communities/{community['id']}")).json()
    assert detail["members_count"] == 102
    assert [member["id"] for member in detail["members"]] == ids[:100]
    rest = (await client.get(f"/communities/{community['id']}/members?offset=100")).json()
    assert [member["id"] for member in rest] == ids[100:]


@pytest.mark.parametrize("size", [1, 25])
async def test_detail_statement_count_is_constant(
    size: int, api: Api, client: httpx.AsyncClient, app: Litestar, statements: StatementCounter
) -> None:
    token, _ = await _company(api)
    community = await _create(client, token, "Alpha")
    await _insert_users(app, community["id"], size)
    for index in range(size):
        body = {"title": f"Case {index}", "date": "2030-01-01T00:00:00Z"}
        assert (await client.post(f"/communities/{community['id']}/cases", json=body, headers=bearer(token))).is_success
    with statements:
        detail = (await client.get(f"/communities/{community['id']}")).json()
    assert (len(detail["members"]), len(detail["cases"])) == (size, size)
    # SQLite: the community with its count, its cases, its members.
    assert statements.count == statements.expected(postgresql=1, sqlite=3)
    with statements:
        members = (await client.get(f"/communities/{community['id']}/members")).json()
    assert len(members) == size
    assert statements.count == 2  # existence, members


# --- posts --------------------------------------------------------------------------------------------------------


async def test_posts_of_a_community(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    token, _ = await _company(api)
    community = await _create(client, token, "Alpha")
    other = await _create(client, token, "Beta")
    base = datetime(2030, 1, 1, tzinfo=UTC)
    ids = await _insert_content(
        app,
        community["id"],
        [
            {"type": "post", "title": "Old", "body": None, "tags": ["a"], "created_at": base},
            {"type": "post", "title": "New", "body": "Text", "cost": 5, "created_at": base + timedelta(hours=2)},
            {"type": "event", "title": "Event", "event_date": base, "created_at": base + timedelta(hours=3)},
            {"type": "post", "title": "Mid", "created_at": base + timedelta(hours=1)},
        ],
    )
    await _insert_content(app, other["id"], [{"type": "post", "title": "Elsewhere", "created_at": base}])
    url = f"/communities/{community['id']}/posts"
    response = await client.get(url, headers=GARBAGE)
    assert response.status_code == 200
    posts = response.json()
    assert [post["title"] for post in posts] == ["New", "Mid", "Old"]
    for post in posts:
        assert set(post) == POST_KEYS
        assert post["community_id"] == community["id"]
        assert all(value is not None for value in post.values())
    assert posts[0] | {"id": ""} == {
        "id": "",
        "community_id": community["id"],
        "title": "New",
        "body": "Text",
        "media": [],
        "tags": [],
        "skills": [],
        "cost": 5,
        "participant_payout": 0,
        "moderation_status": "visible",
    }
    assert posts[2]["id"] == ids[0] and posts[2]["body"] == "" and posts[2]["tags"] == ["a"]
    assert [post["title"] for post in (await client.get(f"{url}?offset=1&limit=1")).json()] == ["Mid"]
    assert (await client.get(f"{url}?offset=-1")).status_code == 422
    # Archived communities keep serving their posts; unknown ones have none.
    await client.patch(f"/communities/{community['id']}", json={"is_archived": True}, headers=bearer(token))
    assert len((await client.get(url)).json()) == 3
    for target in (UNKNOWN_ID, MALFORMED_ID):
        response = await client.get(f"/communities/{target}/posts")
        assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize("size", [1, 25])
async def test_posts_statement_count_is_constant(
    size: int, api: Api, client: httpx.AsyncClient, app: Litestar, statements: StatementCounter
) -> None:
    token, _ = await _company(api)
    community = await _create(client, token, "Alpha")
    await _insert_content(app, community["id"], [{"type": "post", "title": f"P{i}"} for i in range(size)])
    with statements:
        posts = (await client.get(f"/communities/{community['id']}/posts?limit=100")).json()
    assert len(posts) == size
    assert statements.count == statements.expected(postgresql=1, sqlite=3)  # + their media, their skills


# --- cases --------------------------------------------------------------------------------------------------------


async def test_create_case(api: Api, client: httpx.AsyncClient) -> None:
    token, _ = await _company(api)
    community = await _create(client, token, "Alpha")
    url = f"/communities/{community['id']}/cases"
    response = await client.post(
        url, json={"title": "Case", "date": "2030-06-01T12:00:00+03:00", "description": "D", "solutions_count": 3},
        headers=bearer(token),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    case = response.json()
    assert set(case) == CASE_KEYS
    assert case | {"id": ""} == {
        "id": "",
        "community_id": community["id"],
        "title": "Case",
        "description": "D",
        "date": "2030-06-01T09:00:00Z",
        "solutions_count": 3,
    }
    response = await client.post(url, json={"title": "Naive", "date": "2030-01-02T10:00:00"}, headers=bearer(token))
    assert response.status_code == 200
    assert (response.json()["date"], response.json()["description"], response.json()["solutions_count"]) == (
        "2030-01-02T10:00:00Z",
        "",
        0,
    )
    detail = (await client.get(f"/communities/{community['id']}")).json()
    assert [item["id"] for item in detail["cases"]] == [case["id"], response.json()["id"]]


async def test_create_case_refusals(api: Api, client: httpx.AsyncClient) -> None:
    token, _ = await _company(api)
    foreign, _ = await _company(api)
    student = await api.student()
    community = await _create(client, token, "Alpha")
    url = f"/communities/{community['id']}/cases"
    body = {"title": "Case", "date": "2030-01-01T00:00:00Z"}
    assert (await client.post(url, json=body)).status_code == 401
    response = await client.post(url, json=body, headers=bearer(student))
    assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    response = await client.post(url, json=body, headers=bearer(foreign))
    assert (response.status_code, response.json()) == (403, {"detail": "Not allowed"})
    for target in (UNKNOWN_ID, MALFORMED_ID):
        response = await client.post(f"/communities/{target}/cases", json=body, headers=bearer(token))
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    for bad in (
        {"date": "2030-01-01T00:00:00Z"},
        {"title": "Case"},
        {"title": None, "date": "2030-01-01T00:00:00Z"},
        {"title": "Case", "date": "not a date"},
        body | {"solutions_count": -1},
        body | {"solutions_count": "many"},
    ):
        response = await client.post(url, json=bad, headers=bearer(token))
        assert response.status_code == 422, bad
    await client.patch(f"/communities/{community['id']}", json={"is_archived": True}, headers=bearer(token))
    response = await client.post(url, json=body, headers=bearer(token))
    assert (response.status_code, response.json()) == (409, {"detail": "Community is archived"})


async def test_delete_case(api: Api, client: httpx.AsyncClient) -> None:
    token, _ = await _company(api)
    foreign, _ = await _company(api)
    student = await api.student()
    community = await _create(client, token, "Alpha")
    sibling = await _create(client, token, "Beta")
    body = {"title": "Case", "date": "2030-01-01T00:00:00Z"}
    case = (await client.post(f"/communities/{community['id']}/cases", json=body, headers=bearer(token))).json()
    url = f"/communities/{community['id']}/cases/{case['id']}"

    assert (await client.delete(url)).status_code == 401
    response = await client.delete(url, headers=bearer(student))
    assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    response = await client.delete(url, headers=bearer(foreign))
    assert (response.status_code, response.json()) == (403, {"detail": "Not allowed"})
    for target in (UNKNOWN_ID, MALFORMED_ID):
        response = await client.delete(f"/communities/{target}/cases/{case['id']}", headers=bearer(token))
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    # The case exists, but in another community of the same company.
    response = await client.delete(f"/communities/{sibling['id']}/cases/{case['id']}", headers=bearer(token))
    assert (response.status_code, response.json()) == (404, {"detail": "Case not found"})

    response = await client.delete(url, headers=bearer(token))
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert (await client.get(f"/communities/{community['id']}")).json()["cases"] == []
    for case_id in (case["id"], MALFORMED_ID):
        response = await client.delete(f"/communities/{community['id']}/cases/{case_id}", headers=bearer(token))
        assert (response.status_code, response.json()) == (404, {"detail": "Case not found"})
