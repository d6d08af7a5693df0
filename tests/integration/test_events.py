"""`/events`: upcoming lists, publishing, editing and deleting events (owning company only), joining them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import Executable, select

from tests.conftest import CallerClock, StatementCounter
from tests.helpers import Api, bearer, claims
from tests.shapes import EVENT_KEYS, SKILL_KEYS, SPHERE_KEYS
from workcommunities.db.models import Community, Content, ContentSkill, EventParticipant

FUTURE = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
PAST = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
UNKNOWN_ID = "0" * 32


def z(value: datetime) -> str:
    """A datetime as the API writes it: UTC with a trailing Z."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


async def _rows(app: Litestar, query: Executable) -> list[Any]:
    async with app.state.db_config.get_session() as session:
        return list((await session.execute(query)).all())


async def _add(app: Litestar, *rows: Any) -> None:
    async with app.state.db_config.get_session() as session:
        session.add_all(rows)
        await session.commit()


async def make_community(
    app: Litestar, company_id: str | None, *, archived: bool = False, name: str = "Community"
) -> str:
    community = Community(company_id=UUID(company_id) if company_id else None, name=name, tags=[], is_archived=archived)
    await _add(app, community)
    return community.id.hex


async def make_post(app: Litestar, community_id: str) -> str:
    post = Content(community_id=UUID(community_id), type="post", title="A post", body="text", tags=[])
    await _add(app, post)
    return post.id.hex


async def company_with_community(api: Api, app: Litestar, **kwargs: Any) -> tuple[str, str]:
    """A company token and a community of that company."""
    token = await api.company()
    return token, await make_community(app, claims(token)["company_id"], **kwargs)


async def skill_ids(client: httpx.AsyncClient) -> list[str]:
    return [skill["id"] for skill in (await client.get("/reference/skills")).json()]


async def create_event(
    client: httpx.AsyncClient, token: str, community_id: str, *, path: str = "/events/", **fields: Any
) -> dict[str, Any]:
    body = {"community_id": community_id, "title": "Meetup", "event_date": FUTURE.isoformat(), **fields}
    body = {key: value.isoformat() if isinstance(value, datetime) else value for key, value in body.items()}
    response = await client.post(path, json=body, headers=bearer(token))
    assert response.status_code == 200, response.text
    event: dict[str, Any] = response.json()
    return event


def assert_event_shape(event: dict[str, Any]) -> None:
    """Every key present and nothing null (the non-null rule), skills in the one skill shape."""
    assert set(event) == EVENT_KEYS
    assert all(value is not None for value in event.values())
    assert event["event_date"].endswith("Z")
    for skill in event["skills"]:
        assert set(skill) == SKILL_KEYS
        assert set(skill["sphere"]) == SPHERE_KEYS
        assert skill["sphere_id"] == skill["sphere"]["id"]


# --- POST /events/ ---------------------------------------------------------------------------------------------------


async def test_create_event_with_every_field(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: Callable[..., Any]
) -> None:
    token, community_id = await company_with_community(api, app)
    skills = await skill_ids(client)
    media_id = await create_media()
    moscow = FUTURE.astimezone(UTC).replace(tzinfo=None).replace(hour=12).isoformat() + "+03:00"
    event = await create_event(
        client,
        token,
        community_id,
        title="  Hackathon  ",
        event_date=moscow,
        city="Moscow",
        location="Main hall",
        description="Two days of code",
        registration="https://example.com/register",
        format="offline",
        media_id=media_id,
        tags=[" ai ", "", "ai", "ml"],
        skill_ids=[skills[3], skills[0], skills[3]],
        cost=100,
        participant_payout=5000,
    )
    assert_event_shape(event)
    assert len(event["id"]) == 32 and int(event["id"], 16) >= 0
    assert event["community_id"] == community_id
    assert event["title"] == "Hackathon"
    # +03:00 is stored and returned as UTC.
    assert event["event_date"] == z(FUTURE.replace(hour=9))
    assert (event["city"], event["location"], event["format"]) == ("Moscow", "Main hall", "offline")
    assert event["description"] == "Two days of code"
    assert event["registration"] == "https://example.com/register"
    assert event["media_id"] == media_id
    assert event["tags"] == ["ai", "ml"]
    assert [skill["id"] for skill in event["skills"]] == [skills[3], skills[0]]  # duplicates dropped, order kept
    assert (event["cost"], event["participant_payout"], event["participants_count"]) == (100, 5000, 0)
    [(stored,)] = await _rows(app, select(Content).where(Content.id == UUID(event["id"])))
    assert stored.type == "event"
    assert stored.event_date == FUTURE.replace(hour=9)
    assert stored.media_id == UUID(media_id)
    assert await _rows(app, select(ContentSkill.skill_id).order_by(ContentSkill.position)) == [
        (UUID(skills[3]),),
        (UUID(skills[0]),),
    ]


