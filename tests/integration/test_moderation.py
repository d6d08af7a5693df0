"""The moderation queue: `GET /admin/reports`, `POST /admin/reports/{id}/resolve`, `POST /admin/content/{id}/unhide`,
and hidden content, which no list, feed, search, calendar or read by id shows to anyone but its company and admins."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import httpx
from litestar import Litestar
from sqlalchemy import select, update

from tests.conftest import CallerClock, StatementCounter
from tests.helpers import Api, bearer, claims
from tests.integration.test_events import _add, _rows, company_with_community, create_event, make_post
from tests.integration.test_reports import report
from tests.integration.test_stories import create_story
from workcommunities.db.models import Community, Content, Membership, Report

CASE_KEYS = {
    "id",
    "target_type",
    "target_id",
    "target",
    "status",
    "reporters",
    "reasons",
    "comments",
    "first_reported_at",
    "last_reported_at",
    "action",
    "note",
    "resolved_by",
    "resolved_at",
}
TARGET_KEYS = {"title", "community_id", "company_id", "state"}


async def queue(client: httpx.AsyncClient, admin: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/admin/reports", params=params, headers=bearer(admin))
    assert response.status_code == 200, response.text
    cases: list[dict[str, Any]] = response.json()
    return cases


async def resolve(client: httpx.AsyncClient, admin: str, case_id: str, action: str, **body: Any) -> httpx.Response:
    return await client.post(
        f"/admin/reports/{case_id}/resolve", json={"action": action, **body}, headers=bearer(admin)
    )


async def case_of(client: httpx.AsyncClient, admin: str, target_id: str) -> dict[str, Any]:
    [case] = [case for case in await queue(client, admin) if case["target_id"] == target_id]
    return case


async def reported(client: httpx.AsyncClient, api: Api, admin: str, kind: str, target_id: str) -> str:
    """A new student's report of the target; the id of the target's open case."""
    assert (await report(client, await api.student(), kind, target_id)).status_code == 200
    return (await case_of(client, admin, target_id))["id"]


async def test_the_queue_groups_reports_by_target(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company, community_id = await company_with_community(api, app, name="Rust club")
    post_id = await make_post(app, community_id)
    first, second, third = await api.student(), await api.student(), await api.student()
    assert (await report(client, first, "post", post_id, comment="old")).status_code == 200
    assert (await report(client, second, "post", post_id, reason="abuse", comment="new")).status_code == 200
    assert (await report(client, third, "post", post_id)).status_code == 200
    assert (await report(client, first, "community", community_id, reason="misleading")).status_code == 200
    admin = await api.admin()
    cases = await queue(client, admin)
    assert [(case["target_type"], case["reporters"]) for case in cases] == [("post", 3), ("community", 1)]
    post_case, community_case = cases
    assert set(post_case) == CASE_KEYS and set(post_case["target"]) == TARGET_KEYS
    company_id = claims(company)["company_id"]
    assert post_case["target"] == {
        "title": "A post",
        "community_id": community_id,
        "company_id": company_id,
        "state": "visible",
    }
    assert post_case["reasons"] == {"spam": 2, "abuse": 1}
    assert post_case["comments"] == ["new", "old"]
    assert (post_case["status"], post_case["action"], post_case["resolved_by"], post_case["resolved_at"]) == (
        "open",
        "",
        "",
        None,
    )
    assert community_case["target"] == {
        "title": "Rust club",
        "community_id": community_id,
        "company_id": company_id,
        "state": "visible",
    }
    # A report filed again stays one reporter.
    assert (await report(client, third, "post", post_id, reason="illegal")).status_code == 200
    again = await case_of(client, admin, post_id)
    assert (again["id"], again["reporters"], again["reasons"]) == (
        post_case["id"],
        3,
        {"spam": 1, "abuse": 1, "illegal": 1},
    )
    assert await queue(client, admin, status="resolved") == []
    # Paged: the second case alone.
    assert [case["id"] for case in await queue(client, admin, offset=1, limit=1)] == [community_case["id"]]
    # Admins only.
    for token in (first, company):
        response = await client.get("/admin/reports", headers=bearer(token))
        assert response.status_code == 403 and "detail" in response.json()
    assert (await client.get("/admin/reports")).status_code == 401
    assert (await client.get("/admin/reports", params={"status": "closed"}, headers=bearer(admin))).status_code == 422


async def test_reports_sent_at_once_make_one_case(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    _, community_id = await company_with_community(api, app)
    post_id = await make_post(app, community_id)
    students = [await api.student() for _ in range(12)]
    answers = await asyncio.gather(*(report(client, student, "post", post_id) for student in students))
    assert {answer.status_code for answer in answers} == {200}
    [case] = await queue(client, await api.admin())
    assert case["reporters"] == 12


async def test_hiding_a_post_takes_it_out_of_everything_but_for_its_company_and_admins(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    company, community_id = await company_with_community(api, app)
    keep = await make_post(app, community_id)
    post_id = await make_post(app, community_id)
    async with app.state.db_config.get_session() as session:
        await session.execute(
            update(Content).where(Content.id.in_([UUID(keep), UUID(post_id)])).values(title="Кейсы недели")
        )
        await session.commit()
    member = await api.student()
    await _add(app, Membership(user_id=UUID(claims(member)["sub"]), community_id=UUID(community_id)))
    other_company = await api.company()
    admin = await api.admin()
    case_id = await reported(client, api, admin, "post", post_id)

    async def seen_by(token: str | None) -> dict[str, set[str]]:
        """Where the post shows to the reader."""
        headers = bearer(token) if token else {}
        lists = {
            "feed": "/content/posts",
            "community": f"/communities/{community_id}/posts",
            "search": "/search?q=кейс&types=posts",
        }
        if token == member:
            lists |= {
                "member": "/content/me/posts/featured",
                "user": f"/content/users/{claims(member)['sub']}/posts/featured",
            }
        found: dict[str, set[str]] = {}
        for name, url in lists.items():
            response = await client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.text)
            body = response.json()
            items = body["posts"] if name == "search" else body
            found[name] = {item["id"] for item in items}
        return found

    before = await seen_by(member)
    assert all({keep, post_id} <= ids for ids in before.values()) and len(before) == 5

    response = await resolve(client, admin, case_id, "hide", note="  spam links ")
    assert response.status_code == 200, response.text
    decided = response.json()
    assert (decided["status"], decided["action"], decided["note"]) == ("resolved", "hide", "spam links")
    assert decided["resolved_by"] == claims(admin)["sub"] and decided["resolved_at"] is not None
    assert decided["target"]["state"] == "hidden"

    for reader in (None, member, other_company):
        seen = await seen_by(reader)
        assert all(keep in ids and post_id not in ids for ids in seen.values()), (reader, seen)
        response = await client.get(f"/content/posts/{post_id}", headers=bearer(reader) if reader else {})
        assert response.status_code == 404 and response.json() == {"detail": "Not found"}
    # Its company and admins still read it, marked, in its community's list and by id (not in the public feeds).
    for reader in (company, admin):
        seen = await seen_by(reader)
        assert post_id in seen["community"] and post_id not in seen["feed"] | seen["search"]
        item = await client.get(f"/content/posts/{post_id}", headers=bearer(reader))
        assert item.status_code == 200 and item.json()["moderation_status"] == "hidden"
        listed = (await client.get(f"/communities/{community_id}/posts", headers=bearer(reader))).json()
        assert {post["id"]: post["moderation_status"] for post in listed} == {keep: "visible", post_id: "hidden"}

    # The company cannot unhide it: its PATCH has no such field, and the admin route is an admin's.
    patched = await client.patch(
        f"/content/posts/{post_id}", json={"body": "Fixed", "moderation_status": "visible"}, headers=bearer(company)
    )
    assert patched.status_code == 200 and patched.json()["moderation_status"] == "hidden"
    assert (await client.post(f"/admin/content/{post_id}/unhide", headers=bearer(company))).status_code == 403

    # Resolved once: the case is in the resolved queue, its reports closed, and it cannot be decided again.
    assert (await resolve(client, admin, case_id, "dismiss")).status_code == 409
    assert [case["id"] for case in await queue(client, admin, status="resolved")] == [case_id]
    assert await queue(client, admin) == []
    statuses = await _rows(app, select(Report.status).where(Report.target_id == UUID(post_id)))
    assert statuses == [("resolved",)]
    audit = (await client.get("/admin/audit", params={"target": post_id}, headers=bearer(admin))).json()
    assert [entry["action"] for entry in audit][:2] == ["post.update", "post.hide"]
    assert audit[1]["changes"] == {"moderation_status": ["visible", "hidden"]}
    decision = (await client.get("/admin/audit", params={"target": case_id}, headers=bearer(admin))).json()
    assert [entry["action"] for entry in decision] == ["report.resolve"]
    assert decision[0]["changes"]["action"] == [None, "hide"] and decision[0]["actor_id"] == claims(admin)["sub"]

    # Unhidden by an admin, it is back everywhere.
    response = await client.post(f"/admin/content/{post_id}/unhide", headers=bearer(admin))
    assert response.status_code == 200
    assert response.json() == {"id": post_id, "type": "post", "moderation_status": "visible"}
    assert all(post_id in ids for ids in (await seen_by(member)).values())
    assert (await client.post(f"/admin/content/{'0' * 32}/unhide", headers=bearer(admin))).status_code == 404

    # Reported again, it opens a new case.
    new_case = await reported(client, api, admin, "post", post_id)
    assert new_case != case_id and (await case_of(client, admin, post_id))["reporters"] == 1


async def test_a_hidden_event_cannot_be_joined_or_found(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id, title="Хакатон")
    student = await api.student()
    going = await client.post(f"/events/{event['id']}/join", headers=bearer(student))
    assert going.status_code == 200
    token_url = (await client.post("/profiles/me/calendar-token", headers=bearer(student))).json()["url"]
    feed = httpx.URL(token_url).path
    assert event["id"] in (await client.get(feed)).text.replace("-", "")
    admin = await api.admin()
    assert (
        await resolve(client, admin, await reported(client, api, admin, "event", event["id"]), "hide")
    ).status_code == 200

    newcomer = await api.student()
    assert (await client.post(f"/events/{event['id']}/join", headers=bearer(newcomer))).status_code == 404
    for reader in (None, newcomer):
        headers = bearer(reader) if reader else {}
        assert event["id"] not in {e["id"] for e in (await client.get("/events/upcoming", headers=headers)).json()}
        assert (await client.get(f"/events/{event['id']}", headers=headers)).status_code == 404
        found = (await client.get("/search", params={"q": "хакатон", "types": "events"}, headers=headers)).json()
        assert found["events"] == []
    assert (await client.get(f"/events/{event['id']}/calendar.ics")).status_code == 404
    assert event["id"] not in (await client.get(feed)).text.replace("-", "")
    # Its participant may still leave; its organiser still reads it.
    assert (await client.delete(f"/events/{event['id']}/join", headers=bearer(student))).status_code == 200
    organiser = await client.get(f"/events/{event['id']}", headers=bearer(company))
    assert organiser.status_code == 200 and organiser.json()["moderation_status"] == "hidden"


async def test_a_hidden_story_reaches_only_its_company(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: Any
) -> None:
    company = await api.company()
    company_id = claims(company)["company_id"]
    story = await create_story(client, company, await create_media())
    follower = await api.student()
    assert (await client.post(f"/companies/{company_id}/follow", headers=bearer(follower))).status_code == 200
    followed = "/content/me/stories/from-followed-companies"
    assert [s["id"] for s in (await client.get(followed, headers=bearer(follower))).json()] == [story["id"]]
    admin = await api.admin()
    assert (
        await resolve(client, admin, await reported(client, api, admin, "story", story["id"]), "hide")
    ).status_code == 200
    assert (await client.get(followed, headers=bearer(follower))).json() == []
    for outsider in (follower, await api.company()):
        assert (await client.get(f"/content/stories/{story['id']}", headers=bearer(outsider))).status_code == 404
    assert (await report(client, follower, "story", story["id"])).status_code == 404  # not there for anyone
    for reader in (company, admin):
        own = await client.get(f"/content/stories/{story['id']}", headers=bearer(reader))
        assert own.status_code == 200 and own.json()["moderation_status"] == "hidden"
    unhidden = await client.post(f"/admin/content/{story['id']}/unhide", headers=bearer(admin))
    assert unhidden.json() == {"id": story["id"], "type": "story", "moderation_status": "visible"}
    assert [s["id"] for s in (await client.get(followed, headers=bearer(follower))).json()] == [story["id"]]


async def test_archive_the_community_of_a_reported_post(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company, community_id = await company_with_community(api, app)
    post_id = await make_post(app, community_id)
    admin = await api.admin()
    case_id = await reported(client, api, admin, "post", post_id)
    response = await resolve(client, admin, case_id, "archive_community")
    assert response.status_code == 200 and response.json()["action"] == "archive_community"
    [(archived,)] = await _rows(app, select(Community.is_archived).where(Community.id == UUID(community_id)))
    assert archived is True
    assert post_id not in {item["id"] for item in (await client.get("/content/posts")).json()}
    audit = (await client.get("/admin/audit", params={"target": community_id}, headers=bearer(admin))).json()
    assert audit[0]["action"] == "community.archive"
    # Its company cannot bring it back; an admin can, and then it is the company's own again.
    url = f"/communities/{community_id}"
    refused = await client.patch(url, json={"is_archived": False}, headers=bearer(company))
    assert refused.status_code == 403 and refused.json() == {"detail": "Archived by a moderator"}
    renamed = await client.patch(url, json={"name": "Renamed"}, headers=bearer(company))
    assert renamed.status_code == 200 and renamed.json()["is_archived"] is True
    restored = await client.patch(
        f"/admin/communities/{community_id}", json={"is_archived": False}, headers=bearer(admin)
    )
    assert restored.status_code == 200 and restored.json()["is_archived"] is False
    for archived in (True, False):
        again = await client.patch(url, json={"is_archived": archived}, headers=bearer(company))
        assert again.status_code == 200 and again.json()["is_archived"] is archived
    # A reported community itself.
    _, other_id = await company_with_community(api, app)
    community_case = await reported(client, api, admin, "community", other_id)
    assert (await resolve(client, admin, community_case, "archive_community")).json()["target"]["state"] == "archived"


async def test_actions_must_fit_the_target(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company, community_id = await company_with_community(api, app)
    admin = await api.admin()
    company_case = await reported(client, api, admin, "company", claims(company)["company_id"])
    community_case = await reported(client, api, admin, "community", community_id)
    for case_id, action in ((company_case, "hide"), (company_case, "archive_community"), (community_case, "hide")):
        response = await resolve(client, admin, case_id, action)
        assert response.status_code == 400 and "detail" in response.json(), (action, response.text)
    assert (await resolve(client, admin, company_case, "ban")).status_code == 422
    assert (await resolve(client, admin, company_case, "dismiss", note="x" * 2001)).status_code == 422
    assert (await resolve(client, admin, "0" * 32, "dismiss")).status_code == 404
    student = await api.student()
    assert (await resolve(client, student, company_case, "dismiss")).status_code == 403
    # Nothing was decided by the refused ones.
    assert {case["id"] for case in await queue(client, admin)} == {company_case, community_case}
    dismissed = await resolve(client, admin, company_case, "dismiss")
    assert dismissed.status_code == 200 and dismissed.json()["target"]["state"] == "visible"


async def test_a_deleted_target_can_only_be_dismissed(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id)
    admin = await api.admin()
    case_id = await reported(client, api, admin, "event", event["id"])
    assert (await client.delete(f"/events/{event['id']}", headers=bearer(company))).status_code == 200
    assert (await case_of(client, admin, event["id"]))["target"] == {
        "title": "",
        "community_id": "",
        "company_id": "",
        "state": "gone",
    }
    for action in ("hide", "archive_community"):
        response = await resolve(client, admin, case_id, action)
        assert response.status_code == 409 and response.json() == {"detail": "The reported item no longer exists"}
    assert (await resolve(client, admin, case_id, "dismiss")).status_code == 200


async def test_the_queue_reads_in_constant_statements(
    client: httpx.AsyncClient, api: Api, app: Litestar, statements: StatementCounter, caller_clock: CallerClock
) -> None:
    admin = await api.admin()
    _, community_id = await company_with_community(api, app)
    counts = []
    for size in (1, 8):
        while len(await queue(client, admin)) < size:
            await reported(client, api, admin, "post", await make_post(app, community_id))
        caller_clock.expire()
        with statements:
            cases = await queue(client, admin)
        assert len(cases) == size and all(case["comments"] == [] for case in cases)
        counts.append(statements.count)
    # The caller, the cases with their targets, their reasons, their comments.
    assert counts == [4, 4]


async def test_a_case_is_resolved_once_when_admins_decide_at_once(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    _, community_id = await company_with_community(api, app)
    post_id = await make_post(app, community_id)
    admin = await api.admin()
    case_id = await reported(client, api, admin, "post", post_id)
    answers = await asyncio.gather(*(resolve(client, admin, case_id, action) for action in ("hide", "dismiss") * 3))
    assert sorted(answer.status_code for answer in answers) == [200] + [409] * 5
    [decided] = [answer.json() for answer in answers if answer.status_code == 200]
    decision = (await client.get("/admin/audit", params={"target": case_id}, headers=bearer(admin))).json()
    assert [entry["changes"]["action"][1] for entry in decision] == [decided["action"]]
    [(status,)] = await _rows(app, select(Content.moderation_status).where(Content.id == UUID(post_id)))
    assert status == ("hidden" if decided["action"] == "hide" else "visible")


async def test_a_resolved_case_keeps_what_it_was_decided_on(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    _, community_id = await company_with_community(api, app)
    post_id = await make_post(app, community_id)
    admin = await api.admin()
    first, second = await api.student(), await api.student()
    assert (await report(client, first, "post", post_id, comment="first")).status_code == 200
    assert (await report(client, second, "post", post_id, reason="abuse")).status_code == 200
    case_id = (await case_of(client, admin, post_id))["id"]
    decided = (await resolve(client, admin, case_id, "dismiss")).json()
    # The same reporter reports it again: a new case, and the resolved one unchanged.
    assert (await report(client, first, "post", post_id, reason="illegal", comment="again")).status_code == 200
    [resolved] = await queue(client, admin, status="resolved")
    assert resolved == decided
    assert (resolved["reporters"], resolved["reasons"], resolved["comments"]) == (2, {"spam": 1, "abuse": 1}, ["first"])
    new = await case_of(client, admin, post_id)
    assert (new["id"] != case_id, new["reporters"], new["reasons"], new["comments"]) == (
        True,
        1,
        {"illegal": 1},
        ["again"],
    )
