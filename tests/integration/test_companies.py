"""`/companies`: the public directory and detail, the caller's own company, and following companies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import httpx
from litestar import Litestar
from sqlalchemy import Executable, delete, func, select

from tests.conftest import CallerClock, StatementCounter
from tests.helpers import Api, bearer, claims, new_phone
from tests.shapes import COMMUNITY_KEYS, COMPANY_KEYS, MEDIA_KEYS, SKILL_KEYS
from tests.shapes import COMPANY_DETAIL_KEYS as DETAIL_KEYS
from workcommunities.db.models import (
    Community,
    Company,
    CompanyFollow,
    CompanyMedia,
    CompanySkill,
    Membership,
    Role,
    User,
)

MISSING = "0" * 32


# --- helpers (also used by test_admin_companies) ----------------------------------------------------------------------


async def rows(app: Litestar, query: Executable) -> list[Any]:
    async with app.state.db_config.get_session() as session:
        return list((await session.execute(query)).all())


async def skills(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return list((await client.get("/reference/skills")).json())


async def insert_company(
    app: Litestar, name: str, *, skill_ids: Sequence[str] = (), phone: str | None = None, email: str | None = None
) -> str:
    """A company row with ordered skills, as another slice (or the auth flow) would create it."""
    async with app.state.db_config.get_session() as session:
        company = Company(name=name, phone=phone, email=email)
        session.add(company)
        await session.flush()
        for position, skill_id in enumerate(skill_ids):
            session.add(CompanySkill(company_id=company.id, skill_id=UUID(skill_id), position=position))
        await session.commit()
        return company.id.hex


async def insert_community(
    app: Litestar, company_id: str, name: str, *, archived: bool = False, members: int = 0
) -> str:
    """A community of the company with `members` real membership rows (users made on the spot)."""
    async with app.state.db_config.get_session() as session:
        community = Community(company_id=UUID(company_id), name=name, is_archived=archived, tags=["a", "b"])
        session.add(community)
        users = [User(role=Role.student) for _ in range(members)]
        session.add_all(users)
        await session.flush()
        session.add_all([Membership(user_id=user.id, community_id=community.id) for user in users])
        await session.commit()
        return community.id.hex


def assert_company(body: dict[str, Any], *, detail: bool = False) -> None:
    """Every key present, nothing null, no private field; nested shapes complete."""
    assert set(body) == (DETAIL_KEYS if detail else COMPANY_KEYS)
    assert all(value is not None for value in body.values())
    assert len(body["id"]) == 32
    for skill in body["skills"]:
        assert set(skill) == SKILL_KEYS and skill["sphere_id"] == skill["sphere"]["id"]
    if detail:
        for community in body["communities"]:
            assert set(community) == COMMUNITY_KEYS
            assert all(value is not None for value in community.values())
        for media in body["media"]:
            assert set(media) == MEDIA_KEYS and media["url"] == f"/media/{media['id']}"


def company_id_of(token: str) -> str:
    return str(claims(token)["company_id"])


# --- GET /companies/ --------------------------------------------------------------------------------------------------


async def test_list_is_public_ordered_by_name_with_ordered_skills(
    client: httpx.AsyncClient, app: Litestar, api: Api
) -> None:
    all_skills = await skills(client)
    phone = new_phone()
    own = company_id_of(await api.company(phone))  # "My Company", with a phone
    beta = await insert_company(app, "Beta", skill_ids=[all_skills[5]["id"], all_skills[0]["id"]], email="b@x.io")
    alpha = await insert_company(app, "Alpha")
    alpha_twin = await insert_company(app, "Alpha")

    for path in ("/companies/", "/companies"):
        for headers in ({}, {"Authorization": "Bearer null"}, {"Authorization": "Bearer"}, bearer("garbage")):
            response = await client.get(path, headers=headers)
            assert response.status_code == 200, response.text
            body = response.json()
            assert [c["id"] for c in body] == [*sorted([alpha, alpha_twin]), beta, own]
            assert phone not in response.text and "b@x.io" not in response.text
    for company in body:
        assert_company(company)
    by_id = {c["id"]: c for c in body}
    assert [s["id"] for s in by_id[beta]["skills"]] == [all_skills[5]["id"], all_skills[0]["id"]]
    assert by_id[beta]["skills"][0] == all_skills[5]
    assert by_id[alpha] == {"id": alpha, "name": "Alpha", "description": "", "logo_media_id": "", "skills": []}
    assert by_id[own]["name"] == "My Company"


async def test_list_pagination(client: httpx.AsyncClient, app: Litestar) -> None:
    ids = [await insert_company(app, f"Company {n:02d}") for n in range(5)]
    page = (await client.get("/companies/", params={"offset": 1, "limit": 2})).json()
    assert [c["id"] for c in page] == ids[1:3]
    assert [c["id"] for c in (await client.get("/companies/", params={"limit": 1000})).json()] == ids
    for params in ({"offset": -1}, {"limit": 0}, {"limit": "x"}):
        response = await client.get("/companies/", params=params)
        assert response.status_code == 422
        assert isinstance(response.json()["detail"], list)


async def test_list_costs_the_same_statements_for_1_and_25_companies(
    client: httpx.AsyncClient, app: Litestar, statements: StatementCounter
) -> None:
    skill_ids = [s["id"] for s in await skills(client)][:3]
    await insert_company(app, "First", skill_ids=skill_ids)
    with statements:
        assert len((await client.get("/companies/")).json()) == 1
    single = statements.count
    for n in range(24):
        await insert_company(app, f"More {n:02d}", skill_ids=skill_ids)
    with statements:
        body = (await client.get("/companies/")).json()
    assert len(body) == 25 and all(len(c["skills"]) == 3 for c in body)
    assert statements.count == single == statements.expected(postgresql=1, sqlite=2)  # + the skills of the page


# --- GET /companies/me and /companies/{id} ----------------------------------------------------------------------------


async def test_detail_has_live_communities_with_real_counts_and_the_gallery(
    client: httpx.AsyncClient, app: Litestar, api: Api, create_media: Callable[..., Any]
) -> None:
    token = await api.company()
    company_id = company_id_of(token)
    zeta = await insert_community(app, company_id, "Zeta", members=3)
    alpha = await insert_community(app, company_id, "Alpha")
    await insert_community(app, company_id, "Archived", archived=True, members=2)
    other = company_id_of(await api.company())
    await insert_community(app, other, "Someone else's", members=1)
    first, second = await create_media(), await create_media(kind="video", mime="video/mp4", ext="mp4")
    response = await client.patch("/companies/me", json={"media_uids": [second, first]}, headers=bearer(token))
    assert response.status_code == 200, response.text

    mine = await client.get("/companies/me", headers=bearer(token))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert_company(body, detail=True)
    assert body["id"] == company_id
    assert [(c["id"], c["members_count"]) for c in body["communities"]] == [(alpha, 0), (zeta, 3)]
    assert body["communities"][1] == {
        "id": zeta,
        "name": "Zeta",
        "company_id": company_id,
        "description": "",
        "telegram_url": "",
        "tags": ["a", "b"],
        "is_archived": False,
        "logo_media_id": "",
        "members_count": 3,
    }
    assert [m["id"] for m in body["media"]] == [second, first]
    assert body["media"][0] == {
        "id": second,
        "kind": "video",
        "mime": "video/mp4",
        "ext": "mp4",
        "size": 1,
        "url": f"/media/{second}",
    }
    # The public detail is the same document, whatever the Authorization header says.
    for headers in ({}, bearer("garbage"), {"Authorization": "Bearer null"}):
        public = await client.get(f"/companies/{company_id}", headers=headers)
        assert public.status_code == 200
        assert public.json() == body
    assert (await client.get(f"/companies/{company_id}/")).json() == body
    assert (await client.get("/companies/me/", headers=bearer(token))).json() == body


async def test_detail_statement_count_does_not_grow_with_communities(
    client: httpx.AsyncClient, app: Litestar, statements: StatementCounter
) -> None:
    company_id = await insert_company(app, "Counted")
    await insert_community(app, company_id, "One", members=2)
    with statements:
        assert len((await client.get(f"/companies/{company_id}")).json()["communities"]) == 1
    single = statements.count
    for n in range(10):
        await insert_community(app, company_id, f"Many {n}", members=1)
    with statements:
        assert len((await client.get(f"/companies/{company_id}")).json()["communities"]) == 11
    # SQLite: the company, its skills, its communities with counts, its gallery.
    assert statements.count == single == statements.expected(postgresql=1, sqlite=4)


async def test_detail_of_unknown_or_malformed_id_is_404(client: httpx.AsyncClient) -> None:
    for company_id in (MISSING, "nope", "0" * 31, "g" * 32):
        response = await client.get(f"/companies/{company_id}")
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})


async def test_me_needs_a_company(client: httpx.AsyncClient, app: Litestar, api: Api) -> None:
    for method in ("GET", "PATCH"):
        response = await client.request(method, "/companies/me", json={} if method == "PATCH" else None)
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
        for token in (await api.student(), await api.admin(email=f"{method.lower()}@admin.example")):
            response = await client.request(
                method, "/companies/me", headers=bearer(token), json={} if method == "PATCH" else None
            )
            assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    # A company user whose company is gone.
    token = await api.company()
    async with app.state.db_config.get_session() as session:
        await session.execute(delete(Company).where(Company.id == UUID(company_id_of(token))))
        await session.commit()
    response = await client.get("/companies/me", headers=bearer(token))
    assert (response.status_code, response.json()) == (403, {"detail": "Company is not set for this user"})


# --- PATCH /companies/me ----------------------------------------------------------------------------------------------


async def test_patch_applies_only_given_fields(
    client: httpx.AsyncClient, app: Litestar, api: Api, create_media: Callable[..., Any]
) -> None:
    token = await api.company()
    company_id = company_id_of(token)
    all_skills = await skills(client)
    logo = await create_media()
    body = {
        "name": "  Acme  ",
        "description": "We build things",
        "logo_media_id": logo,
        "tags": [all_skills[3]["id"], " ", all_skills[1]["id"], all_skills[3]["id"]],
    }
    response = await client.patch("/companies/me", json=body, headers=bearer(token))
    assert response.status_code == 200, response.text
    updated = response.json()
    assert_company(updated)
    assert updated == {
        "id": company_id,
        "name": "Acme",
        "description": "We build things",
        "logo_media_id": logo,
        "skills": [all_skills[3], all_skills[1]],
    }
    assert "tags" not in updated

    # Empty body: nothing changes, the current company comes back (trailing slash too).
    for path in ("/companies/me", "/companies/me/"):
        response = await client.patch(path, json={}, headers=bearer(token))
        assert (response.status_code, response.json()) == (200, updated)
    # Null lists leave them alone; null text clears; "" and null clear the logo.
    response = await client.patch(
        "/companies/me", json={"tags": None, "media_uids": None, "description": None}, headers=bearer(token)
    )
    assert response.json() == {**updated, "description": ""}
    response = await client.patch("/companies/me", json={"logo_media_id": ""}, headers=bearer(token))
    assert response.json()["logo_media_id"] == ""
    await client.patch("/companies/me", json={"logo_media_id": logo}, headers=bearer(token))
    response = await client.patch("/companies/me", json={"logo_media_id": None, "tags": []}, headers=bearer(token))
    assert response.json() == {**updated, "description": "", "logo_media_id": "", "skills": []}
    [(stored,)] = await rows(app, select(Company).where(Company.id == UUID(company_id)))
    assert stored.logo_media_id is None and stored.description is None and stored.phone  # the phone is kept


async def test_patch_replaces_the_gallery_in_order_without_duplicates(
    client: httpx.AsyncClient, app: Litestar, api: Api, create_media: Callable[..., Any]
) -> None:
    token = await api.company()
    a, b, c = await create_media(), await create_media(), await create_media()
    await client.patch("/companies/me", json={"media_uids": [a, b]}, headers=bearer(token))
    response = await client.patch("/companies/me", json={"media_uids": [c, a, c, a]}, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert set(response.json()) == COMPANY_KEYS  # a Company, not a CompanyDetail
    detail = (await client.get("/companies/me", headers=bearer(token))).json()
    assert [m["id"] for m in detail["media"]] == [c, a]
    stored = await rows(
        app,
        select(CompanyMedia.media_id, CompanyMedia.position)
        .where(CompanyMedia.company_id == UUID(company_id_of(token)))
        .order_by(CompanyMedia.position),
    )
    assert [(m.hex, p) for m, p in stored] == [(c, 0), (a, 1)]
    await client.patch("/companies/me", json={"media_uids": []}, headers=bearer(token))
    assert (await client.get("/companies/me", headers=bearer(token))).json()["media"] == []


async def test_patch_refuses_unknown_ids_and_changes_nothing(
    client: httpx.AsyncClient, api: Api, create_media: Callable[..., Any]
) -> None:
    token = await api.company()
    all_skills = await skills(client)
    media = await create_media()
    start = {"name": "Start", "description": "d", "logo_media_id": media, "tags": [all_skills[0]["id"]]}
    await client.patch("/companies/me", json={**start, "media_uids": [media]}, headers=bearer(token))
    before = (await client.get("/companies/me", headers=bearer(token))).json()
    change = {"name": "Changed", "description": "changed", "tags": [all_skills[2]["id"]], "media_uids": []}
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"logo_media_id": MISSING}, "Media not found"),
        ({"logo_media_id": "not-an-id"}, "Media not found"),
        ({"media_uids": [media, MISSING]}, "Media not found"),
        ({"media_uids": ["bad"]}, "Media not found"),
        ({"tags": [all_skills[1]["id"], "nope", MISSING]}, f"Invalid tags: nope, {MISSING}"),
    ]
    for bad, detail in refusals:
        response = await client.patch("/companies/me", json={**change, **bad}, headers=bearer(token))
        assert (response.status_code, response.json()) == (400, {"detail": detail})
        assert (await client.get("/companies/me", headers=bearer(token))).json() == before


async def test_patch_validation_errors(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.company()
    for body in ({"name": None}, {"name": ""}, {"name": "   "}, {"tags": "x"}, {"media_uids": [1]}, {"name": 5}):
        response = await client.patch("/companies/me", json=body, headers=bearer(token))
        assert response.status_code == 422, body
        assert isinstance(response.json()["detail"], list)
    response = await client.patch(
        "/companies/me", content=b"{oops", headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert (await client.get("/companies/me", headers=bearer(token))).json()["name"] == "My Company"


async def test_patch_changes_only_the_callers_company(client: httpx.AsyncClient, api: Api) -> None:
    mine, theirs = await api.company(), await api.company()
    before = (await client.get(f"/companies/{company_id_of(theirs)}")).json()
    response = await client.patch("/companies/me", json={"name": "Mine"}, headers=bearer(mine))
    assert response.json()["id"] == company_id_of(mine)
    assert (await client.get(f"/companies/{company_id_of(theirs)}")).json() == before


# --- follows ----------------------------------------------------------------------------------------------------------


async def _follows(app: Litestar, user_id: str) -> list[str]:
    found = await rows(app, select(CompanyFollow.company_id).where(CompanyFollow.user_id == UUID(user_id)))
    return sorted(company_id.hex for (company_id,) in found)


async def test_follow_is_idempotent_for_every_role(client: httpx.AsyncClient, app: Litestar, api: Api) -> None:
    company_id = await insert_company(app, "Followed")
    for token in (await api.student(), await api.company(), await api.admin()):
        user_id = claims(token)["sub"]
        for path in (f"/companies/{company_id}/follow", f"/companies/{company_id}/follow/"):
            response = await client.post(path, headers=bearer(token))
            assert (response.status_code, response.json()) == (200, {"status": "ok"})
        assert await _follows(app, user_id) == [company_id]
        for _ in range(2):
            response = await client.delete(f"/companies/{company_id}/follow", headers=bearer(token))
            assert (response.status_code, response.json()) == (200, {"status": "ok"})
        assert await _follows(app, user_id) == []


async def test_concurrent_follows_leave_one_row(client: httpx.AsyncClient, app: Litestar, api: Api) -> None:
    company_id = await insert_company(app, "Raced")
    token = await api.student()
    responses = await asyncio.gather(
        *[client.post(f"/companies/{company_id}/follow", headers=bearer(token)) for _ in range(6)]
    )
    assert [r.status_code for r in responses] == [200] * 6
    assert await _follows(app, claims(token)["sub"]) == [company_id]
    [(count,)] = await rows(app, select(func.count()).select_from(CompanyFollow))
    assert count == 1


async def test_follow_errors(client: httpx.AsyncClient, app: Litestar, api: Api) -> None:
    company_id = await insert_company(app, "Target")
    for method in ("POST", "DELETE"):
        response = await client.request(method, f"/companies/{company_id}/follow")
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
        token = await api.student()
        for target in (MISSING, "nope", "me"):
            response = await client.request(method, f"/companies/{target}/follow", headers=bearer(token))
            assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    [(count,)] = await rows(app, select(func.count()).select_from(CompanyFollow))
    assert count == 0


async def test_followed_list(client: httpx.AsyncClient, app: Litestar, api: Api) -> None:
    response = await client.get("/companies/me/followed")
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    token = await api.student()
    assert (await client.get("/companies/me/followed", headers=bearer(token))).json() == []
    all_skills = await skills(client)
    zulu = await insert_company(app, "Zulu", skill_ids=[all_skills[2]["id"]], phone=new_phone(), email="z@z.io")
    alpha = await insert_company(app, "Alpha")
    await insert_company(app, "Not followed")
    for company_id in (zulu, alpha, zulu):
        await client.post(f"/companies/{company_id}/follow", headers=bearer(token))
    for path in ("/companies/me/followed", "/companies/me/followed/"):
        response = await client.get(path, headers=bearer(token))
        assert response.status_code == 200
        body = response.json()
        assert [c["id"] for c in body] == [alpha, zulu]
        assert "z@z.io" not in response.text and "+7999" not in response.text
    for company in body:
        assert_company(company)
    assert body[1]["skills"] == [all_skills[2]]
    page = await client.get("/companies/me/followed", params={"offset": 1, "limit": 1}, headers=bearer(token))
    assert [c["id"] for c in page.json()] == [zulu]
    response = await client.get("/companies/me/followed", params={"limit": 0}, headers=bearer(token))
    assert response.status_code == 422
    # Another user's follows are not mine.
    assert (await client.get("/companies/me/followed", headers=bearer(await api.company()))).json() == []


async def test_followed_list_costs_the_same_for_1_and_25(
    client: httpx.AsyncClient, app: Litestar, api: Api, statements: StatementCounter, caller_clock: CallerClock
) -> None:
    token = await api.student()
    skill_ids = [s["id"] for s in await skills(client)][:2]
    first = await insert_company(app, "First", skill_ids=skill_ids)
    await client.post(f"/companies/{first}/follow", headers=bearer(token))
    caller_clock.expire()
    with statements:
        assert len((await client.get("/companies/me/followed", headers=bearer(token))).json()) == 1
    single = statements.count
    for n in range(24):
        company_id = await insert_company(app, f"Next {n:02d}", skill_ids=skill_ids)
        await client.post(f"/companies/{company_id}/follow", headers=bearer(token))
    caller_clock.expire()
    with statements:
        body = (await client.get("/companies/me/followed", headers=bearer(token))).json()
    assert len(body) == 25 and all(len(c["skills"]) == 2 for c in body)
    assert statements.count == single