async def test_create_minimal_event_obeys_the_non_null_rule(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token, community_id = await company_with_community(api, app)
    # Both spellings of the path; a naive date is read as UTC.
    for path in ("/events", "/events/"):
        event = await create_event(client, token, community_id, path=path, event_date="2031-05-06T07:08:09")
        assert_event_shape(event)
        assert event["event_date"] == "2031-05-06T07:08:09Z"
        for key in ("city", "location", "description", "registration", "format", "media_id"):
            assert event[key] == ""
        assert (event["tags"], event["skills"], event["cost"], event["participant_payout"]) == ([], [], 0, 0)
    # Explicit nulls are the same as absent fields; a past date is allowed.
    nulls: dict[str, Any] = dict.fromkeys(
        ["city", "location", "media_id", "tags", "skill_ids", "cost", "participant_payout"]
    )
    event = await create_event(client, token, community_id, event_date=PAST.isoformat(), **nulls)
    assert_event_shape(event)
    assert event["event_date"] == z(PAST)


async def test_create_requires_a_company(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    _, community_id = await company_with_community(api, app)
    body = {"community_id": community_id, "title": "T", "event_date": FUTURE.isoformat()}
    response = await client.post("/events/", json=body)
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    for token in (await api.student(), await api.admin()):
        response = await client.post("/events/", json=body, headers=bearer(token))
        assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    assert await _rows(app, select(Content.id)) == []


async def test_create_checks_the_community(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token, _ = await company_with_community(api, app)
    _, foreign = await company_with_community(api, app)
    ownerless = await make_community(app, None)
    archived = await make_community(app, claims(token)["company_id"], archived=True)
    cases = [
        (UNKNOWN_ID, 404, "Not found"),
        ("not-an-id", 404, "Not found"),
        (foreign, 403, "Not allowed"),
        (ownerless, 403, "Not allowed"),
        (archived, 409, "Community is archived"),
    ]
    for community_id, status, detail in cases:
        body = {"community_id": community_id, "title": "T", "event_date": FUTURE.isoformat()}
        response = await client.post("/events/", json=body, headers=bearer(token))
        assert (response.status_code, response.json()) == (status, {"detail": detail}), community_id
    assert await _rows(app, select(Content.id)) == []


async def test_create_validates_media_and_skills(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: Callable[..., Any]
) -> None:
    token, community_id = await company_with_community(api, app)
    skills = await skill_ids(client)
    base = {"community_id": community_id, "title": "T", "event_date": FUTURE.isoformat()}
    for media_id in (UNKNOWN_ID, "garbage"):
        response = await client.post("/events/", json={**base, "media_id": media_id}, headers=bearer(token))
        assert (response.status_code, response.json()) == (400, {"detail": "Media not found"})
    response = await client.post(
        "/events/", json={**base, "skill_ids": [skills[0], UNKNOWN_ID, "bad"]}, headers=bearer(token)
    )
    assert (response.status_code, response.json()) == (400, {"detail": f"Invalid skill_ids: {UNKNOWN_ID}, bad"})
    assert await _rows(app, select(Content.id)) == []
    # An empty media id means "no media".
    event = await create_event(client, token, community_id, media_id="")
    assert event["media_id"] == ""


@pytest.mark.parametrize(
    "change",
    [
        {"title": None},
        {"title": "   "},
        {"title": "x" * 301},
        {"event_date": None},
        {"event_date": "tomorrow"},
        {"event_date": "0001-01-01T01:00:00+03:00"},
        {"event_date": "0001-01-01T00:00:00Z"},  # the driver would store these two as -infinity and infinity
        {"event_date": "9999-12-31T23:59:59.999999Z"},
        {"event_date": 0},  # a number is not read as a Unix time
        {"event_date": 253402300800},
        {"community_id": None},
        {"city": "x" * 201},
        {"cost": 2**40},
        {"cost": "free"},
        {"tags": {"ai": 1}},
        {"skill_ids": [1]},
    ],
)
async def test_create_rejects_bad_bodies(client: httpx.AsyncClient, api: Api, app: Litestar, change: Any) -> None:
    token, community_id = await company_with_community(api, app)
    body = {"community_id": community_id, "title": "T", "event_date": FUTURE.isoformat(), **change}
    response = await client.post("/events/", json=body, headers=bearer(token))
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)


async def test_create_rejects_missing_fields_and_broken_json(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    token, community_id = await company_with_community(api, app)
    bodies: list[Any] = [
        {"community_id": community_id, "title": "T"},
        {"title": "T", "event_date": FUTURE.isoformat()},
        [],
    ]
    for body in bodies:
        response = await client.post("/events/", json=body, headers=bearer(token))
        assert response.status_code == 422
    response = await client.post(
        "/events/", content=b"{nope", headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert response.status_code == 422


# --- GET /events/upcoming --------------------------------------------------------------------------------------------


async def test_upcoming_lists_future_events_of_live_communities(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    token, community_id = await company_with_community(api, app)
    skills = await skill_ids(client)
    later = await create_event(client, token, community_id, title="later", event_date=(FUTURE + timedelta(days=1)))
    soon = await create_event(client, token, community_id, title="soon", skill_ids=skills[:2], tags=["x"])
    await create_event(client, token, community_id, title="past", event_date=PAST.isoformat())
    await make_post(app, community_id)
    # Events of a community archived after they were published are hidden.
    archived_token, archived_id = await company_with_community(api, app)
    await create_event(client, archived_token, archived_id, title="archived")
    async with app.state.db_config.get_session() as session:
        (await session.get_one(Community, UUID(archived_id))).is_archived = True
        await session.commit()

    # Public: a garbage token is ignored; both spellings.
    for path, headers in (("/events/upcoming", {"Authorization": "Bearer null"}), ("/events/upcoming/", {})):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200
        events = response.json()
        assert [event["title"] for event in events] == ["soon", "later"]
        for event in events:
            assert_event_shape(event)
        assert events[0] == soon
        assert events[1] == later
    assert [skill["id"] for skill in events[0]["skills"]] == skills[:2]


async def test_upcoming_order_ties_by_id_and_pages(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token, community_id = await company_with_community(api, app)
    created = [await create_event(client, token, community_id, title=f"e{n}") for n in range(5)]
    first = await create_event(client, token, community_id, title="first", event_date=FUTURE - timedelta(hours=1))
    expected = [first["id"], *sorted(event["id"] for event in created)]
    assert [event["id"] for event in (await client.get("/events/upcoming")).json()] == expected
    # offset is honoured (C-4), limit bounds the page.
    page = (await client.get("/events/upcoming", params={"offset": 2, "limit": 3})).json()
    assert [event["id"] for event in page] == expected[2:5]
    assert (await client.get("/events/upcoming", params={"offset": 6})).json() == []
    assert len((await client.get("/events/upcoming", params={"limit": 1000})).json()) == 6
    for params in ({"offset": -1}, {"limit": 0}, {"limit": "many"}):
        assert (await client.get("/events/upcoming", params=params)).status_code == 422
    assert (await client.get("/events/upcoming", params={"offest": 5})).status_code == 200  # unknown: ignored


# --- join / leave / my upcoming --------------------------------------------------------------------------------------


async def test_join_is_idempotent_and_drives_my_upcoming(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token, community_id = await company_with_community(api, app)
    event = await create_event(client, token, community_id)
    other = await create_event(client, token, community_id, title="other")
    student, bystander = await api.student(), await api.student()
    assert (await client.get("/events/my/upcoming", headers=bearer(student))).json() == []

    for _ in range(2):
        response = await client.post(f"/events/{event['id']}/join", headers=bearer(student))
        assert (response.status_code, response.json()) == (200, {"status": "ok", "participation": "going"})
    assert len(await _rows(app, select(EventParticipant.user_id))) == 1

    mine = (await client.get("/events/my/upcoming/", headers=bearer(student))).json()
    assert [e["id"] for e in mine] == [event["id"]]
    assert_event_shape(mine[0])
    assert mine[0]["participants_count"] == 1
    assert mine[0]["my_participation"] == "going"
    assert (await client.get("/events/my/upcoming", headers=bearer(bystander))).json() == []
    counts = {e["id"]: e["participants_count"] for e in (await client.get("/events/upcoming")).json()}
    assert counts == {event["id"]: 1, other["id"]: 0}

    for _ in range(2):
        response = await client.delete(f"/events/{event['id']}/join", headers=bearer(student))
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert await _rows(app, select(EventParticipant.user_id)) == []
    assert (await client.get("/events/my/upcoming", headers=bearer(student))).json() == []


async def test_concurrent_joins_make_one_participation(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token, community_id = await company_with_community(api, app)
    event = await create_event(client, token, community_id)
    student = await api.student()
    responses = await asyncio.gather(
        *(client.post(f"/events/{event['id']}/join", headers=bearer(student)) for _ in range(8))
    )
    assert [r.status_code for r in responses] == [200] * 8
    assert len(await _rows(app, select(EventParticipant.user_id))) == 1


async def test_join_a_past_event_is_allowed_but_not_upcoming(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    token, community_id = await company_with_community(api, app)
    past = await create_event(client, token, community_id, event_date=PAST.isoformat())
    student = await api.student()
    assert (await client.post(f"/events/{past['id']}/join", headers=bearer(student))).status_code == 200
    assert len(await _rows(app, select(EventParticipant.user_id))) == 1
    assert (await client.get("/events/my/upcoming", headers=bearer(student))).json() == []


async def test_my_upcoming_hides_archived_communities(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token, community_id = await company_with_community(api, app)
    event = await create_event(client, token, community_id)
    student = await api.student()
    await client.post(f"/events/{event['id']}/join", headers=bearer(student))
    async with app.state.db_config.get_session() as session:
        (await session.get_one(Community, UUID(community_id))).is_archived = True
        await session.commit()
    assert (await client.get("/events/my/upcoming", headers=bearer(student))).json() == []
    async with app.state.db_config.get_session() as session:
        (await session.get_one(Community, UUID(community_id))).is_archived = False
        await session.commit()
    mine = (await client.get("/events/my/upcoming", headers=bearer(student))).json()
    assert [e["id"] for e in mine] == [event["id"]]


async def test_join_needs_a_user_and_an_existing_event(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token, community_id = await company_with_community(api, app)
    event = await create_event(client, token, community_id)
    post_id = await make_post(app, community_id)
    student = await api.student()
    for method in ("POST", "DELETE"):
        response = await client.request(method, f"/events/{event['id']}/join")
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
        for event_id in (UNKNOWN_ID, "nope", post_id):
            response = await client.request(method, f"/events/{event_id}/join", headers=bearer(student))
            assert (response.status_code, response.json()) == (404, {"detail": "Not found"}), (method, event_id)
    response = await client.get("/events/my/upcoming")
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    # Any role may join.
    for caller in (token, await api.admin()):
        assert (await client.post(f"/events/{event['id']}/join", headers=bearer(caller))).status_code == 200
    assert await _rows(app, select(EventParticipant.user_id)) != []


# --- PATCH /events/{id} ----------------------------------------------------------------------------------------------


async def test_patch_applies_only_present_fields(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: Callable[..., Any]
) -> None:
    token, community_id = await company_with_community(api, app)
    skills = await skill_ids(client)
    media_id = await create_media()
    event = await create_event(
        client,
        token,
        community_id,
        city="Kazan",
        location="Hall",
        media_id=media_id,
        tags=["a", "b"],
        skill_ids=skills[:2],
        cost=10,
        participant_payout=20,
    )
    url = f"/events/{event['id']}"

    response = await client.patch(url, json={}, headers=bearer(token))
    assert (response.status_code, response.json()) == (200, event)

    new_date = "2032-01-02T03:04:05-02:00"
    response = await client.patch(
        url,
        json={
            "title": " Renamed ",
            "event_date": new_date,
            "city": None,
            "description": "Now with a description",
            "media_id": None,
            "tags": ["c"],
            "skill_ids": [skills[4], skills[4], skills[1]],
            "cost": None,
        },
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert_event_shape(changed)
    assert changed["title"] == "Renamed"
    assert changed["event_date"] == "2032-01-02T05:04:05Z"
    assert (changed["city"], changed["location"], changed["description"]) == ("", "Hall", "Now with a description")
    assert (changed["media_id"], changed["tags"]) == ("", ["c"])
    assert [skill["id"] for skill in changed["skills"]] == [skills[4], skills[1]]
    assert (changed["cost"], changed["participant_payout"]) == (0, 20)
    # The lists read the same event.
    assert (await client.get("/events/upcoming")).json() == [changed]

    # Lists cleared by null; media set again; moved into another community of the same company.
    second = await make_community(app, claims(token)["company_id"], name="Second")
    response = await client.patch(
        url, json={"tags": None, "skill_ids": [], "media_id": media_id, "community_id": second}, headers=bearer(token)
    )
    assert response.status_code == 200
    moved = response.json()
    assert (moved["tags"], moved["skills"], moved["media_id"], moved["community_id"]) == ([], [], media_id, second)
    assert await _rows(app, select(ContentSkill.skill_id)) == []


async def test_patch_refuses_bad_bodies_without_changing_anything(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    token, community_id = await company_with_community(api, app)
    event = await create_event(client, token, community_id)
    _, foreign = await company_with_community(api, app)
    archived = await make_community(app, claims(token)["company_id"], archived=True)
    url = f"/events/{event['id']}"
    for body in ({"title": None}, {"title": ""}, {"event_date": None}, {"community_id": None}, {"cost": 2**31}):
        response = await client.patch(url, json=body, headers=bearer(token))
        assert response.status_code == 422, body
    cases = [
        ({"title": "X", "media_id": UNKNOWN_ID}, 400, "Media not found"),
        ({"title": "X", "skill_ids": ["nope"]}, 400, "Invalid skill_ids: nope"),
        ({"title": "X", "community_id": foreign}, 403, "Not allowed"),
        ({"title": "X", "community_id": UNKNOWN_ID}, 404, "Not found"),
        ({"title": "X", "community_id": archived}, 409, "Community is archived"),
    ]
    for refused, status, detail in cases:
        response = await client.patch(url, json=refused, headers=bearer(token))
        assert (response.status_code, response.json()) == (status, {"detail": detail}), refused
    assert (await client.get("/events/upcoming")).json() == [event]


async def test_patch_and_delete_belong_to_the_owner(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token, community_id = await company_with_community(api, app)
    event = await create_event(client, token, community_id)
    post_id = await make_post(app, community_id)
    other_company = await api.company()
    refused_roles = (await api.student(), await api.admin())
    for method, body in (("PATCH", {"title": "Mine now"}), ("DELETE", None)):
        url = f"/events/{event['id']}"
        response = await client.request(method, url, json=body)
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
        for caller in refused_roles:
            response = await client.request(method, url, json=body, headers=bearer(caller))
            assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
        response = await client.request(method, url, json=body, headers=bearer(other_company))
        assert (response.status_code, response.json()) == (403, {"detail": "Not allowed"})
        for event_id in (UNKNOWN_ID, "not-an-id", post_id):
            response = await client.request(method, f"/events/{event_id}", json=body, headers=bearer(token))
            assert (response.status_code, response.json()) == (404, {"detail": "Not found"}), (method, event_id)
    assert (await client.get("/events/upcoming")).json() == [event]


async def test_patch_in_an_archived_community_is_refused(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token, community_id = await company_with_community(api, app)
    event = await create_event(client, token, community_id)
    async with app.state.db_config.get_session() as session:
        (await session.get_one(Community, UUID(community_id))).is_archived = True
        await session.commit()
    response = await client.patch(f"/events/{event['id']}", json={"title": "X"}, headers=bearer(token))
    assert (response.status_code, response.json()) == (409, {"detail": "Community is archived"})
    # The owner may still delete it.
    response = await client.delete(f"/events/{event['id']}", headers=bearer(token))
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_delete_removes_the_event_and_its_participants(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    token, community_id = await company_with_community(api, app)
    skills = await skill_ids(client)
    event = await create_event(client, token, community_id, skill_ids=skills[:1])
    kept = await create_event(client, token, community_id, title="kept")
    student = await api.student()
    await client.post(f"/events/{event['id']}/join", headers=bearer(student))
    await client.post(f"/events/{kept['id']}/join", headers=bearer(student))

    response = await client.delete(f"/events/{event['id']}/", headers=bearer(token))
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert await _rows(app, select(Content.id).where(Content.id == UUID(event["id"]))) == []
    assert await _rows(app, select(ContentSkill.skill_id)) == []
    assert await _rows(app, select(EventParticipant.content_id)) == [(UUID(kept["id"]),)]
    response = await client.delete(f"/events/{event['id']}", headers=bearer(token))
    assert response.status_code == 404
    response = await client.post(f"/events/{event['id']}/join", headers=bearer(student))
    assert response.status_code == 404
    assert [e["id"] for e in (await client.get("/events/my/upcoming", headers=bearer(student))).json()] == [kept["id"]]


# --- statement counts ------------------------------------------------------------------------------------------------


async def test_lists_cost_the_same_statements_for_1_and_25_events(
    client: httpx.AsyncClient, api: Api, app: Litestar, statements: StatementCounter, caller_clock: CallerClock
) -> None:
    token, community_id = await company_with_community(api, app)
    skills = await skill_ids(client)
    student = await api.student()
    counts: dict[str, list[int]] = {"upcoming": [], "mine": []}
    for target in (1, 25):
        existing = len((await client.get("/events/upcoming", params={"limit": 100})).json())
        for n in range(existing, target):
            event = await create_event(client, token, community_id, title=f"e{n}", skill_ids=skills[n % 3 : n % 3 + 2])
            await client.post(f"/events/{event['id']}/join", headers=bearer(student))
        caller_clock.expire()
        with statements:
            upcoming = (await client.get("/events/upcoming", params={"limit": 100})).json()
        counts["upcoming"].append(statements.count)
        caller_clock.expire()
        with statements:
            mine = (await client.get("/events/my/upcoming", params={"limit": 100}, headers=bearer(student))).json()
        counts["mine"].append(statements.count)
        assert len(upcoming) == len(mine) == target
        assert all(event["skills"] and event["participants_count"] == 1 for event in upcoming)
    assert counts["upcoming"][0] == counts["upcoming"][1] <= 2
    assert counts["mine"][0] == counts["mine"][1] <= 3
