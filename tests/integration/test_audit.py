"""The audit log: what companies and admins change is recorded in the same transaction, readable by admins only,
filtered and paged, never changeable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.helpers import Api, bearer, claims, new_phone
from tests.integration.test_events import company_with_community, create_event, skill_ids

AUDIT_KEYS = {"id", "at", "actor_id", "actor_role", "action", "target_type", "target_id", "changes"}


async def audit(client: httpx.AsyncClient, admin: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/admin/audit", params=params, headers=bearer(admin))
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


async def test_changes_are_recorded_with_actor_and_fields(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    admin = await api.admin()
    company = await api.company()
    company_user = claims(company)["sub"]
    response = await client.post(
        "/communities/", json={"name": "Python", "description": "old"}, headers=bearer(company)
    )
    assert response.status_code == 200, response.text
    community_id = response.json()["id"]
    patched = await client.patch(f"/communities/{community_id}", json={"description": "new"}, headers=bearer(company))
    assert patched.status_code == 200, patched.text
    archived = await client.patch(
        f"/admin/communities/{community_id}", json={"is_archived": True}, headers=bearer(admin)
    )
    assert archived.status_code == 200, archived.text

    entries = await audit(client, admin, target=community_id)
    assert [set(entry) for entry in entries] == [AUDIT_KEYS] * 3
    assert [(e["action"], e["actor_role"], e["target_type"]) for e in entries] == [
        ("community.archive", "admin", "community"),  # newest first
        ("community.update", "company", "community"),
        ("community.create", "company", "community"),
    ]
    archive, update, create = entries
    assert archive["actor_id"] == claims(admin)["sub"] and update["actor_id"] == company_user
    assert archive["changes"] == {"is_archived": [False, True]}
    assert update["changes"] == {"description": ["old", "new"]}
    assert create["changes"]["name"] == [None, "Python"]
    assert create["changes"]["company_id"] == [None, claims(company)["company_id"]]


async def test_content_cases_and_phone_bindings_are_recorded(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    admin = await api.admin()
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id, capacity=5)
    await client.patch(f"/events/{event['id']}", json={"title": "Renamed", "capacity": None}, headers=bearer(company))
    assert (await client.delete(f"/events/{event['id']}", headers=bearer(company))).status_code == 200
    actions = [(e["action"], e["changes"].get("title")) for e in await audit(client, admin, target=event["id"])]
    assert actions == [
        ("event.delete", ["Renamed", None]),
        ("event.update", ["Meetup", "Renamed"]),
        ("event.create", [None, "Meetup"]),
    ]
    update = (await audit(client, admin, target=event["id"], action="event.update"))[0]
    assert update["changes"]["capacity"] == [5, None]

    case = await client.post(
        f"/communities/{community_id}/cases",
        json={"title": "A case", "date": "2030-01-01T00:00:00Z"},
        headers=bearer(company),
    )
    assert case.status_code == 200, case.text
    gone = await client.delete(f"/communities/{community_id}/cases/{case.json()['id']}", headers=bearer(company))
    assert gone.status_code == 200, gone.text
    assert [e["action"] for e in await audit(client, admin, target=case.json()["id"])] == ["case.delete", "case.create"]

    company_id = claims(company)["company_id"]
    phone = new_phone()
    bound = await client.patch(f"/admin/companies/{company_id}", json={"phone": phone}, headers=bearer(admin))
    assert bound.status_code == 200, bound.text
    binding = (await audit(client, admin, target=company_id, action="company.bind_phone"))[0]
    before, after = binding["changes"]["phone"]
    assert after != phone and after.startswith(phone[:2]) and after.endswith(phone[-3:]) and "*" in after
    assert "*" in before  # the phone its login had bound
    assert phone not in str(await audit(client, admin))  # no phone in clear anywhere in the log


async def test_a_rolled_back_change_leaves_no_entry(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """The post row is written (and its entry added) before a bad skill id fails the request: both roll back."""
    admin = await api.admin()
    company, community_id = await company_with_community(api, app)
    actor = claims(company)["sub"]
    body = {"community_id": community_id, "title": "Doomed", "body": "x", "skill_ids": ["f" * 32]}
    response = await client.post("/content/posts", json=body, headers=bearer(company))
    assert response.status_code == 400, response.text
    assert await audit(client, admin, actor=actor, action="post.create") == []
    body["skill_ids"] = (await skill_ids(client))[:1]
    assert (await client.post("/content/posts", json=body, headers=bearer(company))).status_code == 200
    assert len(await audit(client, admin, actor=actor, action="post.create")) == 1


async def test_filters_and_pages(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    admin = await api.admin()
    company = await api.company()
    actor = claims(company)["sub"]
    started = datetime.now(UTC) - timedelta(seconds=1)
    ids = []
    for n in range(5):
        response = await client.post("/communities/", json={"name": f"C{n}"}, headers=bearer(company))
        ids.append(response.json()["id"])
    mine = await audit(client, admin, actor=actor, action="community.create")
    assert [e["target_id"] for e in mine] == ids[::-1]
    assert await audit(client, admin, actor=actor, since=(datetime.now(UTC) + timedelta(hours=1)).isoformat()) == []
    created = {"actor": actor, "action": "community.create"}
    assert len(await audit(client, admin, **created, since=started.isoformat())) == 5
    assert await audit(client, admin, **created, until=started.isoformat()) == []
    # Its login made its company: the user's doing, not the system's.
    [login] = await audit(client, admin, actor=actor, action="company.create")
    assert (login["actor_role"], login["target_id"]) == ("company", claims(company)["company_id"])

    response = await client.get("/admin/audit", params={**created, "limit": 2}, headers=bearer(admin))
    pages = [response.json()]
    while cursor := response.headers.get("x-next-cursor"):
        response = await client.get(
            "/admin/audit", params={**created, "limit": 2, "cursor": cursor}, headers=bearer(admin)
        )
        pages.append(response.json())
    assert [e["target_id"] for page in pages for e in page] == ids[::-1]

    assert (await client.get("/admin/audit", headers=bearer(company))).status_code == 403
    assert (await client.get("/admin/audit")).status_code == 401
    for bad in ({"actor": "nope"}, {"since": "yesterday"}, {"until": "0.5"}, {"cursor": "x"}, {"action": "a" * 65}):
        answer = await client.get("/admin/audit", params=bad, headers=bearer(admin))
        assert 400 <= answer.status_code < 500 and "detail" in answer.json(), (bad, answer.text)


async def test_the_log_cannot_be_changed(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company = await api.company()
    await client.post("/communities/", json={"name": "Kept"}, headers=bearer(company))
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        async with app.state.db_config.get_session() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))
    assert all(method not in {"PATCH", "PUT", "DELETE", "POST"} for method in _audit_methods(app))


def _audit_methods(app: Litestar) -> set[str]:
    return {method for route in app.routes if route.path.startswith("/admin/audit") for method in route.methods}


async def test_link_lists_are_recorded(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """A post's skills and a company's tags are replaced by plain statements; their lists are recorded still."""
    admin = await api.admin()
    company, community_id = await company_with_community(api, app)
    skills = (await skill_ids(client))[:3]
    body = {"community_id": community_id, "title": "Linked", "body": "x", "skill_ids": skills[:2]}
    post = (await client.post("/content/posts", json=body, headers=bearer(company))).json()
    changed = await client.patch(
        f"/content/posts/{post['id']}", json={"skill_ids": [skills[2]]}, headers=bearer(company)
    )
    assert changed.status_code == 200, changed.text
    unchanged = await client.patch(
        f"/content/posts/{post['id']}", json={"skill_ids": [skills[2]]}, headers=bearer(company)
    )
    assert unchanged.status_code == 200
    lists = [e["changes"] for e in await audit(client, admin, target=post["id"], action="post.update")]
    assert lists == [{"skill_ids": [skills[:2], [skills[2]]]}, {"skill_ids": [[], skills[:2]]}]  # newest first
    company_id = claims(company)["company_id"]
    tagged = await client.patch("/companies/me", json={"tags": skills[:1]}, headers=bearer(company))
    assert tagged.status_code == 200, tagged.text
    [entry] = await audit(client, admin, target=company_id, action="company.update")
    assert entry["changes"] == {"skill_ids": [[], skills[:1]]}
    assert entry["actor_id"] == claims(company)["sub"]
