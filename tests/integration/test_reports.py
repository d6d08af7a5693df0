"""Reporting content (`POST /reports`): once per reporter and target, any kind of target, rate-limited per user."""

from __future__ import annotations

import asyncio
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select

from tests.helpers import Api, bearer, claims
from tests.integration.test_events import _rows, company_with_community, create_event, make_post
from workcommunities.db.models import Report
from workcommunities.domain.reports.services import REPORTS_PER_HOUR

REPORT_KEYS = {"id", "target_type", "target_id", "reason", "comment", "status", "created_at", "updated_at"}


async def report(
    client: httpx.AsyncClient, token: str, target_type: str, target_id: str, **body: str
) -> httpx.Response:
    return await client.post(
        "/reports",
        json={"target_type": target_type, "target_id": target_id, "reason": "spam", **body},
        headers=bearer(token),
    )


async def test_every_kind_of_target_is_reported_once_per_user(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id)
    post_id = await make_post(app, community_id)
    targets = {
        "post": post_id,
        "event": event["id"],
        "community": community_id,
        "company": claims(company)["company_id"],
    }
    student = await api.student()
    for kind, target in targets.items():
        response = await report(client, student, kind, target, comment="  see  ")
        assert response.status_code == 200, response.text
        answer = response.json()
        assert set(answer) == REPORT_KEYS
        assert (answer["target_type"], answer["target_id"], answer["comment"], answer["status"]) == (
            kind,
            target,
            "see",
            "open",
        )
    # Again: the same report, updated.
    first = (await report(client, student, "post", post_id)).json()
    again = (await report(client, student, "post", post_id, reason="abuse")).json()
    assert (again["id"], again["reason"], again["comment"]) == (first["id"], "abuse", "")
    # Concurrent repeats make one report too.
    other = await api.student()
    answers = await asyncio.gather(*(report(client, other, "event", event["id"]) for _ in range(6)))
    assert {a.status_code for a in answers} == {200} and len({a.json()["id"] for a in answers}) == 1
    [(count,)] = await _rows(app, select(func.count()).select_from(Report))
    assert count == 5


@pytest.mark.parametrize(
    "body",
    [
        {"target_type": "user", "target_id": "0" * 32, "reason": "spam"},
        {"target_type": "post", "target_id": "0" * 32, "reason": "boring"},
        {"target_type": "post", "reason": "spam"},
        {"target_type": "post", "target_id": "0" * 32, "reason": "spam", "comment": "x" * 2001},
    ],
)
async def test_bad_reports_are_refused(client: httpx.AsyncClient, api: Api, body: dict[str, str]) -> None:
    response = await client.post("/reports", json=body, headers=bearer(await api.student()))
    assert response.status_code == 422 and "detail" in response.json()


async def test_unknown_targets_and_anonymous_callers(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    student = await api.student()
    _, community_id = await company_with_community(api, app)
    for kind, target in (("post", "0" * 32), ("post", "nonsense"), ("event", community_id), ("story", community_id)):
        assert (await report(client, student, kind, target)).status_code == 404, (kind, target)
    assert (await client.post("/reports", json={})).status_code == 401


async def test_reporting_is_rate_limited_per_user(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    student, other = await api.student(), await api.student()
    _, community_id = await company_with_community(api, app)
    posts = [await make_post(app, community_id) for _ in range(REPORTS_PER_HOUR + 1)]
    for post_id in posts[:REPORTS_PER_HOUR]:
        assert (await report(client, student, "post", post_id)).status_code == 200
    refused = await report(client, student, "post", posts[-1])
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert (await report(client, other, "post", posts[-1])).status_code == 200  # per user
    rows = await _rows(app, select(Report.reporter_id).where(Report.reporter_id == UUID(claims(student)["sub"])))
    assert len(rows) == REPORTS_PER_HOUR


async def test_reports_sent_at_once_stay_within_the_limit(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    student = await api.student()
    _, community_id = await company_with_community(api, app)
    posts = [await make_post(app, community_id) for _ in range(REPORTS_PER_HOUR + 10)]
    answers = await asyncio.gather(*(report(client, student, "post", post_id) for post_id in posts))
    assert sorted(a.status_code for a in answers) == [200] * REPORTS_PER_HOUR + [429] * 10
    rows = await _rows(app, select(Report.id).where(Report.reporter_id == UUID(claims(student)["sub"])))
    assert len(rows) == REPORTS_PER_HOUR
    # The reports show in the reporter's data export.
    exported = (await client.get("/profiles/me/export", headers=bearer(student))).json()
    assert sorted(r["target_id"] for r in exported["reports"]) == sorted(
        a.json()["target_id"] for a in answers if a.status_code == 200
    )
