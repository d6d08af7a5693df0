"""An index behind every list order: each list's statement, as the app runs it, is planned on PostgreSQL with
sequential scans and sorts priced out, and its plan must read the rows in order from the named index (no Sort node).

A list whose order no index serves would show a Sort here, whatever the table's size; the test fails the day an
order changes without its index, or an index is dropped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select

from tests.conftest import StatementCounter, make_settings
from tests.helpers import Api, bearer, claims, serve
from workcommunities.app import create_app
from workcommunities.db.models import Case, Community, Content, ContentType, EventParticipant, Membership, metadata


@dataclass
class Served:
    app: Litestar
    client: httpx.AsyncClient
    community: str  # a community of the company with content, a case and a member
    event: str  # an event of it that the member joined
    company: str  # the company's token


@pytest.fixture
def pg_database(make_pg_database: Callable[[], str]) -> str:
    return make_pg_database()


@pytest.fixture
async def served(pg_database: str, tmp_path: Path) -> AsyncIterator[Served]:
    """The app on a PostgreSQL database of its own (the plans are PostgreSQL's), with a little of every list."""
    app = create_app(make_settings(tmp_path, pg_database))
    async with app.state.db_config.get_engine().begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with serve(app) as client:
        api = Api(client)
        company_token, student_token = await api.company(), await api.student()
        company = (await client.get("/companies/me", headers=bearer(company_token))).json()
        community, event = await _fill(app, UUID(company["id"]), UUID(claims(student_token)["sub"]))
        yield Served(app, client, community, event, company_token)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def _plan(app: Litestar, statement: str, parameters: Any) -> list[dict[str, Any]]:
    async with app.state.db_config.get_engine().connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        async with raw.transaction():
            # Sequential scans and sorts priced out: where an index serves the order, the plan uses it.
            await raw.execute("SET LOCAL enable_seqscan = off")
            await raw.execute("SET LOCAL enable_sort = off")
            # The engine's connections decode JSON already (its json codec).
            [document] = await raw.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *(parameters or ()))
    return list(_nodes(document["Plan"]))


async def _fill(app: Litestar, company_id: UUID, member: UUID) -> tuple[str, str]:
    now = datetime.now(UTC)
    async with app.state.db_config.get_session() as session:
        community = Community(name="Indexed", company_id=company_id)
        session.add(community)
        await session.flush()
        session.add(Membership(user_id=member, community_id=community.id))
        session.add(Case(community_id=community.id, title="Case", date=now))
        for index in range(30):
            kind = ContentType.event if index % 3 == 0 else ContentType.post
            session.add(
                Content(
                    community_id=community.id,
                    type=kind,
                    title=f"Item {index}",
                    event_date=now + timedelta(days=index + 1) if kind == ContentType.event else None,
                    tags=[],
                )
            )
        await session.flush()
        event = (await session.scalars(select(Content.id).where(Content.type == ContentType.event))).first()
        assert event is not None
        session.add(EventParticipant(user_id=member, content_id=event))
        await session.commit()
        return community.id.hex, event.hex


LISTS = [
    # (path, who reads it, the index whose order it follows)
    ("/content/posts", None, "ix_content_feed"),
    ("/communities/{community}/posts", None, "ix_content_community"),
    ("/communities/{community}/posts", "company", "ix_content_community"),  # with its hidden posts
    ("/events/upcoming", None, "ix_content_events"),
    ("/communities/", None, "ix_community_listing"),
    ("/companies/", None, "ix_company_name"),
    ("/communities/{community}/members", None, "ix_membership_community"),
    ("/communities/{community}", None, "ix_community_case_order"),
    ("/users/", "admin", "ix_user_account_created"),
    ("/events/{event}/participants", "company", "ix_event_participant_order"),
    ("/admin/reports", "admin", "ix_moderation_case_queue"),
    ("/admin/reports?status=resolved", "admin", "ix_moderation_case_resolved"),
]


@pytest.mark.parametrize(("path", "reader", "index"), LISTS)
async def test_each_list_reads_in_index_order(served: Served, path: str, reader: str | None, index: str) -> None:
    tokens = {"admin": await Api(served.client).admin(), "company": served.company} if reader else {}
    headers = bearer(tokens[reader]) if reader else {}
    url = path.format(community=served.community, event=served.event)
    with StatementCounter(served.app.state.db_config.get_engine()) as seen:
        response = await served.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    # The list's statement: the last with a LIMIT (a token's user lookup or an existence check has none; the
    # caller's company, looked up before, has one).
    statement, parameters = [(s, p) for s, p in zip(seen.statements, seen.parameters, strict=True) if " LIMIT " in s][
        -1
    ]
    nodes = await _plan(served.app, statement, parameters)
    assert not [node for node in nodes if "Sort" in node["Node Type"]], (url, [n["Node Type"] for n in nodes])
    assert index in {node.get("Index Name") for node in nodes}, (url, [n.get("Index Name") for n in nodes])


async def test_cursor_pages_read_in_index_order(served: Served) -> None:
    cursor = (await served.client.get("/content/posts?limit=5")).headers["x-next-cursor"]
    with StatementCounter(served.app.state.db_config.get_engine()) as seen:
        response = await served.client.get(f"/content/posts?limit=5&cursor={cursor}")
    assert response.status_code == 200, response.text
    [statement], [parameters] = seen.statements, seen.parameters
    nodes = await _plan(served.app, statement, parameters)
    assert not [node for node in nodes if "Sort" in node["Node Type"]]
    assert "ix_content_feed" in {node.get("Index Name") for node in nodes}
