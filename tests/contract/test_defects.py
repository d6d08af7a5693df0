"""The old service's defects (contract §5), one class per test: this suite fails against the old service.

- ownership (D-01a): a company cannot change, or publish into, another company's community, post or event;
- privacy (D-05): a phone is shown only to its owner and to admins, an e-mail never; the user list is admin only;
- the non-null rule (§1.10, D-29, D-31): sparse data still answers every key, typed, never null;
- idempotency (D-10, D-12): following, joining and leaving twice is one row, and 200 both times;
- the pagination cap (§1.8, D-25): every list answers at most 100 rows, and refuses limit=0 and offset=-1.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from litestar import Litestar
from sqlalchemy import func, select

from tests.contract import wire
from tests.contract.world import build_world, ok, soon
from tests.helpers import Api, bearer, claims, new_phone, upload
from workcommunities.db.models import (
    Community,
    Company,
    CompanyFollow,
    Content,
    EventParticipant,
    Membership,
    Story,
    User,
)

NOT_ALLOWED = (403, {"detail": "Not allowed"})


async def test_ownership(api: Api, client: httpx.AsyncClient) -> None:
    world = await build_world(client)
    intruder = bearer(await api.company())
    community, post, event = world.community_id, world.post_id, world.event_id
    attempts = [
        await client.patch(f"/communities/{community}", json={"name": "Hijacked"}, headers=intruder),
        await client.patch(f"/communities/{community}", json={"is_archived": True}, headers=intruder),
        await client.patch(f"/content/posts/{post}", json={"title": "Hijacked"}, headers=intruder),
        await client.patch(f"/events/{event}", json={"title": "Hijacked"}, headers=intruder),
        await client.post(
            "/content/posts", json={"community_id": community, "title": "Spam", "body": "Spam"}, headers=intruder
        ),
        await client.post(
            "/events/", json={"community_id": community, "title": "Spam", "event_date": soon()}, headers=intruder
        ),
        await client.post(f"/communities/{community}/cases", json={"title": "Spam", "date": soon()}, headers=intruder),
        await client.delete(f"/communities/{community}/cases/{world.case_id}", headers=intruder),
        await client.post(
            "/content/stories",
            json={"company_id": world.company_id, "title": "Spam", "media_uid": world.media["story"]["id"]},
            headers=intruder,
        ),
    ]
    answers = [(f"{r.request.method} {r.request.url.path}", r.status_code, r.json()) for r in attempts]
    assert answers == [(where, *NOT_ALLOWED) for where, _, _ in answers]
    # The old service also let any company edit an event through the post PATCH (D-21): it takes posts only now.
    response = await client.patch(f"/content/posts/{event}", json={"title": "Hijacked"}, headers=intruder)
    assert (response.status_code, response.json()) == (404, {"detail": "Not found"})

    # Nothing changed.
    detail = ok(await client.get(f"/communities/{community}"))
    assert (detail["name"], detail["is_archived"], [case["id"] for case in detail["cases"]]) == (
        "Robotics",
        False,
        [world.case_id],
    )
    assert ok(await client.get(f"/content/posts/{post}"))["title"] == "Hello"
    assert ok(await client.get(f"/content/posts/{event}"))["title"] == "Hackathon"
    assert sorted(item["title"] for item in ok(await client.get("/content/posts"))) == ["Hackathon", "Hello"]
    stories = ok(await client.get("/content/me/stories/from-followed-companies", headers=world.headers("student")))
    assert [story["title"] for story in stories] == ["Behind the scenes"]


async def test_privacy(api: Api, client: httpx.AsyncClient) -> None:
    world = await build_world(client)
    owner_email = "owner@firm.example"
    signup = {"email": owner_email, "password": "long-enough", "name": "Firm"}
    firm = ok(await client.post("/auth/company/signup", json=signup))["access_token"]
    ok(await client.post(f"/communities/{world.community_id}/follow", headers=bearer(firm)))
    firm_user, firm_company = claims(firm)["sub"], claims(firm)["company_id"]
    student, phone = world.user_ids["student"], world.phones["student"]
    viewers = {
        "anonymous": {},
        "a bad token": {"Authorization": "Bearer garbage"},
        "another student": bearer(await api.student()),
        "a company": world.headers("company"),
        "the student": world.headers("student"),
        "an admin": world.headers("admin"),
    }
    phones = {student: phone, world.user_ids["company"]: world.phones["company"]}
    identity = {"a company": world.user_ids["company"], "the student": student}
    for viewer, headers in viewers.items():

        def shown(user_id: str, viewer: str = viewer) -> str:
            sees = viewer == "an admin" or identity.get(viewer) == user_id
            return phones.get(user_id, "") if sees else ""

        user = ok(await client.get(f"/users/{student}", headers=headers))
        assert user["phone"] == shown(student), viewer
        members = ok(await client.get(f"/communities/{world.community_id}", headers=headers))["members"]
        assert len(members) == 4
        assert {m["id"]: m["phone"] for m in members} == {m["id"]: shown(m["id"]) for m in members}, viewer

        # E-mail: never, to anyone (the admin's list of users aside).
        for url in (
            f"/users/{firm_user}",
            f"/users/{world.user_ids['admin']}",
            f"/communities/{world.community_id}",
            "/companies/",
            f"/companies/{firm_company}",
            f"/communities/by-company/{firm_company}",
        ):
            response = await client.get(url, headers=headers)
            assert response.status_code == 200, url
            assert owner_email not in response.text and "admin@example.com" not in response.text, (viewer, url)
            if url.startswith("/users/"):
                assert "email" not in response.json(), (viewer, url)
        # A company's answers never carry its owner's phone.
        for url in ("/companies/", f"/companies/{world.company_id}"):
            assert world.phones["company"] not in (await client.get(url, headers=headers)).text, (viewer, url)
    mine = ok(await client.get("/companies/me", headers=bearer(firm)))
    assert owner_email not in str(mine)

    # The list of every user (phones and e-mails) is for admins only.
    response = await client.get("/users/")
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    for role in ("student", "company"):
        response = await client.get("/users/", headers=world.headers(role))
        assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"}), role
    listed = {user["id"]: user for user in ok(await client.get("/users/", headers=world.headers("admin")))}
    assert (listed[student]["phone"], listed[firm_user]["email"]) == (phone, owner_email)


async def test_non_null_rule(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    """Sparse data, made through the API with only the required fields and imported straight into the tables with
    NULL columns: every key is there, typed, and null only where §1.10 keeps it."""
    company_token = await api.company()
    company = bearer(company_token)
    admin = bearer(await api.admin())
    student = await api.student()
    student_id = claims(student)["sub"]

    # An upload whose file name has no extension: the old service answered `ext: null` (D-31).
    media = ok(await upload(client, student, b"\x89PNG\r\n\x1a\n" + bytes(64), filename="photo"), wire.MEDIA)
    assert media["ext"] == "png"

    community = ok(await client.post("/communities/", json={"name": "Bare"}, headers=company), wire.COMMUNITY)
    loose = ok(await client.post("/admin/communities", json={"name": "Loose"}, headers=admin), wire.COMMUNITY)
    assert loose["company_id"] == ""  # an admin's community without a company
    ok(await client.post("/admin/companies", json={"name": "Plain"}, headers=admin), wire.COMPANY)
    ok(
        await client.post(
            f"/communities/{community['id']}/cases", json={"title": "Case", "date": soon()}, headers=company
        ),
        wire.CASE,
    )
    body = {"community_id": community["id"], "title": "Post", "body": "x"}
    post = ok(await client.post("/content/posts", json=body, headers=company), wire.POST)
    ok(await client.patch(f"/content/posts/{post['id']}", json={"body": None}, headers=company), wire.POST)
    body = {"community_id": community["id"], "title": "Event", "event_date": soon()}
    ok(await client.post("/events/", json=body, headers=company), wire.EVENT)
    ok(await client.post(f"/communities/{community['id']}/follow", headers=bearer(student)))

    # Rows as an import from the old service leaves them: every optional column NULL.
    async with app.state.db_config.get_session() as session:
        session.add_all(
            [
                Content(
                    community_id=UUID(community["id"]),
                    type="post",
                    title="Imported post",
                    body=None,
                    cost=None,
                    participant_payout=None,
                ),
                Content(
                    community_id=UUID(community["id"]),
                    type="event",
                    title="Imported event",
                    event_date=datetime.now(UTC) + timedelta(days=3),
                ),
            ]
        )
        await session.commit()

    reads: list[tuple[str, dict[str, str], wire.Spec]] = [
        ("/communities/", {}, wire.ListOf(wire.COMMUNITY)),
        (f"/communities/{community['id']}", {}, wire.COMMUNITY_DETAIL),
        (f"/communities/{loose['id']}", {}, wire.COMMUNITY_DETAIL),
        (f"/communities/{community['id']}/posts", {}, wire.ListOf(wire.POST)),
        ("/content/posts", {}, wire.ListOf(wire.CONTENT_ITEM)),
        ("/events/upcoming", {}, wire.ListOf(wire.EVENT)),
        ("/companies/", {}, wire.ListOf(wire.COMPANY)),
        (f"/companies/{claims(company_token)['company_id']}", {}, wire.COMPANY_DETAIL),
        (f"/users/{student_id}", {}, wire.USER_DETAIL),
        ("/profiles/me", bearer(student), wire.PROFILE),
        ("/users/", admin, wire.ListOf(wire.USER)),
        ("/reference/skills", {}, wire.ListOf(wire.SKILL)),  # with sphere_id (D-29)
    ]
    problems: list[str] = []
    for url, headers, spec in reads:
        problems += wire.validate(ok(await client.get(url, headers=headers)), spec, where=f"GET {url}")
    assert problems == []
    feed = ok(await client.get("/content/posts"))
    assert sorted(item["title"] for item in feed) == ["Event", "Imported event", "Imported post", "Post"]
    assert {item["body"] for item in feed} == {""}
    assert {(item["cost"], item["participant_payout"]) for item in feed} == {(0, 0)}

    # /users/{id} skills carry sphere_id (C-3): the old service left it out.
    skills = [skill["id"] for skill in ok(await client.get("/reference/skills"))[:2]]
    ok(await client.patch("/profiles/me", json={"skill_uids": skills}, headers=bearer(student)))
    user = ok(await client.get(f"/users/{student_id}"), wire.USER_DETAIL)
    assert [skill["id"] for skill in user["skills"]] == skills
    assert wire.validate(user, wire.USER_DETAIL, full=False) == []


async def _count(app: Litestar, model: Any, **where: str) -> int:
    async with app.state.db_config.get_session() as session:
        conditions = [getattr(model, key) == UUID(value) for key, value in where.items()]
        return int(await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


async def test_idempotency(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    world = await build_world(client)
    student = await api.student()
    headers, user = bearer(student), claims(student)["sub"]
    twice = [
        ("POST", f"/communities/{world.community_id}/follow"),
        ("POST", f"/companies/{world.company_id}/follow"),
        ("POST", f"/events/{world.event_id}/join"),
    ]
    for method, url in twice:
        for attempt in (1, 2):
            response = await client.request(method, url, headers=headers)
            # Joining adds the caller's participation (issue 11), additively.
            answer = {"status": "ok", **({"participation": "going"} if url.endswith("/join") else {})}
            assert (response.status_code, response.json()) == (200, answer), (method, url, attempt)

    assert await _count(app, Membership, user_id=user, community_id=world.community_id) == 1
    assert await _count(app, CompanyFollow, user_id=user, company_id=world.company_id) == 1
    assert await _count(app, EventParticipant, user_id=user, content_id=world.event_id) == 1
    detail = ok(await client.get(f"/communities/{world.community_id}"))
    assert [member["id"] for member in detail["members"]].count(user) == 1
    assert detail["members_count"] == len(detail["members"]) == 4
    # Each list shows the row once: no duplicated feed entries.
    for url, key, expected in (
        ("/content/me/posts/featured", "id", [world.post_id]),
        ("/content/me/posts/from-followed-communities", "id", [world.post_id]),
        (f"/content/users/{user}/posts/featured", "id", [world.post_id]),
        ("/content/me/stories/from-followed-companies", "id", [world.story_id]),
        ("/companies/me/followed", "id", [world.company_id]),
        ("/events/my/upcoming", "id", [world.event_id]),
        ("/communities/mine", "id", [world.community_id]),
    ):
        assert [item[key] for item in ok(await client.get(url, headers=headers))] == expected, url

    # Leaving twice: 200 both times, and the rows are gone.
    for _, url in twice:
        for attempt in (1, 2):
            response = await client.request("DELETE", url, headers=headers)
            assert (response.status_code, response.json()) == (200, {"status": "ok"}), (url, attempt)
    assert await _count(app, Membership, user_id=user, community_id=world.community_id) == 0
    assert await _count(app, CompanyFollow, user_id=user, company_id=world.company_id) == 0
    assert await _count(app, EventParticipant, user_id=user, content_id=world.event_id) == 0


BULK = 105  # more than the cap of 100


async def _bulk_rows(app: Litestar, company_id: str, student_id: str) -> tuple[str, str]:
    """BULK rows behind every list, inserted directly: communities of the company (the student is a member of all),
    posts and upcoming events in the first (the student joined every event), other companies (the student follows
    them all), stories of the company (which the student follows), and users."""
    company, student = UUID(company_id), UUID(student_id)
    future = datetime.now(UTC) + timedelta(days=1)
    async with app.state.db_config.get_session() as session:
        communities = [Community(name=f"Bulk {i:03d}", company_id=company, tags=["bulk"]) for i in range(BULK)]
        companies = [Company(name=f"Other {i:03d}") for i in range(BULK)]
        session.add_all([*communities, *companies])
        session.add_all([User(role="student", phone=new_phone()) for _ in range(BULK)])
        await session.flush()
        first = communities[0].id
        posts = [Content(community_id=first, type="post", title=f"Post {i}") for i in range(BULK)]
        events = [
            Content(community_id=first, type="event", title=f"Event {i}", event_date=future + timedelta(minutes=i))
            for i in range(BULK)
        ]
        stories = [Story(company_id=company, title=f"Story {i}", expires_at=future) for i in range(BULK)]
        session.add_all([*posts, *events, *stories])
        await session.flush()
        session.add_all([Membership(user_id=student, community_id=c.id) for c in communities])
        session.add_all([EventParticipant(user_id=student, content_id=e.id) for e in events])
        session.add_all([CompanyFollow(user_id=student, company_id=c.id) for c in companies])
        session.add(CompanyFollow(user_id=student, company_id=company))
        await session.commit()
        return first.hex, company_id


async def test_pagination_cap(api: Api, client: httpx.AsyncClient, app: Litestar) -> None:
    company_token, student_token, admin_token = await api.company(), await api.student(), await api.admin()
    company_id, student_id = claims(company_token)["company_id"], claims(student_token)["sub"]
    first, _ = await _bulk_rows(app, company_id, student_id)
    student, admin, company = bearer(student_token), bearer(admin_token), bearer(company_token)
    # (url, caller, rows behind it, default page): every list endpoint of the old service except /reference/*. The
    # default is 20 where the old service had a `limit`, and 100 where it answered everything (§1.8).
    lists: list[tuple[str, dict[str, str], int, int]] = [
        ("/content/posts", {}, 2 * BULK, 20),
        (f"/content/users/{student_id}/posts/featured", {}, BULK, 20),
        ("/content/me/posts/featured", student, BULK, 20),
        ("/content/me/posts/from-followed-communities", student, BULK, 20),
        ("/content/me/stories/from-followed-companies", student, BULK, 20),
        ("/events/upcoming", {}, BULK, 20),
        ("/events/my/upcoming", student, BULK, 20),
        ("/companies/", {}, BULK + 1, 100),
        ("/companies/me/followed", student, BULK + 1, 100),
        ("/communities/mine", student, BULK, 100),
        ("/communities/mine", company, BULK, 100),
        ("/communities/joinable", admin, BULK, 20),
        ("/communities/", {}, BULK, 100),
        (f"/communities/by-company/{company_id}", {}, BULK, 100),
        (f"/communities/{first}/posts", {}, BULK, 20),
        ("/users/", admin, BULK + 3, 100),
    ]
    problems = []
    for url, headers, rows, default in lists:
        capped = await client.get(url, params={"limit": 1000}, headers=headers)
        rest = await client.get(url, params={"limit": 1000, "offset": 100}, headers=headers)
        plain = await client.get(url, headers=headers)
        if capped.status_code != 200 or len(capped.json()) != 100:
            problems.append(f"GET {url}?limit=1000: {capped.status_code}, {len(capped.json())} rows, not 100")
        elif rest.status_code != 200 or len(rest.json()) != min(rows - 100, 100):
            problems.append(f"GET {url}?limit=1000&offset=100: {rest.status_code}, not {min(rows - 100, 100)} rows")
        elif {item["id"] for item in capped.json()} & {item["id"] for item in rest.json()}:
            problems.append(f"GET {url}: the pages overlap")
        if plain.status_code != 200 or len(plain.json()) != default:
            problems.append(f"GET {url}: {plain.status_code}, {len(plain.json())} rows by default, not {default}")
        for query in ({"limit": 0}, {"offset": -1}):
            response = await client.get(url, params=query, headers=headers)
            if response.status_code != 422:
                problems.append(f"GET {url}?{query}: {response.status_code}, not 422")
    assert problems == []
