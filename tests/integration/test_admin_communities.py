"""`/admin/communities`: an admin creates communities for any company (or none) and edits or archives any of them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import Api, bearer, claims
from tests.shapes import COMMUNITY_KEYS

UNKNOWN_ID = "0" * 32
MALFORMED_ID = "not-an-id"


async def _admin_create(client: httpx.AsyncClient, admin: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/admin/communities", json=body, headers=bearer(admin))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_create_for_a_company_or_none(api: Api, client: httpx.AsyncClient, create_media: Any) -> None:
    admin = await api.admin()
    company = claims(await api.company())["company_id"]
    logo = await create_media()
    response = await client.post(
        "/admin/communities/",
        json={
            "name": " Alpha ",
            "company_id": company,
            "tags": ["a", " a", "b"],
            "description": "D",
            "telegram_url": "https://t.me/a",
            "logo_media_id": logo,
        },
        headers=bearer(admin),
    )
    assert response.status_code == 200, response.text
    created = response.json()
    assert set(created) == COMMUNITY_KEYS
    assert created | {"id": ""} == {
        "id": "",
        "name": "Alpha",
        "company_id": company,
        "description": "D",
        "telegram_url": "https://t.me/a",
        "tags": ["a", "b"],
        "is_archived": False,
        "logo_media_id": logo,
        "members_count": 0,
    }
    by_company = (await client.get(f"/communities/by-company/{company}")).json()
    assert [item["id"] for item in by_company] == [created["id"]]

    for body in ({"name": "Loose"}, {"name": "Null", "company_id": None}, {"name": "Empty", "company_id": ""}):
        loose = await _admin_create(client, admin, **body)
        assert set(loose) == COMMUNITY_KEYS
        assert (loose["company_id"], loose["description"], loose["logo_media_id"], loose["tags"]) == ("", "", "", [])
    assert [item["name"] for item in (await client.get("/communities")).json()] == ["Alpha", "Empty", "Loose", "Null"]


async def test_create_refusals(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.admin()
    company = await api.company()
    student = await api.student()
    body = {"name": "Alpha"}
    response = await client.post("/admin/communities", json=body)
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    for caller in (company, student):
        response = await client.post("/admin/communities", json=body, headers=bearer(caller))
        assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    for company_id in (UNKNOWN_ID, MALFORMED_ID):
        response = await client.post(
            "/admin/communities", json=body | {"company_id": company_id}, headers=bearer(admin)
        )
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    response = await client.post("/admin/communities", json=body | {"logo_media_id": UNKNOWN_ID}, headers=bearer(admin))
    assert (response.status_code, response.json()) == (400, {"detail": "Media not found"})
    for bad in ({}, {"name": None}, {"name": " "}, {"name": "X", "tags": [None]}, {"name": "X", "company_id": 1}):
        response = await client.post("/admin/communities", json=bad, headers=bearer(admin))
        assert response.status_code == 422, bad
    assert (await client.get("/communities/")).json() == []


async def test_patch_any_community_and_archive(api: Api, client: httpx.AsyncClient, create_media: Any) -> None:
    admin = await api.admin()
    owner = await api.company()
    response = await client.post(
        "/communities/", json={"name": "Owned", "description": "D", "tags": ["t"]}, headers=bearer(owner)
    )
    owned = response.json()
    loose = await _admin_create(client, admin, name="Loose")
    logo = await create_media()

    for community in (owned, loose):
        url = f"/admin/communities/{community['id']}"
        response = await client.patch(url, json={}, headers=bearer(admin))
        assert (response.status_code, response.json()) == (200, community)
        response = await client.patch(url, json={"name": "Renamed", "logo_media_id": logo}, headers=bearer(admin))
        assert response.status_code == 200
        assert response.json() == community | {"name": "Renamed", "logo_media_id": logo}

    url = f"/admin/communities/{owned['id']}"
    response = await client.patch(url, json={"description": None, "tags": None}, headers=bearer(admin))
    assert (response.json()["description"], response.json()["tags"], response.json()["name"]) == ("", [], "Renamed")

    response = await client.patch(url, json={"is_archived": True}, headers=bearer(admin))
    assert response.json()["is_archived"] is True
    assert [item["id"] for item in (await client.get("/communities/")).json()] == [loose["id"]]
    assert (await client.get(f"/communities/{owned['id']}")).json()["is_archived"] is True
    response = await client.post(f"/communities/{owned['id']}/follow", headers=bearer(await api.student()))
    assert (response.status_code, response.json()) == (409, {"detail": "Community is archived"})
    response = await client.patch(url + "/", json={"is_archived": False}, headers=bearer(admin))
    assert response.status_code == 200
    assert response.json()["is_archived"] is False
    assert len((await client.get("/communities/")).json()) == 2
    # The owner still owns it after the admin's edits.
    assert (await client.patch(f"/communities/{owned['id']}", json={}, headers=bearer(owner))).status_code == 200


async def test_patch_refusals(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.admin()
    company = await api.company()
    student = await api.student()
    community = await _admin_create(client, admin, name="Alpha")
    url = f"/admin/communities/{community['id']}"
    response = await client.patch(url, json={"name": "X"})
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    for caller in (company, student):
        response = await client.patch(url, json={"name": "X"}, headers=bearer(caller))
        assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    # A company cannot edit an ownerless community through the owner route either.
    response = await client.patch(f"/communities/{community['id']}", json={"name": "X"}, headers=bearer(company))
    assert (response.status_code, response.json()) == (403, {"detail": "Not allowed"})
    for target in (UNKNOWN_ID, MALFORMED_ID):
        response = await client.patch(f"/admin/communities/{target}", json={"name": "X"}, headers=bearer(admin))
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    for bad in ({"name": None}, {"name": ""}, {"is_archived": None}, {"tags": 5}):
        response = await client.patch(url, json=bad, headers=bearer(admin))
        assert response.status_code == 422, bad
    response = await client.patch(url, json={"logo_media_id": MALFORMED_ID}, headers=bearer(admin))
    assert (response.status_code, response.json()) == (400, {"detail": "Media not found"})
    assert (await client.get(f"/communities/{community['id']}")).json()["name"] == "Alpha"
