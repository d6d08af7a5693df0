"""`/profiles/me`: the caller's profile, its PATCH, and the old service's defects that must stay fixed
(D-15 body without text fields, D-22 event skills and status order, D-23 one profile per user, C-3 sphere_id)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import delete, func, select

from tests.conftest import CallerClock, StatementCounter
from tests.helpers import Api, bearer, claims
from tests.shapes import COMMUNITY_KEYS, EVENT_KEYS, PROFILE_KEYS, SKILL_KEYS, SPHERE_KEYS
from workcommunities.db.models import (
    Community,
    Content,
    ContentSkill,
    EventParticipant,
    Membership,
    Profile,
    ProfileSkill,
    User,
)

# --- helpers ---------------------------------------------------------------------------------------------------------


async def _reference(client: httpx.AsyncClient) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    skills = (await client.get("/reference/skills")).json()
    statuses = (await client.get("/reference/statuses")).json()
    return skills, statuses


async def _me(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.get("/profiles/me", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _patch(client: httpx.AsyncClient, token: str, body: Any) -> httpx.Response:
    return await client.patch("/profiles/me", json=body, headers=bearer(token))


def _uid(token: str) -> UUID:
    return UUID(claims(token)["sub"])


async def _add(app: Litestar, *rows: Any) -> None:
    async with app.state.db_config.get_session() as session:
        session.add_all(rows)
        await session.commit()


async def _community(app: Litestar, name: str, *, archived: bool = False) -> UUID:
    community = Community(name=name, is_archived=archived, tags=["t"])
    await _add(app, community)
    return community.id


async def _event(app: Litestar, community_id: UUID, title: str, when: datetime, skill_ids: list[str]) -> UUID:
    event = Content(community_id=community_id, type="event", title=title, event_date=when)
    await _add(app, event)
    await _add(
        app,
        *[
            ContentSkill(content_id=event.id, skill_id=UUID(skill), position=position)
            for position, skill in enumerate(skill_ids)
        ],
    )
    return event.id


def _check_skill(skill: dict[str, Any]) -> None:
    assert set(skill) == SKILL_KEYS
    assert set(skill["sphere"]) == SPHERE_KEYS
    assert skill["sphere_id"] == skill["sphere"]["id"]


# --- GET -------------------------------------------------------------------------------------------------------------


async def test_new_profile_shape(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.student()
    for path in ("/profiles/me", "/profiles/me/"):
        response = await client.get(path, headers=bearer(token))
        assert response.status_code == 200, response.text
        profile = response.json()
        assert set(profile) == PROFILE_KEYS
        assert len(profile["id"]) == 32 and int(profile["id"], 16) >= 0
        assert profile["user_id"] == claims(token)["sub"]
        assert profile["id"] != profile["user_id"]
        assert {k: v for k, v in profile.items() if k not in {"id", "user_id"}} == {
            "full_name": "",
            "portfolio_url": "",
            "description": "",
            "skills": [],
            "statuses": [],
            "communities": [],
            "joined_events": [],
            "avatar_media_id": "",
        }


async def test_every_role_has_a_profile(client: httpx.AsyncClient, api: Api) -> None:
    for token in (await api.company(), await api.admin()):
        profile = await _me(client, token)
        assert profile["user_id"] == claims(token)["sub"]


async def test_auth_required(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer null"}, {"Authorization": "Bearer"}):
        response = await client.get("/profiles/me", headers=headers)
        assert response.status_code == 401
        response = await client.patch("/profiles/me", json={"full_name": "x"}, headers=headers)
        assert response.status_code == 401
    response = await client.get("/profiles/me", headers={"Authorization": "Bearer garbage"})
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token"})
    response = await client.get("/profiles/me")
    assert response.json() == {"detail": "Not authenticated"}


async def test_missing_profile_is_created_once(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token = await api.student()
    user_id = _uid(token)
    async with app.state.db_config.get_session() as session:
        await session.execute(delete(Profile).where(Profile.user_id == user_id))
        await session.commit()
    # Concurrent first reads (the old service made one profile each, then failed with 500 forever after).
    responses = await asyncio.gather(*[client.get("/profiles/me", headers=bearer(token)) for _ in range(6)])
    assert [r.status_code for r in responses] == [200] * 6
    assert len({r.json()["id"] for r in responses}) == 1
    async with app.state.db_config.get_session() as session:
        count = await session.scalar(select(func.count()).select_from(Profile).where(Profile.user_id == user_id))
    assert count == 1
    assert (await _me(client, token))["id"] == responses[0].json()["id"]


async def test_patch_creates_a_missing_profile(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token = await api.student()
    async with app.state.db_config.get_session() as session:
        await session.execute(delete(Profile).where(Profile.user_id == _uid(token)))
        await session.commit()
    response = await _patch(client, token, {"full_name": "Late"})
    assert response.status_code == 200, response.text
    assert response.json()["full_name"] == "Late"


# --- PATCH -----------------------------------------------------------------------------------------------------------


async def test_patch_text_fields_set_and_clear(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.student()
    body = {"full_name": "Ann Lee", "portfolio_url": "https://ann.example", "description": "About me"}
    response = await _patch(client, token, body)
    assert response.status_code == 200, response.text
    profile = response.json()
    assert set(profile) == PROFILE_KEYS
    assert {k: profile[k] for k in body} == body
    assert await _me(client, token) == profile

    # Absent fields stay; null clears one (output "").
    response = await _patch(client, token, {"description": None})
    assert response.status_code == 200
    assert (response.json()["full_name"], response.json()["description"]) == ("Ann Lee", "")
    response = await _patch(client, token, {"full_name": None, "portfolio_url": ""})
    assert {k: response.json()[k] for k in body} == {"full_name": "", "portfolio_url": "", "description": ""}


async def test_empty_body_is_a_no_op(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.student()
    skills, _ = await _reference(client)
    assert (await _patch(client, token, {"full_name": "Kept", "skill_uids": [skills[0]["id"]]})).status_code == 200
    before = await _me(client, token)
    response = await _patch(client, token, {})
    assert (response.status_code, response.json()) == (200, before)
    assert await _me(client, token) == before


async def test_lists_keep_their_saved_order(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.student()
    skills, statuses = await _reference(client)
    wanted_skills = [skills[5]["id"], skills[0]["id"], skills[8]["id"], skills[3]["id"]]
    wanted_statuses = [statuses[4]["id"], statuses[0]["id"], statuses[2]["id"]]
    response = await _patch(client, token, {"skill_uids": wanted_skills, "status_uids": wanted_statuses})
    assert response.status_code == 200, response.text
    for profile in (response.json(), await _me(client, token)):
        assert [s["id"] for s in profile["skills"]] == wanted_skills
        assert [s["id"] for s in profile["statuses"]] == wanted_statuses
        for skill in profile["skills"]:
            _check_skill(skill)
        assert profile["skills"][0] == skills[5]  # the very shape of /reference/skills
        assert profile["statuses"][0] == statuses[4]
        assert all(set(status) == {"id", "title"} for status in profile["statuses"])

    # A new list replaces the old one, in its own order; [] empties it.
    response = await _patch(client, token, {"skill_uids": [skills[3]["id"], skills[1]["id"]], "status_uids": []})
    assert [s["id"] for s in response.json()["skills"]] == [skills[3]["id"], skills[1]["id"]]
    assert response.json()["statuses"] == []
    assert (await _me(client, token))["statuses"] == []


async def test_lists_are_trimmed_and_deduplicated(client: httpx.AsyncClient, api: Api) -> None:
    """The mobile client sends "" for titles it could not map, and may repeat an id."""
    token = await api.student()
    skills, statuses = await _reference(client)
    a, b = skills[2]["id"], skills[7]["id"]
    s1, s2 = statuses[1]["id"], statuses[3]["id"]
    body = {"skill_uids": ["", f"  {a} ", b, a, "   ", b], "status_uids": [s2, "", s1, f" {s2}"]}
    response = await _patch(client, token, body)
    assert response.status_code == 200, response.text
    assert [s["id"] for s in response.json()["skills"]] == [a, b]
    assert [s["id"] for s in response.json()["statuses"]] == [s2, s1]
    # Only empty strings: the list becomes empty.
    response = await _patch(client, token, {"skill_uids": ["", " "]})
    assert response.json()["skills"] == []


async def test_body_with_only_a_list_works(client: httpx.AsyncClient, api: Api) -> None:
    """The old service answered 500 to a body without any text field (D-15)."""
    token = await api.student()
    skills, statuses = await _reference(client)
    await _patch(client, token, {"full_name": "Name"})
    response = await _patch(client, token, {"skill_uids": [skills[0]["id"]]})
    assert response.status_code == 200, response.text
    assert [s["id"] for s in response.json()["skills"]] == [skills[0]["id"]]
    response = await _patch(client, token, {"status_uids": [statuses[0]["id"]]})
    assert response.status_code == 200, response.text
    assert response.json()["full_name"] == "Name"
    assert [s["id"] for s in response.json()["skills"]] == [skills[0]["id"]]


async def test_null_lists_leave_them_unchanged(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.student()
    skills, statuses = await _reference(client)
    await _patch(client, token, {"skill_uids": [skills[1]["id"]], "status_uids": [statuses[1]["id"]]})
    response = await _patch(client, token, {"skill_uids": None, "status_uids": None, "full_name": "N"})
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["skills"]] == [skills[1]["id"]]
    assert [s["id"] for s in response.json()["statuses"]] == [statuses[1]["id"]]


async def test_the_clients_full_body(client: httpx.AsyncClient, api: Api) -> None:
    """`UpdateUserProfileRequest` as the mobile client sends it: all five fields, "" among the ids."""
    token = await api.student()
    skills, statuses = await _reference(client)
    body = {
        "full_name": "Иван Петров",
        "portfolio_url": "",
        "description": "Студент",
        "skill_uids": [skills[0]["id"], ""],
        "status_uids": ["", statuses[0]["id"]],
    }
    response = await _patch(client, token, body)
    assert response.status_code == 200, response.text
    profile = response.json()
    assert (profile["full_name"], profile["portfolio_url"], profile["description"]) == ("Иван Петров", "", "Студент")
    assert [s["title"] for s in profile["skills"]] == [skills[0]["title"]]
    assert [s["title"] for s in profile["statuses"]] == [statuses[0]["title"]]


async def test_unknown_ids_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, api: Api, create_media: Callable[..., Any]
) -> None:
    token = await api.student()
    skills, statuses = await _reference(client)
    await _patch(
        client,
        token,
        {"full_name": "Before", "skill_uids": [skills[0]["id"]], "status_uids": [statuses[0]["id"]]},
    )
    before = await _me(client, token)
    unknown = "0" * 32
    cases = [
        (
            {"full_name": "After", "skill_uids": [skills[1]["id"], "nope", unknown, " ", "nope"]},
            f"Invalid skill_uids: nope, {unknown}",
        ),
        (
            {
                "full_name": "After",
                "skill_uids": [skills[1]["id"]],
                "status_uids": [statuses[1]["id"], skills[0]["id"]],
            },
            f"Invalid status_uids: {skills[0]['id']}",
        ),
        (
            {"full_name": "After", "status_uids": [statuses[1]["id"]], "avatar_media_id": unknown},
            "Media not found",
        ),
        ({"description": "After", "avatar_media_id": "not-an-id"}, "Media not found"),
    ]
    for body, detail in cases:
        response = await _patch(client, token, body)
        assert (response.status_code, response.json()) == (400, {"detail": detail}), body
        assert await _me(client, token) == before


async def test_avatar_set_and_cleared(client: httpx.AsyncClient, api: Api, create_media: Callable[..., Any]) -> None:
    token = await api.student()
    media_id = await create_media()
    response = await _patch(client, token, {"avatar_media_id": media_id})
    assert (response.status_code, response.json()["avatar_media_id"]) == (200, media_id)
    # Also visible on the user's public page.
    user = (await client.get(f"/users/{claims(token)['sub']}")).json()
    assert user["avatar_media_id"] == media_id
    for cleared in (None, ""):
        await _patch(client, token, {"avatar_media_id": media_id})
        response = await _patch(client, token, {"avatar_media_id": cleared})
        assert (response.status_code, response.json()["avatar_media_id"]) == (200, "")


@pytest.mark.parametrize(
    "body",
    [
        {"full_name": 5},
        {"skill_uids": "abc"},
        {"skill_uids": [1, 2]},
        {"status_uids": {"a": 1}},
        {"description": ["x"]},
        {"full_name": "x" * 201},
        {"portfolio_url": "x" * 501},
        {"skill_uids": ["x"] * 201},
        [],
        "text",
    ],
)
async def test_bad_bodies_are_422(client: httpx.AsyncClient, api: Api, body: Any) -> None:
    token = await api.student()
    response = await _patch(client, token, body)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)
    assert (await _me(client, token))["full_name"] == ""


async def test_undecodable_body_is_422(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.student()
    response = await client.patch(
        "/profiles/me", content=b"{not json", headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert response.status_code == 422


async def test_concurrent_patches_never_fail(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.student()
    skills, _ = await _reference(client)
    bodies = [{"skill_uids": [s["id"] for s in skills[i:] + skills[:i]]} for i in range(6)]
    responses = await asyncio.gather(*[_patch(client, token, body) for body in bodies])
    assert [r.status_code for r in responses] == [200] * 6
    final = [s["id"] for s in (await _me(client, token))["skills"]]
    assert final in [body["skill_uids"] for body in bodies]


# --- communities and joined events -----------------------------------------------------------------------------------


async def test_communities_are_memberships_without_archived(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token, other = await api.student(), await api.student()
    beta = await _community(app, "Beta")
    alpha = await _community(app, "Alpha")
    archived = await _community(app, "Archived", archived=True)
    await _community(app, "Not a member")
    await _add(
        app,
        *[Membership(user_id=_uid(token), community_id=c) for c in (beta, alpha, archived)],
        Membership(user_id=_uid(other), community_id=beta),
    )
    communities = (await _me(client, token))["communities"]
    assert [c["name"] for c in communities] == ["Alpha", "Beta"]
    assert [c["members_count"] for c in communities] == [1, 2]
    assert all(set(c) == COMMUNITY_KEYS for c in communities)
    assert communities[0] == {
        "id": alpha.hex,
        "name": "Alpha",
        "company_id": "",
        "description": "",
        "telegram_url": "",
        "tags": ["t"],
        "is_archived": False,
        "logo_media_id": "",
        "members_count": 1,
    }
    assert [c["name"] for c in (await _me(client, await api.student()))["communities"]] == []


async def test_joined_events_are_upcoming_with_skills(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token = await api.student()
    other = await api.student()
    skills, _ = await _reference(client)
    community = await _community(app, "Events")
    now = datetime.now(UTC)
    later = await _event(app, community, "Later", now + timedelta(days=9), [skills[4]["id"], skills[1]["id"]])
    sooner = await _event(app, community, "Sooner", now + timedelta(days=2), [])
    past = await _event(app, community, "Past", now - timedelta(days=1), [skills[0]["id"]])
    not_joined = await _event(app, community, "Not joined", now + timedelta(days=3), [])
    post = Content(community_id=community, type="post", title="A post")
    await _add(app, post)
    await _add(
        app,
        *[EventParticipant(user_id=_uid(token), content_id=e) for e in (later, sooner, past, post.id)],
        EventParticipant(user_id=_uid(other), content_id=later),
        EventParticipant(user_id=_uid(other), content_id=not_joined),
    )
    events = (await _me(client, token))["joined_events"]
    assert [e["title"] for e in events] == ["Sooner", "Later"]
    assert all(set(e) == EVENT_KEYS for e in events)
    assert events[0]["skills"] == []
    assert [s["id"] for s in events[1]["skills"]] == [skills[4]["id"], skills[1]["id"]]
    for skill in events[1]["skills"]:
        _check_skill(skill)
    assert events[1]["skills"][0] == skills[4]
    assert events[1]["participants_count"] == 2
    assert events[1]["id"] == later.hex and events[1]["community_id"] == community.hex
    assert events[1]["event_date"].endswith("Z")
    assert (events[1]["city"], events[1]["media_id"], events[1]["cost"], events[1]["tags"]) == ("", "", 0, [])

    # Events of an archived community leave the profile like every other list (§4.4) and come back with it.
    async with app.state.db_config.get_session() as session:
        (await session.get_one(Community, community)).is_archived = True
        await session.commit()
    assert (await _me(client, token))["joined_events"] == []
    async with app.state.db_config.get_session() as session:
        (await session.get_one(Community, community)).is_archived = False
        await session.commit()
    assert [e["title"] for e in (await _me(client, token))["joined_events"]] == ["Sooner", "Later"]


async def test_joined_events_capped_at_fifty(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token = await api.student()
    community = await _community(app, "Many")
    base = datetime.now(UTC) + timedelta(days=1)
    events = [
        Content(community_id=community, type="event", title=f"E{i:02d}", event_date=base + timedelta(hours=i))
        for i in range(55)
    ]
    await _add(app, *events)
    await _add(app, *[EventParticipant(user_id=_uid(token), content_id=e.id) for e in events])
    joined = (await _me(client, token))["joined_events"]
    assert [e["title"] for e in joined] == [f"E{i:02d}" for i in range(50)]


async def _fill(app: Litestar, client: httpx.AsyncClient, token: str, size: int) -> None:
    """`size` skills (repeating the reference ones is impossible, so at most 9), communities and joined events."""
    skills, statuses = await _reference(client)
    response = await _patch(
        client,
        token,
        {"skill_uids": [s["id"] for s in skills[:size]], "status_uids": [s["id"] for s in statuses[:size]]},
    )
    assert response.status_code == 200
    now = datetime.now(UTC)
    for index in range(size):
        community = await _community(app, f"C{index}")
        await _add(app, Membership(user_id=_uid(token), community_id=community))
        event = await _event(app, community, f"E{index}", now + timedelta(days=index + 1), [skills[0]["id"]])
        await _add(app, EventParticipant(user_id=_uid(token), content_id=event))


async def test_get_costs_the_same_statements_for_1_and_10(
    client: httpx.AsyncClient, api: Api, app: Litestar, statements: StatementCounter, caller_clock: CallerClock
) -> None:
    small, large = await api.student(), await api.student()
    await _fill(app, client, small, 1)
    await _fill(app, client, large, 9)  # 9 reference skills; 5 statuses
    # One more community and event for the large one: 10 of each.
    community = await _community(app, "C-extra")
    await _add(app, Membership(user_id=_uid(large), community_id=community))
    event = await _event(app, community, "E-extra", datetime.now(UTC) + timedelta(days=30), [])
    await _add(app, EventParticipant(user_id=_uid(large), content_id=event))

    caller_clock.expire()
    with statements:
        one = await _me(client, small)
    small_count = statements.count
    with statements:
        many = await _me(client, large)
    assert (len(one["skills"]), len(one["communities"]), len(one["joined_events"])) == (1, 1, 1)
    assert (len(many["skills"]), len(many["communities"]), len(many["joined_events"])) == (9, 10, 10)
    assert statements.count == small_count
    # The caller's user row, then the profile with its four lists.
    assert small_count == statements.expected(postgresql=2, sqlite=7), statements.statements
    # Read again within the second: the caller's account as the guard read it then, the profile alone.
    with statements:
        assert await _me(client, small) == one
    assert statements.count == small_count - 1, statements.statements


async def test_deleted_user_token_is_refused(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token = await api.student()
    async with app.state.db_config.get_session() as session:
        await session.execute(delete(User).where(User.id == _uid(token)))
        await session.commit()
    response = await client.get("/profiles/me", headers=bearer(token))
    assert (response.status_code, response.json()) == (401, {"detail": "User not found"})


async def test_profile_rows_are_per_user(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    first, second = await api.student(), await api.student()
    skills, _ = await _reference(client)
    await _patch(client, first, {"full_name": "First", "skill_uids": [skills[0]["id"]]})
    other = await _me(client, second)
    assert (other["full_name"], other["skills"]) == ("", [])
    async with app.state.db_config.get_session() as session:
        rows = await session.scalar(select(func.count()).select_from(ProfileSkill))
    assert rows == 1
