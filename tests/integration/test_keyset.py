"""Keyset pages on the long lists (lib/pagination.py): `X-Next-Cursor` on a full page, `?cursor=` for the next one.

Rows are inserted with the models so that timestamps tie on purpose: the id must break them without loss.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import msgspec
import pytest
from litestar import Litestar

from tests.conftest import StatementCounter, make_settings
from tests.helpers import Api, bearer, claims, serve
from workcommunities.app import create_app
from workcommunities.db.models import Community, Content, EventParticipant, Membership
from workcommunities.lib.pagination import Cursor, encode_cursor

NEXT = "X-Next-Cursor"
BASE = datetime(2030, 1, 1, tzinfo=UTC)


async def add(app: Litestar, *rows: Any) -> None:
    async with app.state.db_config.get_session() as session:
        session.add_all(rows)
        await session.commit()


async def community(app: Litestar) -> UUID:
    row = Community(name="c", tags=[])
    await add(app, row)
    return row.id


def content(community_id: UUID, n: int, *, kind: str = "post", at: datetime) -> Content:
    """Row n of a list; rows share their timestamp in threes so that only the id orders them."""
    row = Content(id=UUID(int=1000 + n), community_id=community_id, type=kind, title=f"{kind} {n}", body="b", tags=[])
    if kind == "event":
        row.event_date = at
    else:
        row.created_at = at
    return row


async def walk(client: httpx.AsyncClient, path: str, limit: int, **kwargs: Any) -> list[list[str]]:
    """Every page of a list, following the cursors; checks the header is absent only on the last (short) page."""
    pages: list[list[str]] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        response = await client.get(path, params=params, **kwargs)
        assert response.status_code == 200, response.text
        pages.append([item["id"] for item in response.json()])
        if NEXT not in response.headers:
            assert len(pages[-1]) < limit
            return pages
        assert len(pages[-1]) == limit
        params = {"limit": limit, "cursor": response.headers[NEXT]}


async def test_feed_pages_by_cursor_without_gaps_or_repeats(client: httpx.AsyncClient, app: Litestar) -> None:
    community_id = await community(app)
    # 8 posts, created in groups of three per timestamp, ids not in time order.
    rows = [content(community_id, n, at=BASE - timedelta(minutes=n // 3)) for n in range(8)]
    await add(app, *rows)
    everything = [item["id"] for item in (await client.get("/content/posts", params={"limit": 100})).json()]
    expected = sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)
    assert everything == [row.id.hex for row in expected]

    pages = await walk(client, "/content/posts", 3)
    assert [len(page) for page in pages] == [3, 3, 2]
    assert [item for page in pages for item in page] == everything
    # A full last page still answers a cursor; the page after it is empty and has none.
    pages = await walk(client, "/content/posts", 4)
    assert [len(page) for page in pages] == [4, 4, 0]
    assert [item for page in pages for item in page] == everything


async def test_cursor_pages_are_stable_under_inserts(client: httpx.AsyncClient, app: Litestar) -> None:
    community_id = await community(app)
    await add(app, *(content(community_id, n, at=BASE - timedelta(minutes=n)) for n in range(6)))
    first = await client.get("/content/posts", params={"limit": 3})
    seen = [item["id"] for item in first.json()]
    # Two newer posts arrive between the pages.
    await add(app, *(content(community_id, n, at=BASE + timedelta(minutes=n)) for n in (10, 11)))

    by_offset = [item["id"] for item in (await client.get("/content/posts", params={"offset": 3, "limit": 3})).json()]
    assert set(by_offset) & set(seen)  # what offset pages do: the newcomers push old rows back onto the next page
    by_cursor = await client.get("/content/posts", params={"limit": 3, "cursor": first.headers[NEXT]})
    assert [item["id"] for item in by_cursor.json()] == [UUID(int=1000 + n).hex for n in (3, 4, 5)]
    assert NEXT in by_cursor.headers  # a full page: the next is empty
    last = await client.get("/content/posts", params={"limit": 3, "cursor": by_cursor.headers[NEXT]})
    assert (last.json(), NEXT in last.headers) == ([], False)


async def test_upcoming_events_page_by_cursor_soonest_first(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    community_id = await community(app)
    rows = [content(community_id, n, kind="event", at=BASE + timedelta(hours=n // 3)) for n in range(7)]
    past = content(community_id, 99, kind="event", at=datetime(2020, 1, 1, tzinfo=UTC))
    await add(app, *rows, past)
    expected = [row.id.hex for row in sorted(rows, key=lambda r: (r.event_date, r.id))]
    pages = await walk(client, "/events/upcoming", 2)
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert [item for page in pages for item in page] == expected
    # A cursor whose event has passed since reads on from now: past events stay out.
    stale = encode_cursor(Cursor("soonest", datetime(2019, 1, 1, tzinfo=UTC), UUID(int=0)))
    response = await client.get("/events/upcoming", params={"cursor": stale, "limit": 50})
    assert [item["id"] for item in response.json()] == expected

    student = await api.student()
    user_id = UUID(claims(student)["sub"])
    await add(app, *(EventParticipant(user_id=user_id, content_id=row.id) for row in rows[:5]))
    pages = await walk(client, "/events/my/upcoming", 2, headers=bearer(student))
    joined = [row.id.hex for row in sorted(rows[:5], key=lambda r: (r.event_date, r.id))]
    assert [item for page in pages for item in page] == joined


async def test_post_lists_page_by_cursor(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    mine, other = await community(app), await community(app)
    rows = [content(mine, n, at=BASE - timedelta(minutes=n // 2)) for n in range(5)]
    await add(app, *rows, content(other, 50, at=BASE))
    expected = [row.id.hex for row in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]
    student = await api.student()
    user_id = claims(student)["sub"]
    await add(app, Membership(user_id=UUID(user_id), community_id=mine))

    lists = {
        f"/communities/{mine.hex}/posts": {},
        "/content/me/posts/featured": {"headers": bearer(student)},
        "/content/me/posts/from-followed-communities": {"headers": bearer(student)},
        f"/content/users/{user_id}/posts/featured": {},
    }
    for path, kwargs in lists.items():
        pages = await walk(client, path, 2, **kwargs)
        assert [item for page in pages for item in page] == expected, path


async def test_bad_cursors_are_400(client: httpx.AsyncClient, app: Litestar) -> None:
    community_id = await community(app)
    await add(app, *(content(community_id, n, at=BASE) for n in range(3)))
    good = (await client.get("/content/posts", params={"limit": 1})).headers[NEXT]
    soonest = encode_cursor(Cursor("soonest", BASE, UUID(int=1)))
    for cursor in ("garbage!", "a", "AAAA", soonest, good[:-2]):
        response = await client.get("/content/posts", params={"cursor": cursor})
        assert (response.status_code, response.json()) == (400, {"detail": "Invalid cursor"}), cursor
    # A feed cursor means nothing on the events list either.
    response = await client.get("/events/upcoming", params={"cursor": good})
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid cursor"})
    response = await client.get("/content/posts", params={"cursor": good, "offset": 1})
    assert (response.status_code, response.json()) == (400, {"detail": "Use offset or cursor, not both"})
    response = await client.get("/content/posts", params={"cursor": "A" * 201})
    assert response.status_code == 422
    assert response.json()["detail"]
    # Lists that are not keyset ignore the parameter like any unknown one.
    assert (await client.get("/communities/", params={"cursor": "garbage!"})).status_code == 200


@pytest.mark.parametrize(
    ("order", "at"),
    [
        ("newest", "2024-01-01T00:00:00"),  # no zone
        ("newest", "9999-12-31T23:59:59-14:00"),  # past the calendar in UTC
        ("soonest", "0001-01-01T00:00:00+14:00"),  # before it
    ],
)
async def test_crafted_cursor_times_are_400(client: httpx.AsyncClient, order: str, at: str) -> None:
    """A cursor decodes to any time msgspec can read; only one this app could have made reaches the query."""
    crafted = base64.urlsafe_b64encode(msgspec.msgpack.encode([order, at, str(UUID(int=1))])).decode().rstrip("=")
    path = "/content/posts" if order == "newest" else "/events/upcoming"
    response = await client.get(path, params={"cursor": crafted})
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid cursor"})


async def test_a_cursor_page_costs_what_the_first_page_costs(
    client: httpx.AsyncClient, app: Litestar, statements: StatementCounter
) -> None:
    community_id = await community(app)
    await add(app, *(content(community_id, n, at=BASE - timedelta(minutes=n)) for n in range(6)))
    with statements:
        first = await client.get("/content/posts", params={"limit": 3})
    at_start = statements.count
    with statements:
        second = await client.get("/content/posts", params={"limit": 3, "cursor": first.headers[NEXT]})
    assert len(second.json()) == 3
    assert statements.count == at_start


async def test_openapi_documents_the_cursor(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    keyset = [
        "/content/posts",
        "/content/me/posts/featured",
        "/content/me/posts/from-followed-communities",
        "/content/users/{user_id}/posts/featured",
        "/communities/{community_id}/posts",
        "/events/upcoming",
        "/events/my/upcoming",
    ]
    for path in keyset:
        operation = paths[path]["get"]
        assert "cursor" in {parameter["name"] for parameter in operation["parameters"]}, path
        assert NEXT in operation["responses"]["200"]["headers"], path
    stories = paths["/content/me/stories/from-followed-companies"]["get"]
    assert "cursor" not in {parameter["name"] for parameter in stories["parameters"]}


async def test_browsers_may_read_the_cursor_header(
    client: httpx.AsyncClient, app: Litestar, database_url: str, tmp_path: Path
) -> None:
    community_id = await community(app)
    await add(app, *(content(community_id, n, at=BASE) for n in range(2)))
    origin = "https://app.example"
    async with serve(create_app(make_settings(tmp_path, database_url, cors_origins=(origin,)))) as browser:
        response = await browser.get("/content/posts", params={"limit": 1}, headers={"Origin": origin})
    assert response.headers["access-control-allow-origin"] == origin
    assert NEXT.lower() in response.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize("limit", [1, 5])
async def test_offset_pages_still_answer_the_shipped_app(client: httpx.AsyncClient, app: Litestar, limit: int) -> None:
    """The old contract's offset pages are untouched: same rows in the same order as the cursor walk."""
    community_id = await community(app)
    await add(app, *(content(community_id, n, at=BASE - timedelta(minutes=n)) for n in range(5)))
    by_offset = []
    for offset in range(0, 5, limit):
        response = await client.get("/content/posts", params={"offset": offset, "limit": limit})
        by_offset += [item["id"] for item in response.json()]
    by_cursor = [item for page in await walk(client, "/content/posts", limit) for item in page]
    assert by_offset == by_cursor == [UUID(int=1000 + n).hex for n in range(5)]
