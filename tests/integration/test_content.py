"""`/content` posts, the unified feed and the personal feeds (contract §2.3, §4.4, §4.5, D-01a, D-09, D-13,
D-15 to D-18, D-20, D-21, D-35).

Communities, memberships and events belong to other slices: they are inserted with the models.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select

from tests.conftest import CallerClock, StatementCounter
from tests.helpers import Api, bearer, claims
from tests.shapes import ITEM_KEYS, POST_KEYS, SKILL_KEYS
from workcommunities.db.models import Community, Content, ContentMedia, ContentSkill, Membership

UNKNOWN = uuid4().hex
ANONYMOUS = {"Authorization": "Bearer null"}
CreateMedia = Callable[..., Any]


# --- rows another slice would create ----------------------------------------------------------------------------------


async def community(app: Litestar, company_id: str | None, *, archived: bool = False, name: str = "c") -> str:
    async with app.state.db_config.get_session() as session:
        row = Community(name=name, company_id=UUID(company_id) if company_id else None, is_archived=archived)
        session.add(row)
        await session.commit()
        return row.id.hex


async def archive(app: Litestar, community_id: str, archived: bool = True) -> None:
    async with app.state.db_config.get_session() as session:
        row = await session.get(Community, UUID(community_id))
        assert row is not None
        row.is_archived = archived
        await session.commit()


async def event(
    app: Litestar,
    community_id: str,
    *,
    title: str = "event",
    description: str | None = "about the event",
    media_id: str | None = None,
    attached: tuple[str, ...] = (),
    created_at: datetime | None = None,
    event_id: UUID | None = None,
) -> str:
    async with app.state.db_config.get_session() as session:
        row = Content(
            community_id=UUID(community_id),
            type="event",
            title=title,
            description=description,
            event_date=datetime(2030, 1, 2, 10, tzinfo=UTC),
            media_id=UUID(media_id) if media_id else None,
            tags=["meetup"],
            cost=5,
        )
        if created_at is not None:
            row.created_at = created_at
        if event_id is not None:
            row.id = event_id
        session.add(row)
        await session.flush()
        for position, media in enumerate(attached):
            session.add(ContentMedia(content_id=row.id, media_id=UUID(media), position=position))
        await session.commit()
        return row.id.hex


async def join(app: Litestar, user_id: str, *community_ids: str) -> None:
    async with app.state.db_config.get_session() as session:
        session.add_all(Membership(user_id=UUID(user_id), community_id=UUID(cid)) for cid in community_ids)
        await session.commit()


# --- helpers over the API ---------------------------------------------------------------------------------------------


class Company:
    def __init__(self, token: str) -> None:
        self.token = token
        self.id: str = claims(token)["company_id"]
        self.headers = bearer(token)


async def a_company(api: Api) -> Company:
    return Company(await api.company())


async def skill_ids(client: httpx.AsyncClient) -> list[str]:
    return [skill["id"] for skill in (await client.get("/reference/skills")).json()]


async def create_post(client: httpx.AsyncClient, company: Company, community_id: str, **fields: Any) -> dict[str, Any]:
    body = {"community_id": community_id, "title": "title", "body": "body", **fields}
    response = await client.post("/content/posts", json=body, headers=company.headers)
    assert response.status_code == 200, response.text
    post: dict[str, Any] = response.json()
    return post


def assert_media(media: dict[str, Any], media_id: str) -> None:
    assert media == {"id": media_id, "kind": "image", "mime": "image/png", "ext": "png", "size": 1,
                     "url": f"/media/{media_id}"}  # fmt: skip


def assert_skill(skill: dict[str, Any], skill_id: str) -> None:
    assert set(skill) == SKILL_KEYS
    assert skill["id"] == skill_id
    assert skill["sphere"]["id"] == skill["sphere_id"]
    assert set(skill["sphere"]) == {"id", "title", "background_color", "text_color"}


async def content_count(app: Litestar) -> int:
    async with app.state.db_config.get_session() as session:
        return int(await session.scalar(select(func.count()).select_from(Content)) or 0)


# --- the flow -------------------------------------------------------------------------------------------------


async def test_company_posts_and_an_anonymous_client_reads_it_in_the_feed(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    company = await a_company(api)
    community_id = await community(app, company.id)
    first, second = await create_media(), await create_media()
    skills = await skill_ids(client)

    post = await create_post(
        client,
        company,
        community_id,
        title="  Hello  ",
        body="Welcome",
        media_uids=[first, second, first],
        tags=[" java ", "", "kotlin", "java"],
        skill_ids=[skills[3], skills[0], skills[3]],
        cost=100,
        participant_payout=7,
    )
    assert set(post) == POST_KEYS
    assert len(post["id"]) == 32
    assert post["community_id"] == community_id
    assert (post["title"], post["body"], post["cost"], post["participant_payout"]) == ("Hello", "Welcome", 100, 7)
    assert [m["id"] for m in post["media"]] == [first, second]
    assert_media(post["media"][0], first)
    assert post["tags"] == ["java", "kotlin"]
    assert [s["id"] for s in post["skills"]] == [skills[3], skills[0]]
    assert_skill(post["skills"][0], skills[3])

    # The client's own call: a `null` session token and the misspelt `offest`.
    response = await client.get("/content/posts", params={"limit": 2, "offest": 0}, headers=ANONYMOUS)
    assert response.status_code == 200
    [item] = response.json()
    assert set(item) == ITEM_KEYS
    assert item["media"][0]["id"] == first
    assert item == {**post, "type": "post", "event_date": None}

    for headers in (ANONYMOUS, {"Authorization": "Bearer"}, {"Authorization": "Bearer garbage"}, {}):
        response = await client.get(f"/content/posts/{post['id']}", headers=headers)
        assert response.status_code == 200
        assert response.json() == item


async def test_create_minimal_post_obeys_the_non_null_rule(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company = await a_company(api)
    community_id = await community(app, company.id)
    post = await create_post(client, company, community_id, body="")
    assert post == {
        "id": post["id"],
        "community_id": community_id,
        "title": "title",
        "body": "",
        "media": [],
        "tags": [],
        "skills": [],
        "cost": 0,
        "participant_payout": 0,
        "moderation_status": "visible",
    }
    explicit_nulls = await create_post(client, company, community_id, tags=None, skill_ids=None, cost=None)
    assert (explicit_nulls["tags"], explicit_nulls["skills"], explicit_nulls["cost"]) == ([], [], 0)
    # Both spellings of the path.
    response = await client.post(
        "/content/posts/", json={"community_id": community_id, "title": "t", "body": "b"}, headers=company.headers
    )
    assert response.status_code == 200


async def test_create_post_guards(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company = await a_company(api)
    community_id = await community(app, company.id)
    body = {"community_id": community_id, "title": "t", "body": "b"}
    response = await client.post("/content/posts", json=body)
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    response = await client.post("/content/posts", json=body, headers=ANONYMOUS)
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token"})
    for token in (await api.student(), await api.admin()):
        response = await client.post("/content/posts", json=body, headers=bearer(token))
        assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    assert await content_count(app) == 0


async def test_create_post_checks_the_community(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company, other = await a_company(api), await a_company(api)
    foreign = await community(app, other.id)
    archived = await community(app, company.id, archived=True)
    ownerless = await community(app, None)
    cases = [
        (UNKNOWN, 404, "Not found"),
        ("nope", 404, "Not found"),
        (foreign, 403, "Not allowed"),
        (ownerless, 403, "Not allowed"),
        (archived, 409, "Community is archived"),
    ]
    for community_id, status, detail in cases:
        body = {"community_id": community_id, "title": "t", "body": "b"}
        response = await client.post("/content/posts", json=body, headers=company.headers)
        assert (response.status_code, response.json()) == (status, {"detail": detail}), community_id
    assert await content_count(app) == 0


async def test_create_post_checks_media_and_skills(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    company = await a_company(api)
    community_id = await community(app, company.id)
    media = await create_media()
    skills = await skill_ids(client)
    base = {"community_id": community_id, "title": "t", "body": "b"}
    for media_uids in ([UNKNOWN], [media, "nope"], [" ", UNKNOWN]):
        response = await client.post("/content/posts", json={**base, "media_uids": media_uids}, headers=company.headers)
        assert (response.status_code, response.json()) == (400, {"detail": "Media not found"})
    response = await client.post(
        "/content/posts", json={**base, "skill_ids": [skills[0], UNKNOWN, "bad"]}, headers=company.headers
    )
    assert (response.status_code, response.json()) == (400, {"detail": f"Invalid skill_ids: {UNKNOWN}, bad"})
    assert await content_count(app) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"title": "t", "body": "b"},
        {"community_id": "x", "body": "b"},
        {"community_id": "x", "title": "t"},
        {"community_id": "x", "title": None, "body": "b"},
        {"community_id": "x", "title": "   ", "body": "b"},
        {"community_id": "x", "title": "t" * 301, "body": "b"},
        {"community_id": "x", "title": "t", "body": None},
        {"community_id": "x", "title": "t", "body": "b", "cost": "ten"},
        {"community_id": "x", "title": "t", "body": "b", "cost": -1},
        {"community_id": "x", "title": "t", "body": "b", "participant_payout": 2**40},
        {"community_id": "x", "title": "t", "body": "b", "media_uids": "m"},
        {"community_id": "x", "title": "t", "body": "b", "tags": [1]},
        [],
    ],
)
async def test_create_post_rejects_bad_bodies(client: httpx.AsyncClient, api: Api, app: Litestar, body: Any) -> None:
    company = await a_company(api)
    if isinstance(body, dict) and "community_id" in body:
        body["community_id"] = await community(app, company.id)
    response = await client.post("/content/posts", json=body, headers=company.headers)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)


async def test_create_post_rejects_a_body_that_is_not_json(client: httpx.AsyncClient, api: Api) -> None:
    company = await a_company(api)
    response = await client.post(
        "/content/posts", content=b"{not json", headers={**company.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422


# --- PATCH ------------------------------------------------------------------------------------------------------------


async def test_patch_replaces_present_fields_only(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    company = await a_company(api)
    community_id = await community(app, company.id)
    m1, m2, m3 = await create_media(), await create_media(), await create_media()
    skills = await skill_ids(client)
    post = await create_post(
        client, company, community_id, media_uids=[m1, m2], tags=["a"], skill_ids=[skills[0]], cost=3
    )
    url = f"/content/posts/{post['id']}"

    # An empty body changes nothing and answers with the current post (D-15).
    response = await client.patch(url, json={}, headers=company.headers)
    assert (response.status_code, response.json()) == (200, post)

    # Lists replace: media keep the new order, duplicates dropped, an attached id may be sent again (D-17, D-18).
    response = await client.patch(
        url,
        json={"media_uids": [m3, m1, m3], "skill_ids": [skills[2], skills[1], skills[2]], "tags": ["x", "x", "y"]},
        headers=company.headers,
    )
    assert response.status_code == 200
    patched = response.json()
    assert [m["id"] for m in patched["media"]] == [m3, m1]
    assert [s["id"] for s in patched["skills"]] == [skills[2], skills[1]]
    assert patched["tags"] == ["x", "y"]
    assert (patched["title"], patched["body"], patched["cost"]) == ("title", "body", 3)

    response = await client.patch(url, json={"title": " New ", "participant_payout": 9}, headers=company.headers)
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["participant_payout"]) == ("New", 9)
    assert [m["id"] for m in response.json()["media"]] == [m3, m1]

    # null clears optional fields (body → "", numbers → 0, lists → []).
    nulls = {
        "body": None,
        "cost": None,
        "participant_payout": None,
        "tags": None,
        "skill_ids": None,
        "media_uids": None,
    }
    response = await client.patch(url, json=nulls, headers=company.headers)
    assert response.status_code == 200
    assert response.json() == {
        "id": post["id"],
        "community_id": community_id,
        "title": "New",
        "body": "",
        "media": [],
        "tags": [],
        "skills": [],
        "cost": 0,
        "participant_payout": 0,
        "moderation_status": "visible",
    }
    # The feed item reads the same stored state.
    item = (await client.get(url)).json()
    assert {k: item[k] for k in POST_KEYS} == response.json()
    async with app.state.db_config.get_session() as session:
        links = await session.scalar(select(func.count()).select_from(ContentMedia))
        skill_links = await session.scalar(select(func.count()).select_from(ContentSkill))
    assert (links, skill_links) == (0, 0)


async def test_patch_refuses_unknown_references_and_changes_nothing(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    company = await a_company(api)
    community_id = await community(app, company.id)
    media = await create_media()
    skills = await skill_ids(client)
    post = await create_post(client, company, community_id, media_uids=[media], skill_ids=[skills[0]])
    url = f"/content/posts/{post['id']}"
    response = await client.patch(url, json={"title": "changed", "media_uids": [UNKNOWN]}, headers=company.headers)
    assert (response.status_code, response.json()) == (400, {"detail": "Media not found"})
    response = await client.patch(url, json={"title": "changed", "skill_ids": ["zzz"]}, headers=company.headers)
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid skill_ids: zzz"})
    item = (await client.get(url)).json()
    assert {k: item[k] for k in POST_KEYS} == post


@pytest.mark.parametrize(
    "body",
    [{"title": None}, {"title": ""}, {"title": "t" * 301}, {"cost": "x"}, {"cost": -5}, {"media_uids": [1]}, []],
)
async def test_patch_rejects_bad_bodies(client: httpx.AsyncClient, api: Api, app: Litestar, body: Any) -> None:
    company = await a_company(api)
    post = await create_post(client, company, await community(app, company.id))
    response = await client.patch(f"/content/posts/{post['id']}", json=body, headers=company.headers)
    assert response.status_code == 422, response.text
    assert (await client.get(f"/content/posts/{post['id']}")).json()["title"] == "title"


async def test_patch_guards_and_ownership(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company, other = await a_company(api), await a_company(api)
    community_id = await community(app, company.id)
    post = await create_post(client, company, community_id)
    event_id = await event(app, community_id)
    url = f"/content/posts/{post['id']}"

    response = await client.patch(url, json={"title": "x"})
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    response = await client.patch(url, json={"title": "x"}, headers=bearer(await api.student()))
    assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    response = await client.patch(url, json={"title": "x"}, headers=other.headers)
    assert (response.status_code, response.json()) == (403, {"detail": "Not allowed"})
    # Events are edited through /events (D-21); unknown and malformed ids are not found.
    for target in (event_id, UNKNOWN, "nope", "me"):
        response = await client.patch(f"/content/posts/{target}", json={"title": "x"}, headers=company.headers)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"}), target
    assert (await client.get(url)).json()["title"] == "title"
    assert (await client.get(f"/content/posts/{event_id}")).json()["title"] == "event"


# --- DELETE -----------------------------------------------------------------------------------------------------------


async def test_delete_post(client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia) -> None:
    company, other = await a_company(api), await a_company(api)
    community_id = await community(app, company.id)
    skills = await skill_ids(client)
    post = await create_post(client, company, community_id, media_uids=[await create_media()], skill_ids=skills[:2])
    event_id = await event(app, community_id)
    url = f"/content/posts/{post['id']}"

    assert (await client.delete(url)).status_code == 401
    response = await client.delete(url, headers=bearer(await api.student()))
    assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    response = await client.delete(url, headers=other.headers)
    assert (response.status_code, response.json()) == (403, {"detail": "Not allowed"})
    for target in (event_id, UNKNOWN, "nope"):
        response = await client.delete(f"/content/posts/{target}", headers=company.headers)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})

    response = await client.delete(url, headers=company.headers)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert (await client.get(url)).status_code == 404
    assert (await client.delete(url, headers=company.headers)).status_code == 404
    assert [item["id"] for item in (await client.get("/content/posts")).json()] == [event_id]
    async with app.state.db_config.get_session() as session:
        links = await session.scalar(select(func.count()).select_from(ContentMedia))
        skill_links = await session.scalar(select(func.count()).select_from(ContentSkill))
    assert (links, skill_links) == (0, 0)


# --- GET one ----------------------------------------------------------------------------------------------------------


async def test_get_unknown_or_malformed_item(client: httpx.AsyncClient) -> None:
    for target in (UNKNOWN, "nope", UNKNOWN.upper() + "0"):
        response = await client.get(f"/content/posts/{target}", headers=ANONYMOUS)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})


async def test_events_read_as_feed_items(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    company = await a_company(api)
    community_id = await community(app, company.id)
    legacy, attached = await create_media(), await create_media()
    event_id = await event(app, community_id, media_id=legacy, attached=(attached, legacy))
    bare_id = await event(app, community_id, description=None, title="bare")

    item = (await client.get(f"/content/posts/{event_id}", headers=ANONYMOUS)).json()
    assert set(item) == ITEM_KEYS
    assert (item["type"], item["body"], item["event_date"]) == ("event", "about the event", "2030-01-02T10:00:00Z")
    # The legacy single media comes first, attached media follow, without repeating it.
    assert [m["id"] for m in item["media"]] == [legacy, attached]
    assert (item["tags"], item["skills"], item["cost"], item["participant_payout"]) == (["meetup"], [], 5, 0)

    bare = (await client.get(f"/content/posts/{bare_id}")).json()
    assert (bare["body"], bare["media"], bare["event_date"]) == ("", [], "2030-01-02T10:00:00Z")


# --- the unified feed -------------------------------------------------------------------------------------------------


async def test_feed_order_pagination_and_archive(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    company = await a_company(api)
    live = await community(app, company.id, name="live")
    hidden = await community(app, company.id, name="hidden")
    media = await create_media()
    old = await event(app, live, created_at=datetime(2020, 1, 1, tzinfo=UTC))
    # Same timestamp: the higher id comes first.
    same = datetime(2021, 1, 1, tzinfo=UTC)
    low = await event(app, live, created_at=same, event_id=UUID(int=1))
    high = await event(app, live, created_at=same, event_id=UUID(int=2))
    first = await create_post(client, company, live, media_uids=[media])
    archived_post = await create_post(client, company, hidden)
    archived_event = await event(app, hidden)
    latest = await create_post(client, company, live)
    await archive(app, hidden)

    ids = [item["id"] for item in (await client.get("/content/posts", headers=ANONYMOUS)).json()]
    assert ids == [latest["id"], first["id"], high, low, old]
    items = (await client.get("/content/posts")).json()
    assert [(item["type"], item["event_date"] is None) for item in items] == [
        ("post", True),
        ("post", True),
        ("event", False),
        ("event", False),
        ("event", False),
    ]
    page = (await client.get("/content/posts", params={"offset": 1, "limit": 2})).json()
    assert [item["id"] for item in page] == [first["id"], high]
    assert (await client.get("/content/posts/", params={"offset": 4})).json()[0]["id"] == old
    assert (await client.get("/content/posts", params={"offset": 5})).json() == []
    assert len((await client.get("/content/posts", params={"limit": 1000})).json()) == 5

    # Archived content stays readable by id (§4.4) and takes no new posts.
    for target in (archived_post["id"], archived_event):
        assert (await client.get(f"/content/posts/{target}")).status_code == 200
    body = {"community_id": hidden, "title": "t", "body": "b"}
    response = await client.post("/content/posts", json=body, headers=company.headers)
    assert (response.status_code, response.json()) == (409, {"detail": "Community is archived"})
    # Its posts are read-only too, like its events.
    patch = await client.patch(f"/content/posts/{archived_post['id']}", json={"title": "x"}, headers=company.headers)
    assert (patch.status_code, patch.json()) == (409, {"detail": "Community is archived"})

    await archive(app, hidden, archived=False)
    ids = [item["id"] for item in (await client.get("/content/posts")).json()]
    assert ids == [latest["id"], archived_event, archived_post["id"], first["id"], high, low, old]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": -1}, {"offset": -1}, {"limit": "x"}])
async def test_feed_rejects_bad_pagination(client: httpx.AsyncClient, params: dict[str, Any]) -> None:
    response = await client.get("/content/posts", params=params, headers=ANONYMOUS)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


async def _fill(
    client: httpx.AsyncClient, company: Company, community_id: str, create_media: CreateMedia, count: int
) -> None:
    skills = await skill_ids(client)
    media = [await create_media() for _ in range(2)]
    for _ in range(count):
        await create_post(client, company, community_id, media_uids=media, skill_ids=skills[:2], tags=["t"])


async def test_feed_statement_count_does_not_grow_with_the_page(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia, statements: StatementCounter
) -> None:
    company = await a_company(api)
    community_id = await community(app, company.id)
    legacy = await create_media()
    await event(app, community_id, media_id=legacy)
    with statements:
        one = (await client.get("/content/posts", params={"limit": 1})).json()
    single = statements.count
    assert len(one) == 1
    assert one[0]["media"][0]["id"] == legacy

    await _fill(client, company, community_id, create_media, 24)
    with statements:
        many = (await client.get("/content/posts", params={"limit": 25})).json()
    assert len(many) == 25
    assert statements.count == single == statements.expected(postgresql=1, sqlite=3)  # + media, skills
    assert all(len(item["media"]) >= 1 and item["tags"] for item in many)
    assert all(len(item["skills"]) == 2 and item["skills"][0]["sphere"] for item in many if item["type"] == "post")


# --- personal feeds ---------------------------------------------------------------------------------------------------


async def test_member_feeds(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company = await a_company(api)
    mine = await community(app, company.id, name="mine")
    also_mine = await community(app, company.id, name="also")
    not_mine = await community(app, company.id, name="other")
    archived = await community(app, company.id, name="archived")
    student = await api.student()
    user_id = claims(student)["sub"]
    await join(app, user_id, mine, also_mine, archived)

    first = await create_post(client, company, mine, title="first")
    await event(app, mine)  # events are not in these feeds
    await create_post(client, company, not_mine)
    second = await create_post(client, company, also_mine, title="second")
    await create_post(client, company, archived)
    third = await create_post(client, company, mine, title="third")
    await archive(app, archived)
    expected = [third, second, first]

    for path in ("/content/me/posts/featured", "/content/me/posts/from-followed-communities"):
        response = await client.get(path, headers=bearer(student))
        assert response.status_code == 200
        assert response.json() == expected
        assert all(set(post) == POST_KEYS for post in response.json())
        page = (await client.get(path, params={"offset": 1, "limit": 1}, headers=bearer(student))).json()
        assert page == [second]
        assert (await client.get(path + "/", headers=bearer(student))).json() == expected
        response = await client.get(path)
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
        response = await client.get(path, params={"limit": 0}, headers=bearer(student))
        assert response.status_code == 422

    # The public variant: anyone may read it (D-35), any token is ignored.
    response = await client.get(f"/content/users/{user_id}/posts/featured", headers=ANONYMOUS)
    assert (response.status_code, response.json()) == (200, expected)
    response = await client.get(f"/content/users/{user_id}/posts/featured", params={"limit": 2})
    assert response.json() == expected[:2]
    for target in (UNKNOWN, "nope", claims(company.token)["sub"]):
        response = await client.get(f"/content/users/{target}/posts/featured")
        assert (response.status_code, response.json()) == (200, [])
    # A user with no communities: an empty feed, not an error.
    assert (await client.get("/content/me/posts/featured", headers=company.headers)).json() == []


async def test_member_feed_statement_count(
    client: httpx.AsyncClient,
    api: Api,
    app: Litestar,
    create_media: CreateMedia,
    statements: StatementCounter,
    caller_clock: CallerClock,
) -> None:
    company = await a_company(api)
    community_id = await community(app, company.id)
    student = await api.student()
    user_id = claims(student)["sub"]
    await join(app, user_id, community_id)
    await _fill(client, company, community_id, create_media, 1)
    counts: dict[str, int] = {}
    paths = {
        "me": ("/content/me/posts/featured", bearer(student)),
        "public": (f"/content/users/{user_id}/posts/featured", ANONYMOUS),
    }
    for name, (path, headers) in paths.items():
        caller_clock.expire()
        with statements:
            assert len((await client.get(path, params={"limit": 1}, headers=headers)).json()) == 1
        counts[name] = statements.count
    await _fill(client, company, community_id, create_media, 24)
    for name, (path, headers) in paths.items():
        caller_clock.expire()
        with statements:
            posts = (await client.get(path, params={"limit": 25}, headers=headers)).json()
        assert len(posts) == 25
        assert all(len(post["media"]) == 2 and len(post["skills"]) == 2 for post in posts)
        assert statements.count == counts[name], name
    # The caller's feed adds the token's user.
    assert counts == {
        "me": statements.expected(postgresql=2, sqlite=4),
        "public": statements.expected(postgresql=1, sqlite=3),
    }


async def test_feed_items_of_old_rows_fill_missing_values(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """Rows imported from the old service may carry nulls; the wire still has every key, non-null."""
    company = await a_company(api)
    community_id = await community(app, company.id)
    async with app.state.db_config.get_session() as session:
        row = Content(community_id=UUID(community_id), type="post", title="old", body=None, tags=[])
        row.created_at = datetime.now(UTC) - timedelta(days=1)
        session.add(row)
        await session.commit()
        post_id = row.id.hex
    [item] = (await client.get("/content/posts")).json()
    assert item == {
        "id": post_id,
        "community_id": community_id,
        "title": "old",
        "type": "post",
        "body": "",
        "event_date": None,
        "media": [],
        "tags": [],
        "skills": [],
        "cost": 0,
        "participant_payout": 0,
        "moderation_status": "visible",
    }
