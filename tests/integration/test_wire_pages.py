"""Pages that PostgreSQL writes for the wire (`lib.aggregate.wire_list`: the feed, community posts, the personal
feed, upcoming events, the communities list, the search) are byte for byte what msgspec writes for their Structs:
compact, keys in field order, ids as hex, times in UTC with `Z` (microseconds only when there are any), the non-null
rule. On SQLite the same pages are Structs encoded by msgspec, so the check holds there by construction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import msgspec
from litestar import Litestar
from sqlalchemy import select, update

from tests.helpers import DEV_CODE, bearer
from workcommunities.db.models import Community, Content, ContentType
from workcommunities.demo import STUDENT_PHONE, DemoSize, seed_demo
from workcommunities.domain.communities.schemas import CommunityOut
from workcommunities.domain.content.schemas import ContentItemOut, PostOut
from workcommunities.domain.events.schemas import EventOut
from workcommunities.domain.search.schemas import SearchOut

# What JSON must escape (quotes, backslashes, control characters) and what it must not (non-ASCII), and in the tags
# the separator that their JSON text has between elements (PostgreSQL writes '", "'), also at the end of a tag.
AWKWARD = 'a "quote", a \\ backslash\nline\ttab\x01\x1f\x7f \u2028 кейс 🚀 ", "'
TAGS = ['", "', 'x", ', "ends with \\", '"', "", "тег"]


@contextmanager
def _quiet(label: str, total: int) -> Iterator[Any]:
    yield SimpleNamespace(update=lambda _: None)


async def _seed(app: Litestar) -> tuple[str, list[datetime]]:
    """A small demo, one event moved to a time with microseconds and one to a whole second, and every post's text
    and tags made awkward to escape; a community's id and those two times."""
    size = DemoSize(companies=2, communities=3, posts=6, events=4, students=2)
    async with app.state.db_config.get_session() as session:
        assert await seed_demo(session, app.state.settings, app.state.media_storage, size, _quiet)
        events = list(await session.scalars(select(Content.id).where(Content.type == ContentType.event)))
        soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        times = {events[0]: soon + timedelta(microseconds=120_000), events[1]: soon + timedelta(hours=1)}
        for event_id, at in times.items():
            await session.execute(update(Content).where(Content.id == event_id).values(event_date=at))
        await session.execute(
            update(Content).where(Content.type == ContentType.post).values(title=AWKWARD, body=AWKWARD, tags=TAGS)
        )
        await session.execute(update(Community).values(description=AWKWARD))
        community_id = await session.scalar(select(Community.id).where(Community.is_archived.is_(False)).limit(1))
        await session.commit()
    assert community_id is not None
    return community_id.hex, list(times.values())


async def test_pages_are_what_msgspec_writes(app: Litestar, client: httpx.AsyncClient) -> None:
    community_id, (fraction, whole) = await _seed(app)
    verify = {"phone": STUDENT_PHONE.format(1), "code": DEV_CODE}
    assert (await client.post("/auth/otp/request", json={"phone": verify["phone"]})).status_code == 204
    student = bearer((await client.post("/auth/otp/verify", json=verify)).json()["access_token"])
    pages: list[tuple[str, Any, dict[str, str]]] = [
        ("/content/posts?limit=100", ContentItemOut, {}),
        ("/content/posts?offset=2&limit=3", ContentItemOut, {}),
        (f"/communities/{community_id}/posts", PostOut, {}),
        ("/content/me/posts/from-followed-communities", PostOut, student),
        ("/events/upcoming", EventOut, {}),
        ("/communities/", CommunityOut, {}),
    ]
    for url, out, headers in pages:
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text)
        items = msgspec.json.decode(response.content, type=list[out])  # type: ignore[valid-type]
        assert items, url
        assert response.content == msgspec.json.encode(items), url
    # The search's answer is an object of such lists, written whole by PostgreSQL.
    for url, headers in (("/search?q=кейс", {}), ("/search?q=кейс&types=events,posts", student)):
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text)
        found = msgspec.json.decode(response.content, type=SearchOut)
        assert found.posts and (found.communities or "types" in url), url
        assert response.content == msgspec.json.encode(found), url
    upcoming = (await client.get("/events/upcoming")).json()
    dates = {event["event_date"] for event in upcoming}
    assert fraction.strftime("%Y-%m-%dT%H:%M:%S.120000Z") in dates
    assert whole.strftime("%Y-%m-%dT%H:%M:%SZ") in dates
