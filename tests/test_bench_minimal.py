"""The benchmark's minimal app (bench/minimal.py) answers the same bytes as the real app for the same pages.

Both serve one fresh PostgreSQL database over real HTTP on loopback. The data is chosen so that a difference would
show: posts and events, media and skills whose `position` order is neither insertion nor id order, an event's legacy
media that is also attached (listed once), an archived community, ids tied on `created_at`, texts that need JSON
escaping, and a row with every nullable column NULL (JSON `null` tags).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bench import minimal
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import make_settings
from tests.helpers import bearer, serve
from workcommunities.app import create_app
from workcommunities.db.models import (
    Community,
    Company,
    Content,
    ContentMedia,
    ContentSkill,
    Media,
    Membership,
    Skill,
    Sphere,
    User,
    metadata,
)
from workcommunities.domain.reference.services import ReferenceService
from workcommunities.lib.security import issue_token
from workcommunities.settings import Settings

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TRICKY = 'a "quoted" \\ back/slash\nnew line\ttab \x01 é 😀 </script>'


@dataclass
class Served:
    real: httpx.AsyncClient
    minimal: httpx.AsyncClient
    member_token: str  # a student in two live communities and an archived one
    loner_token: str  # a student in no community


async def load(session: AsyncSession, settings: Settings) -> tuple[str, str]:
    """The data set; returns the tokens of a member and of a student in no community."""
    skills = list(
        (await session.scalars(select(Skill).join(Sphere).order_by(Sphere.position.desc(), Skill.title))).all()
    )
    company = Company(name="Acme", description=None)
    session.add(company)
    await session.flush()
    live_a = Community(company_id=company.id, name="A", tags=[])
    live_b = Community(company_id=None, name="B", tags=[])
    other = Community(company_id=company.id, name="C", tags=[])
    archived = Community(company_id=company.id, name="Archived", tags=[], is_archived=True)
    session.add_all([live_a, live_b, other, archived])
    media = [
        Media(kind=kind, mime=mime, ext=ext, size=1000 + n, storage_key=f"k{n}", checksum="0" * 64)
        for n, (kind, mime, ext) in enumerate(
            [("image", "image/png", "png"), ("image", "image/jpeg", "jpg"), ("video", "video/mp4", "mp4")] * 2
            + [("other", "application/octet-stream", "")]
        )
    ]
    session.add_all(media)
    await session.flush()

    communities = [live_a, live_b, archived, other]
    rows: list[Content] = []
    for n in range(34):
        event = n % 3 == 1
        # Rows 12 and 13 (two live communities) share created_at: the id decides their order.
        minute = 12 if n == 13 else n
        created = T0 + timedelta(minutes=minute, microseconds=(minute * 137_911) % 1_000_000)
        row = Content(
            community_id=communities[n % 4].id,
            type="event" if event else "post",
            title=TRICKY if n % 7 == 0 else f"Item {n}",
            body=None if n % 5 == 0 else f"Body {n}",
            tags=[["go", "b,c", TRICKY, 'x", "y\\'], [], ["ünïcode", "x"]][n % 3],
            cost=n * 100 if n % 2 else None,
            participant_payout=n * 7 if n % 3 else None,
            event_date=(T0 + timedelta(days=n, microseconds=0 if n % 2 else 250_000)) if event else None,
            city="Moscow" if event else None,
            description=(None if n % 3 == 0 else f"Event {n} {TRICKY}") if event else None,
            # An event's legacy media: row 4 has it attached too (shown once), row 7 has it alone.
            media_id=media[6].id if n in (4, 7) else None,
            created_at=created,
            updated_at=created,
        )
        rows.append(row)
    # The null-heavy old-style row: every nullable column NULL and JSON null tags, in a live community.
    nulls = Content(
        community_id=live_a.id,
        type="post",
        title="Old",
        body=None,
        tags=None,
        cost=None,
        participant_payout=None,
        created_at=T0 + timedelta(minutes=20, seconds=30),
        updated_at=T0,
    )
    rows.append(nulls)
    session.add_all(rows)
    await session.flush()

    for n, row in enumerate(rows[:34]):
        if n % 3 == 0 or n == 4:
            # Positions out of insertion order and out of id order.
            picks = [(media[(n + 2) % 6], 2), (media[n % 6], 0), (media[(n + 4) % 6], 1)]
            if n == 4:
                picks.append((media[6], 3))
            session.add_all(ContentMedia(content_id=row.id, media_id=m.id, position=p) for m, p in picks)
        if n % 2 == 0:
            chosen = [skills[(n + k * 3) % len(skills)] for k in range(3)]
            session.add_all(
                ContentSkill(content_id=row.id, skill_id=s.id, position=p)
                for s, p in zip(chosen, (1, 2, 0), strict=True)
            )

    member = User(role="student", phone="+79990000001")
    loner = User(role="student", phone="+79990000002")
    session.add_all([member, loner])
    await session.flush()
    session.add_all(Membership(user_id=member.id, community_id=c.id) for c in (live_a, archived, other))
    await session.commit()
    return issue_token(settings, member), issue_token(settings, loner)


@pytest.fixture(scope="module")
def pg_database(make_pg_database: Callable[[], str]) -> str:
    return make_pg_database()  # outside the event loop: it runs one of its own


@pytest.fixture(scope="module")
async def served(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    settings = make_settings(tmp_path_factory.mktemp("bench-minimal"), pg_database)
    real_app = create_app(settings)
    engine = real_app.state.db_config.get_engine()
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with real_app.state.db_config.get_session() as session:
        await ReferenceService(session).seed()
        await session.commit()
        member_token, loner_token = await load(session, settings)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", settings.database_url)
        env.setenv("JWT_SECRET", settings.jwt_secret)
        async with serve(real_app) as real, serve(minimal.app) as fast:
            yield Served(real, fast, member_token, loner_token)
    await engine.dispose()


async def same(served: Served, path: str, headers: dict[str, str] | None = None) -> Any:
    """GET `path` from both apps: the same status, content type and bytes; returns the parsed body."""
    real = await served.real.get(path, headers=headers)
    fast = await served.minimal.get(path, headers=headers)
    assert fast.status_code == real.status_code == 200, (real.text, fast.text)
    assert fast.headers["content-type"] == real.headers["content-type"]
    assert fast.json() == real.json()
    assert fast.content == real.content
    return real.json()


async def test_feed_pages_are_byte_identical(served: Served) -> None:
    first = await same(served, "/content/posts")
    assert len(first) == 20
    # The page exercises what could differ: both kinds, ordered media and skills, a legacy media, the null row.
    assert {item["type"] for item in first} == {"post", "event"}
    assert any(len(item["media"]) >= 3 for item in first)
    assert any(len(item["skills"]) == 3 for item in first)
    assert any(item["event_date"] and "." in item["event_date"] for item in first)
    assert any(item["title"] == "Old" and item["tags"] == [] and item["cost"] == 0 for item in first)

    everything = await same(served, "/content/posts?limit=100")  # every live row
    assert len(everything) == 35 - 8  # 8 of the 35 rows are in the archived community
    assert everything[:20] == first
    assert await same(served, "/content/posts?offset=7") == everything[7:27]
    assert await same(served, "/content/posts?limit=5") == everything[:5]
    assert await same(served, "/content/posts?limit=5&offset=23") == everything[23:28]
    assert await same(served, "/content/posts/?offset=3&limit=2") == everything[3:5]
    assert await same(served, "/content/posts?offset=500") == []
    # A page boundary between the two rows tied on created_at: only the id decides which comes first.
    tied = [n for n, item in enumerate(everything) if item["title"] in ("Item 12", "Item 13")]
    assert len(tied) == 2 and tied[1] == tied[0] + 1
    for n in tied:
        assert await same(served, f"/content/posts?offset={n}&limit=1") == everything[n : n + 1]


async def test_followed_communities_feed_is_byte_identical(served: Served) -> None:
    path = "/content/me/posts/from-followed-communities"
    member = bearer(served.member_token)
    posts = await same(served, path, member)
    assert posts and all(set(post) >= {"id", "media", "skills"} and "type" not in post for post in posts)
    assert await same(served, f"{path}?limit=3&offset=2", member) == posts[2:5]
    assert await same(served, f"{path}?limit=100", member) == posts[:100]
    assert await same(served, path, bearer(served.loner_token)) == []


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}])
async def test_followed_communities_feed_needs_a_token(served: Served, headers: dict[str, str]) -> None:
    path = "/content/me/posts/from-followed-communities"
    real = await served.real.get(path, headers=headers)
    fast = await served.minimal.get(path, headers=headers)
    assert fast.status_code == real.status_code == 401
    assert fast.json() == real.json()


async def test_anything_else_is_404(served: Served) -> None:
    real = await served.real.get("/nothing-here")
    assert real.status_code == 404
    for response in (
        await served.minimal.get("/nothing-here"),
        await served.minimal.get("/content/posts/0123456789abcdef0123456789abcdef"),
        await served.minimal.post("/content/posts"),
    ):
        assert response.status_code == 404
        assert response.json() == real.json()


def test_reads_either_url_spelling() -> None:
    assert minimal.dsn("postgresql+asyncpg://u@h:5432/d") == "postgresql://u@h:5432/d"
    assert minimal.dsn("postgresql://u@h/d") == "postgresql://u@h/d"
