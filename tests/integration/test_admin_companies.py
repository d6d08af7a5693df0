"""`/admin/companies`: creating and editing any company, and binding a phone so the company OTP login reaches it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
from litestar import Litestar
from sqlalchemy import func, select

from tests.helpers import Api, bearer, claims, new_phone
from tests.integration.test_companies import (
    COMPANY_KEYS,
    MISSING,
    assert_company,
    company_id_of,
    insert_company,
    rows,
    skills,
)
from workcommunities.db.models import Company, CompanyMedia, CompanySkill


async def _company_count(app: Litestar) -> int:
    [(count,)] = await rows(app, select(func.count()).select_from(Company))
    return int(count)


# --- POST /admin/companies --------------------------------------------------------------------------------------------


async def test_create_company(
    client: httpx.AsyncClient, app: Litestar, api: Api, create_media: Callable[..., Any]
) -> None:
    admin = await api.admin()
    all_skills = await skills(client)
    logo = await create_media()
    body = {"name": " Initech ", "description": "TPS reports", "tags": [all_skills[4]["id"], all_skills[0]["id"]]}
    response = await client.post("/admin/companies", json={**body, "logo_media_id": logo}, headers=bearer(admin))
    assert response.status_code == 200, response.text
    created = response.json()
    assert_company(created)
    assert created == {
        "id": created["id"],
        "name": "Initech",
        "description": "TPS reports",
        "logo_media_id": logo,  # the stored logo, not "" (D-19)
        "skills": [all_skills[4], all_skills[0]],
    }
    [(company,)] = await rows(app, select(Company).where(Company.id == UUID(created["id"])))
    assert company.owner_user_id is None and company.phone is None
    assert (await client.get(f"/companies/{created['id']}")).json() == {**created, "communities": [], "media": []}

    # Only the name is required; the trailing-slash spelling answers too.
    response = await client.post("/admin/companies/", json={"name": "Bare"}, headers=bearer(admin))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": response.json()["id"],
        "name": "Bare",
        "description": "",
        "logo_media_id": "",
        "skills": [],
    }
    response = await client.post(
        "/admin/companies",
        json={"name": "Nulls", "description": None, "tags": None, "logo_media_id": None},
        headers=bearer(admin),
    )
    assert response.status_code == 200
    assert response.json()["skills"] == [] and response.json()["logo_media_id"] == ""


async def test_create_company_refusals(client: httpx.AsyncClient, app: Litestar, api: Api) -> None:
    response = await client.post("/admin/companies", json={"name": "X"})
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    for token in (await api.student(), await api.company()):
        response = await client.post("/admin/companies", json={"name": "X"}, headers=bearer(token))
        assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    admin = await api.admin()
    before = await _company_count(app)
    skill_id = (await skills(client))[0]["id"]
    for body in ({}, {"name": None}, {"name": ""}, {"name": "  "}, {"name": "X", "tags": "a"}, {"name": 1}):
        response = await client.post("/admin/companies", json=body, headers=bearer(admin))
        assert response.status_code == 422, body
        assert isinstance(response.json()["detail"], list)
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"name": "X", "tags": [skill_id, "bad", MISSING]}, f"Invalid tags: bad, {MISSING}"),
        ({"name": "X", "logo_media_id": MISSING}, "Media not found"),
        ({"name": "X", "logo_media_id": "nope"}, "Media not found"),
    ]
    for body, detail in refusals:
        response = await client.post("/admin/companies", json=body, headers=bearer(admin))
        assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert await _company_count(app) == before


# --- PATCH /admin/companies/{id} --------------------------------------------------------------------------------------


async def test_patch_company(
    client: httpx.AsyncClient, app: Litestar, api: Api, create_media: Callable[..., Any]
) -> None:
    admin = await api.admin()
    all_skills = await skills(client)
    company_id = await insert_company(app, "Old", skill_ids=[all_skills[0]["id"]])
    logo, a, b = await create_media(), await create_media(), await create_media()
    body = {
        "name": "New",
        "description": "desc",
        "logo_media_id": logo,
        "tags": [all_skills[2]["id"], all_skills[1]["id"]],
        "media_uids": [b, a, b],
    }
    response = await client.patch(f"/admin/companies/{company_id}", json=body, headers=bearer(admin))
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated == {
        "id": company_id,
        "name": "New",
        "description": "desc",
        "logo_media_id": logo,  # D-19: the real value
        "skills": [all_skills[2], all_skills[1]],
    }
    detail = (await client.get(f"/companies/{company_id}")).json()
    assert [m["id"] for m in detail["media"]] == [b, a]
    # Empty body: no-op (D-15), both spellings.
    for path in (f"/admin/companies/{company_id}", f"/admin/companies/{company_id}/"):
        response = await client.patch(path, json={}, headers=bearer(admin))
        assert (response.status_code, response.json()) == (200, updated)
    response = await client.patch(
        f"/admin/companies/{company_id}", json={"description": None, "logo_media_id": None}, headers=bearer(admin)
    )
    assert response.json() == {**updated, "description": "", "logo_media_id": ""}


async def test_patch_company_refusals(
    client: httpx.AsyncClient, app: Litestar, api: Api, create_media: Callable[..., Any]
) -> None:
    company_id = await insert_company(app, "Target")
    response = await client.patch(f"/admin/companies/{company_id}", json={"name": "X"})
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    owner = await api.company()
    for token in (await api.student(), owner):
        response = await client.patch(f"/admin/companies/{company_id}", json={"name": "X"}, headers=bearer(token))
        assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    # Not even for the company's own owner: the admin route is for admins.
    response = await client.patch(f"/admin/companies/{company_id_of(owner)}", json={"name": "X"}, headers=bearer(owner))
    assert response.status_code == 403
    admin = await api.admin()
    for target in (MISSING, "nope", "0" * 33):
        response = await client.patch(f"/admin/companies/{target}", json={"name": "X"}, headers=bearer(admin))
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    for body in ({"name": None}, {"name": ""}, {"phone": "123"}, {"phone": ""}, {"phone": "+7 999 123 45 67"}):
        response = await client.patch(f"/admin/companies/{company_id}", json=body, headers=bearer(admin))
        assert response.status_code == 422, body
    before = (await client.get(f"/companies/{company_id}")).json()
    media = await create_media()
    for bad, detail in (
        ({"media_uids": [media, MISSING]}, "Media not found"),
        ({"logo_media_id": MISSING}, "Media not found"),
        ({"tags": ["x"]}, "Invalid tags: x"),
    ):
        response = await client.patch(
            f"/admin/companies/{company_id}",
            json={"name": "Changed", "phone": new_phone(), "media_uids": [media], **bad},
            headers=bearer(admin),
        )
        assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert (await client.get(f"/companies/{company_id}")).json() == before
    [(phone,)] = await rows(app, select(Company.phone).where(Company.id == UUID(company_id)))
    assert phone is None
    assert await rows(app, select(CompanyMedia).where(CompanyMedia.company_id == UUID(company_id))) == []
    assert await rows(app, select(CompanySkill).where(CompanySkill.company_id == UUID(company_id))) == []


async def test_phone_of_another_company_is_a_conflict(client: httpx.AsyncClient, app: Litestar, api: Api) -> None:
    admin = await api.admin()
    taken = new_phone()
    await insert_company(app, "Holder", phone=taken)
    company_id = await insert_company(app, "Wants it")
    response = await client.patch(
        f"/admin/companies/{company_id}", json={"name": "Renamed", "phone": taken}, headers=bearer(admin)
    )
    assert (response.status_code, response.json()) == (409, {"detail": "Phone is registered with another company"})
    [(name, phone)] = await rows(app, select(Company.name, Company.phone).where(Company.id == UUID(company_id)))
    assert (name, phone) == ("Wants it", None)
    # Its own phone again is fine; null unbinds it.
    own = new_phone()
    for value in (own, own):
        response = await client.patch(f"/admin/companies/{company_id}", json={"phone": value}, headers=bearer(admin))
        assert response.status_code == 200
        assert set(response.json()) == COMPANY_KEYS and own not in response.text
    response = await client.patch(f"/admin/companies/{company_id}", json={"phone": None}, headers=bearer(admin))
    assert response.status_code == 200
    [(phone,)] = await rows(app, select(Company.phone).where(Company.id == UUID(company_id)))
    assert phone is None


async def test_admin_created_company_can_be_logged_into_by_its_phone(
    client: httpx.AsyncClient, app: Litestar, api: Api
) -> None:
    """D-32 end to end: create, bind a phone, the company OTP login of that phone owns and acts as the company."""
    admin = await api.admin()
    created = (await client.post("/admin/companies", json={"name": "Globex"}, headers=bearer(admin))).json()
    phone = new_phone()
    response = await client.patch(f"/admin/companies/{created['id']}", json={"phone": phone}, headers=bearer(admin))
    assert response.status_code == 200, response.text
    assert phone not in response.text

    token = await api.company(phone)
    assert claims(token)["company_id"] == created["id"]
    [(owner,)] = await rows(app, select(Company.owner_user_id).where(Company.id == UUID(created["id"])))
    assert owner is not None and owner.hex == claims(token)["sub"]
    mine = await client.get("/companies/me", headers=bearer(token))
    assert mine.status_code == 200
    assert mine.json()["id"] == created["id"] and mine.json()["name"] == "Globex"
    assert phone not in mine.text
    response = await client.patch("/companies/me", json={"description": "Now mine"}, headers=bearer(token))
    assert response.json()["description"] == "Now mine"
    assert await _company_count(app) == 1  # the login bound the company, it did not make a "My Company"


async def test_phone_of_a_student_or_admin_is_a_conflict(client: httpx.AsyncClient, app: Litestar, api: Api) -> None:
    """Such a binding could never be used: the company OTP login refuses a phone of another role."""
    admin = await api.admin()
    student_phone = new_phone()
    await api.student(student_phone)
    company_id = await insert_company(app, "Wants a student's phone")
    path = f"/admin/companies/{company_id}"
    response = await client.patch(path, json={"phone": student_phone}, headers=bearer(admin))
    assert (response.status_code, response.json()) == (409, {"detail": "Phone is registered with another role"})
    [(phone,)] = await rows(app, select(Company.phone).where(Company.id == UUID(company_id)))
    assert phone is None
    assert (await client.patch(path, json={"phone": new_phone()}, headers=bearer(admin))).status_code == 200
