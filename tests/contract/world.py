"""One small but complete data set, built only through the API, for the contract tests.

- a company ("Acme") with a logo, two skills and a two-picture gallery;
- its community "Robotics" with tags, a logo, a case, and every user as a member; a second community "Zeta Lab" that
  nobody joins (so `/communities/joinable` has something to show);
- a post with a picture and a skill, an upcoming event with a picture and skills, a story with a picture;
- a student, the company's user and an admin, each with a full profile (skills, statuses, avatar), a member of
  "Robotics", a participant of the event and a follower of the company.

Every list a response can carry is therefore non-empty for every role, which lets the shape checks demand it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.contract import wire
from tests.helpers import Api, bearer, claims, new_phone, payload, upload

ROLES = ("anonymous", "student", "company", "admin")
SIGNED_IN = ("student", "company", "admin")
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password"


def soon(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def ok(response: httpx.Response, spec: wire.Spec | None = None, status: int = 200) -> Any:
    """The body of a successful answer, checked against its shape when one is given."""
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    if status == 204:
        return None
    body = response.json()
    if spec is not None:
        problems = wire.validate(body, spec)
        assert problems == [], f"{response.request.method} {response.request.url}: {problems}"
    return body


@dataclass
class World:
    client: httpx.AsyncClient
    tokens: dict[str, str | None] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    company_id: str = ""
    community_id: str = ""
    other_community_id: str = ""
    case_id: str = ""
    post_id: str = ""
    event_id: str = ""
    story_id: str = ""
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    skill_ids: list[str] = field(default_factory=list)
    status_ids: list[str] = field(default_factory=list)

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens[role]
        return bearer(token) if token else {}

    async def upload(self, role: str, name: str) -> dict[str, Any]:
        token = self.tokens[role]
        assert token
        media = ok(await upload(self.client, token, payload(256)), wire.MEDIA)
        self.media[name] = media
        return dict(media)


async def build_world(client: httpx.AsyncClient) -> World:
    api = Api(client)
    world = World(client)
    world.tokens["anonymous"] = None
    world.tokens["admin"] = await api.admin(ADMIN_EMAIL, ADMIN_PASSWORD)
    for role in ("company", "student"):
        world.phones[role] = new_phone()
    world.tokens["company"] = await api.company(world.phones["company"])
    world.tokens["student"] = await api.student(world.phones["student"])
    for role in SIGNED_IN:
        token = world.tokens[role]
        assert token
        world.user_ids[role] = claims(token)["sub"]
    company_token = world.tokens["company"]
    assert company_token
    world.company_id = claims(company_token)["company_id"]
    company = world.headers("company")

    skills = ok(await client.get("/reference/skills"), wire.ListOf(wire.SKILL))
    statuses = ok(await client.get("/reference/statuses"), wire.ListOf(wire.STATUS))
    world.skill_ids = [skill["id"] for skill in skills[:3]]
    world.status_ids = [status["id"] for status in statuses[:2]]
    for name in ("company_logo", "gallery_1", "gallery_2", "community_logo", "post_image", "event_image", "story"):
        await world.upload("company", name)

    ok(
        await client.patch(
            "/companies/me",
            json={
                "name": "Acme",
                "description": "Robots for everyone",
                "logo_media_id": world.media["company_logo"]["id"],
                "tags": world.skill_ids[:2],
                "media_uids": [world.media["gallery_1"]["id"], world.media["gallery_2"]["id"]],
            },
            headers=company,
        ),
        wire.COMPANY,
    )
    community = ok(
        await client.post(
            "/communities/",
            json={
                "name": "Robotics",
                "tags": ["ai", "ml"],
                "description": "We build robots",
                "telegram_url": "https://t.me/robotics",
                "logo_media_id": world.media["community_logo"]["id"],
            },
            headers=company,
        ),
        wire.COMMUNITY,
    )
    world.community_id = community["id"]
    other = ok(
        await client.post("/communities/", json={"name": "Zeta Lab", "tags": ["bio"]}, headers=company),
        wire.COMMUNITY,
    )
    world.other_community_id = other["id"]
    case = ok(
        await client.post(
            f"/communities/{world.community_id}/cases",
            json={"title": "Line follower", "description": "Follow the line", "date": soon(10), "solutions_count": 2},
            headers=company,
        ),
        wire.CASE,
    )
    world.case_id = case["id"]
    post = ok(
        await client.post(
            "/content/posts",
            json={
                "community_id": world.community_id,
                "title": "Hello",
                "body": "Our first post",
                "media_uids": [world.media["post_image"]["id"]],
                "tags": ["news"],
                "skill_ids": world.skill_ids[:1],
                "cost": 100,
                "participant_payout": 50,
            },
            headers=company,
        ),
        wire.POST,
    )
    world.post_id = post["id"]
    event = ok(
        await client.post(
            "/events/",
            json={
                "community_id": world.community_id,
                "title": "Hackathon",
                "event_date": soon(30),
                "city": "Moscow",
                "location": "Main hall",
                "description": "Two days of robots",
                "registration": "https://example.com/register",
                "format": "offline",
                "media_id": world.media["event_image"]["id"],
                "tags": ["hackathon"],
                "skill_ids": world.skill_ids[1:3],
                "cost": 0,
                "participant_payout": 1000,
            },
            headers=company,
        ),
        wire.EVENT,
    )
    world.event_id = event["id"]
    story = ok(
        await client.post(
            "/content/stories",
            json={
                "company_id": world.company_id,
                "title": "Behind the scenes",
                "media_uid": world.media["story"]["id"],
            },
            headers=company,
        ),
        wire.STORY,
    )
    world.story_id = story["id"]

    for role in SIGNED_IN:
        avatar = await world.upload(role, f"avatar_{role}")
        headers = world.headers(role)
        profile = {
            "full_name": f"The {role}",
            "portfolio_url": f"https://example.com/{role}",
            "description": f"A {role} who likes robots",
            "skill_uids": world.skill_ids,
            "status_uids": world.status_ids,
            "avatar_media_id": avatar["id"],
        }
        ok(await client.patch("/profiles/me", json=profile, headers=headers), wire.PROFILE)
        ok(await client.post(f"/communities/{world.community_id}/follow", headers=headers), wire.STATUS_OK)
        ok(await client.post(f"/events/{world.event_id}/join", headers=headers), wire.STATUS_OK)
        ok(await client.post(f"/companies/{world.company_id}/follow", headers=headers), wire.STATUS_OK)
    return world
