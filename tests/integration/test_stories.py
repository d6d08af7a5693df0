"""`/content/stories` and the followed-companies story feed (contract §2.3, D-01a, D-08).

Company follows belong to another slice: they are inserted with the model.
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
from tests.shapes import STORY_KEYS
from workcommunities.db.models import CompanyFollow, Story

UNKNOWN = uuid4().hex
ANONYMOUS = {"Authorization": "Bearer null"}
CreateMedia = Callable[..., Any]


async def follow(app: Litestar, user_id: str, *company_ids: str) -> None:
    async with app.state.db_config.get_session() as session:
        session.add_all(CompanyFollow(user_id=UUID(user_id), company_id=UUID(cid)) for cid in company_ids)
        await session.commit()


async def stored_story(app: Litestar, story_id: str) -> Story:
    async with app.state.db_config.get_session() as session:
        story = await session.get(Story, UUID(story_id))
        assert story is not None
        return story


async def set_story(app: Litestar, story_id: str, **values: Any) -> None:
    async with app.state.db_config.get_session() as session:
        story = await session.get(Story, UUID(story_id))
        assert story is not None
        for key, value in values.items():
            setattr(story, key, value)
        await session.commit()


async def story_count(app: Litestar) -> int:
    async with app.state.db_config.get_session() as session:
        return int(await session.scalar(select(func.count()).select_from(Story)) or 0)


async def create_story(
    client: httpx.AsyncClient, token: str, media_id: str, title: str = "story", company_id: str | None = None
) -> dict[str, Any]:
    body = {"company_id": company_id or claims(token)["company_id"], "title": title, "media_uid": media_id}
    response = await client.post("/content/stories", json=body, headers=bearer(token))
    assert response.status_code == 200, response.text
    story: dict[str, Any] = response.json()
    return story


async def test_create_and_read_a_story(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    token = await api.company()
    company_id = claims(token)["company_id"]
    media_id = await create_media(kind="video", mime="video/mp4", ext="mp4")
    before = datetime.now(UTC)
    story = await create_story(client, token, media_id, title="  Launch day ")
    assert story == {
        "id": story["id"],
        "community_id": company_id,  # the old field name carries the company id (D-08)
        "company_id": company_id,
        "title": "Launch day",
        "media_url": f"/media/{media_id}",
        "media": {"id": media_id, "kind": "video", "mime": "video/mp4", "ext": "mp4", "size": 1,
                  "url": f"/media/{media_id}"},
        "moderation_status": "visible",
    }  # fmt: skip
    assert len(story["id"]) == 32

    # Lives for STORY_TTL_HOURS (24 by default).
    ttl = app.state.settings.story_ttl_hours
    expires_at = (await stored_story(app, story["id"])).expires_at
    assert before + timedelta(hours=ttl) <= expires_at <= datetime.now(UTC) + timedelta(hours=ttl)

    for headers in (ANONYMOUS, {"Authorization": "Bearer"}, {"Authorization": "Bearer junk"}, {}):
        response = await client.get(f"/content/stories/{story['id']}", headers=headers)
        assert (response.status_code, response.json()) == (200, story)

    # Both spellings of the create path.
    body = {"company_id": company_id, "title": "again", "media_uid": media_id}
    assert (await client.post("/content/stories/", json=body, headers=bearer(token))).status_code == 200


async def test_create_story_guards_and_ownership(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    token, other = await api.company(), await api.company()
    media_id = await create_media()
    body = {"company_id": claims(token)["company_id"], "title": "t", "media_uid": media_id}

    response = await client.post("/content/stories", json=body)
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    for role_token in (await api.student(), await api.admin()):
        response = await client.post("/content/stories", json=body, headers=bearer(role_token))
        assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    # Only the caller's own company; a malformed or unknown id is refused the same way (D-01a).
    for company_id in (claims(other)["company_id"], UNKNOWN, "nope", ""):
        response = await client.post("/content/stories", json={**body, "company_id": company_id}, headers=bearer(token))
        assert (response.status_code, response.json()) == (403, {"detail": "Not allowed"}), company_id
    assert await story_count(app) == 0


async def test_create_story_needs_known_media(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token = await api.company()
    for media_uid in (UNKNOWN, "nope", "", "   "):
        body = {"company_id": claims(token)["company_id"], "title": "t", "media_uid": media_uid}
        response = await client.post("/content/stories", json=body, headers=bearer(token))
        assert (response.status_code, response.json()) == (400, {"detail": "Media not found"}), media_uid
    assert await story_count(app) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"company_id": None},
        {"title": None},
        {"title": ""},
        {"title": "x" * 301},
        {"media_uid": None},
        {"media_uid": 5},
        {"drop": "title"},
        {"drop": "media_uid"},
        {"drop": "company_id"},
    ],
)
async def test_create_story_rejects_bad_bodies(
    client: httpx.AsyncClient, api: Api, create_media: CreateMedia, change: dict[str, Any]
) -> None:
    token = await api.company()
    body: dict[str, Any] = {"company_id": claims(token)["company_id"], "title": "t", "media_uid": await create_media()}
    if "drop" in change:
        del body[change["drop"]]
    else:
        body.update(change)
    response = await client.post("/content/stories", json=body, headers=bearer(token))
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)


async def test_get_story_not_found(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    token = await api.company()
    story = await create_story(client, token, await create_media())
    await set_story(app, story["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    for target in (story["id"], UNKNOWN, "nope", "me"):
        response = await client.get(f"/content/stories/{target}", headers=ANONYMOUS)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"}), target


async def test_stories_of_followed_companies(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    first_company, second_company, unfollowed = await api.company(), await api.company(), await api.company()
    student = await api.student()
    await follow(app, claims(student)["sub"], claims(first_company)["company_id"], claims(second_company)["company_id"])
    media_id = await create_media()

    oldest = await create_story(client, first_company, media_id, "oldest")
    expired = await create_story(client, first_company, media_id, "expired")
    await create_story(client, unfollowed, media_id, "not followed")
    middle = await create_story(client, second_company, media_id, "middle")
    newest = await create_story(client, first_company, media_id, "newest")
    await set_story(app, expired["id"], expires_at=datetime.now(UTC) - timedelta(minutes=1))
    # Equal timestamps: the higher id first.
    same = datetime(2024, 1, 1, tzinfo=UTC)
    await set_story(app, oldest["id"], created_at=same - timedelta(days=1))
    await set_story(app, middle["id"], created_at=same)
    tied = await create_story(client, second_company, media_id, "tied")
    await set_story(app, tied["id"], created_at=same)
    tied_order = sorted([middle, tied], key=lambda story: story["id"], reverse=True)

    path = "/content/me/stories/from-followed-companies"
    response = await client.get(path, headers=bearer(student))
    assert response.status_code == 200
    stories = response.json()
    assert stories == [newest, *tied_order, oldest]
    assert all(set(story) == STORY_KEYS and story["media"]["id"] == media_id for story in stories)
    assert stories[0]["community_id"] == stories[0]["company_id"] == claims(first_company)["company_id"]

    page = (await client.get(path, params={"offset": 1, "limit": 2}, headers=bearer(student))).json()
    assert page == tied_order
    assert (await client.get(path + "/", headers=bearer(student))).json() == stories
    # A user who follows nobody, and the guards.
    assert (await client.get(path, headers=bearer(await api.student()))).json() == []
    response = await client.get(path)
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    response = await client.get(path, headers=ANONYMOUS)
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token"})
    for params in ({"limit": 0}, {"offset": -1}):
        assert (await client.get(path, params=params, headers=bearer(student))).status_code == 422


async def test_followed_stories_statement_count(
    client: httpx.AsyncClient,
    api: Api,
    app: Litestar,
    create_media: CreateMedia,
    statements: StatementCounter,
    caller_clock: CallerClock,
) -> None:
    company = await api.company()
    student = await api.student()
    await follow(app, claims(student)["sub"], claims(company)["company_id"])
    path = "/content/me/stories/from-followed-companies"
    await create_story(client, company, await create_media())
    caller_clock.expire()
    with statements:
        assert len((await client.get(path, headers=bearer(student))).json()) == 1
    single = statements.count
    for _ in range(24):
        await create_story(client, company, await create_media())
    caller_clock.expire()
    with statements:
        stories = (await client.get(path, params={"limit": 25}, headers=bearer(student))).json()
    assert len(stories) == 25
    assert all(story["media"] is not None for story in stories)
    assert len({story["media"]["id"] for story in stories}) == 25
    assert statements.count == single


async def test_a_story_whose_media_is_gone_reads_with_null_media(
    client: httpx.AsyncClient, api: Api, app: Litestar, create_media: CreateMedia
) -> None:
    """`Story.media` is the one nullable object (§1.10); `media_url` falls back to ""."""
    token = await api.company()
    story = await create_story(client, token, await create_media())
    await set_story(app, story["id"], media_id=None)
    response = await client.get(f"/content/stories/{story['id']}")
    assert response.status_code == 200
    assert response.json() == {**story, "media_url": "", "media": None}
