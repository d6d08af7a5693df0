"""Odd input found by fuzzing: every case is a clear 4xx, never a 500, on both databases."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar

from tests.helpers import Api, bearer


async def _company_with_community(client: httpx.AsyncClient, api: Api) -> tuple[dict[str, str], str]:
    headers = bearer(await api.company())
    response = await client.post("/communities/", json={"name": "Odd input"}, headers=headers)
    assert response.status_code == 200, response.text
    return headers, response.json()["id"]


@pytest.mark.parametrize("path", ["/content/posts", "/communities/", "/companies/", "/events/upcoming"])
@pytest.mark.parametrize("offset", ["9223372036854775808", "1e30", "-1"])
async def test_huge_or_odd_offsets_are_422(client: httpx.AsyncClient, path: str, offset: str) -> None:
    response = await client.get(path, params={"offset": offset})
    assert response.status_code == 422


async def test_over_long_text_is_422(client: httpx.AsyncClient, api: Api) -> None:
    headers, community_id = await _company_with_community(client, api)
    too_long = "x" * 201
    cases = [
        ("post", "/communities/", {"name": too_long}),
        ("patch", f"/communities/{community_id}", {"telegram_url": "x" * 501}),
        ("patch", "/companies/me", {"name": too_long}),
        ("post", f"/communities/{community_id}/cases", {"title": "x" * 301, "date": "2030-01-01T00:00:00Z"}),
        ("post", "/content/posts", {"community_id": community_id, "title": "x" * 301, "body": ""}),
    ]
    for method, path, body in cases:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
    signup = {"email": "a" * 320 + "@example.com", "password": "long-enough", "name": "Acme"}
    assert (await client.post("/auth/company/signup", json=signup)).status_code == 422


async def test_out_of_range_numbers_and_dates_are_422(client: httpx.AsyncClient, api: Api) -> None:
    headers, community_id = await _company_with_community(client, api)
    path = f"/communities/{community_id}/cases"
    for body in (
        {"title": "t", "date": "2030-01-01T00:00:00Z", "solutions_count": 2**31},
        {"title": "t", "date": "2030-01-01T00:00:00Z", "solutions_count": 2**63},
        {"title": "t", "date": "9999-12-31T23:59:59-05:00"},
        {"title": "t", "date": "0001-01-01T00:00:00+05:00"},
    ):
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
    event = {"community_id": community_id, "title": "t", "event_date": "2030-01-01T00:00:00Z", "cost": -1}
    assert (await client.post("/events/", json=event, headers=headers)).status_code == 422


async def test_huge_id_lists_are_422(client: httpx.AsyncClient, api: Api) -> None:
    headers, community_id = await _company_with_community(client, api)
    ids = [f"{i:032x}" for i in range(40_000)]
    body = {"community_id": community_id, "title": "t", "body": "", "media_uids": ids}
    assert (await client.post("/content/posts", json=body, headers=headers)).status_code == 422
    assert (await client.patch("/companies/me", json={"tags": ids}, headers=headers)).status_code == 422


async def test_nul_characters_never_give_a_500(client: httpx.AsyncClient, api: Api, backend: str) -> None:
    """PostgreSQL refuses NUL in text (422); SQLite stores it (200). Either way a clear answer."""
    headers, community_id = await _company_with_community(client, api)
    body = {"community_id": community_id, "title": "nul\u0000title", "body": "b"}
    response = await client.post("/content/posts", json=body, headers=headers)
    assert response.status_code == (422 if backend == "postgresql" else 200), response.text
    response = await client.post("/auth/otp/verify", json={"phone": "+7999\u0000", "code": "1"})
    assert response.status_code in (400, 422)
    assert (await client.post("/auth/admin/login", json={"email": "a\u0000@b.c", "password": "x"})).status_code in (
        400,
        422,
    )


async def test_a_body_nested_too_deeply_is_422_on_every_json_route(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    """msgspec raises RecursionError past the stack's depth; it is bad input like any undecodable body."""
    tokens = [bearer(await api.student()), bearer(await api.company()), bearer(await api.admin())]
    deep = '{"phone": ' + "[" * 100_000 + "]" * 100_000 + "}"
    answered = {}
    for path, item in (app.openapi_schema.paths or {}).items():
        for method in ("post", "put", "patch"):
            operation = getattr(item, method)
            if operation is None or operation.request_body is None:
                continue
            if "application/json" not in (operation.request_body.content or {}):
                continue
            url = re.sub(r"\{[^}]+\}", "0123456789abcdef0123456789abcdef", path)
            statuses = set()
            for headers in tokens:
                response = await client.request(
                    method, url, content=deep, headers={**headers, "Content-Type": "application/json"}
                )
                assert response.status_code < 500, (method, path, response.text)
                statuses.add(response.status_code)
                if response.status_code == 422:
                    assert response.json()["detail"][0]["msg"] == "JSON is nested too deeply"
            answered[method, path] = statuses
    assert len(answered) >= 13
    # Every JSON route decodes the body for at least one role (and refuses it as too deep).
    assert all(422 in statuses for statuses in answered.values()), answered
