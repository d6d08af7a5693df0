"""Automation written against the old service keeps working: its company-flow script sends `tags` as one
comma-joined string (the old storage format), then creates a post, a story, a case and an event and reads them
back. A string is accepted wherever a tag list is, and the OpenAPI documents both (the list first; the string as the
old service's form, so that a client generated from the document, or a fuzzer, knows what the server takes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers import Api, bearer, claims, payload, upload


async def test_company_flow_script(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.company()
    headers = bearer(token)
    body = {"name": "Flow", "tags": "test,api,company-flow", "description": "Made by a script", "telegram_url": None}
    community = await client.post("/communities", json=body, headers=headers)
    assert community.status_code == 200, community.text
    assert community.json()["tags"] == ["test", "api", "company-flow"]
    community_id = community.json()["id"]

    media = (await upload(client, token, payload(256))).json()
    post = await client.post(
        "/content/posts",
        json={
            "community_id": community_id,
            "title": "Hi",
            "body": "B",
            "tags": " a, b ,,a",
            "media_uids": [media["id"]],
        },
        headers=headers,
    )
    assert post.status_code == 200, post.text
    assert post.json()["tags"] == ["a", "b"]  # trimmed, empties and repeats dropped
    story = await client.post(
        "/content/stories",
        json={"company_id": claims(token)["company_id"], "title": "S", "media_uid": media["id"]},
        headers=headers,
    )
    assert story.status_code == 200, story.text
    case = await client.post(
        f"/communities/{community_id}/cases", json={"title": "C", "date": "2030-01-02T10:00:00"}, headers=headers
    )
    assert case.status_code == 200, case.text
    event = await client.post(
        "/events",
        json={"community_id": community_id, "title": "E", "event_date": "2030-01-02T10:00:00", "tags": "x,y"},
        headers=headers,
    )
    assert event.status_code == 200, event.text
    assert event.json()["tags"] == ["x", "y"]

    # Read back.
    assert (await client.get(f"/content/posts/{post.json()['id']}")).json()["tags"] == ["a", "b"]
    assert (await client.get(f"/content/stories/{story.json()['id']}")).json() == story.json()
    detail = (await client.get(f"/communities/{community_id}")).json()
    assert detail["tags"] == ["test", "api", "company-flow"]
    assert [c["id"] for c in detail["cases"]] == [case.json()["id"]]
    assert event.json() in (await client.get("/events/upcoming")).json()


@pytest.mark.parametrize(
    ("path", "method"),
    [("/communities/{community}", "PATCH"), ("/content/posts/{post}", "PATCH"), ("/events/{event}", "PATCH")],
)
async def test_patch_takes_a_comma_joined_string_too(
    client: httpx.AsyncClient, api: Api, path: str, method: str
) -> None:
    token = await api.company()
    headers = bearer(token)
    community = (await client.post("/communities", json={"name": "T"}, headers=headers)).json()
    body = {"community_id": community["id"], "title": "T", "body": "B"}
    post = (await client.post("/content/posts", json=body, headers=headers)).json()
    event_body = {"community_id": community["id"], "title": "E", "event_date": "2030-01-02T10:00:00"}
    event = (await client.post("/events", json=event_body, headers=headers)).json()
    url = path.format(community=community["id"], post=post["id"], event=event["id"])
    response = await client.request(method, url, json={"tags": "one, two"}, headers=headers)
    assert (response.status_code, response.json()["tags"]) == (200, ["one", "two"])
    # A list is a list: a comma inside one of its tags stays.
    response = await client.request(method, url, json={"tags": ["one, two"]}, headers=headers)
    assert (response.status_code, response.json()["tags"]) == (200, ["one, two"])


@pytest.mark.parametrize("tags", [5, {"a": 1}, [1, 2], ",".join(["t"] * 101), "x" * 101, [None]])
async def test_other_tag_shapes_are_422(client: httpx.AsyncClient, api: Api, tags: Any) -> None:
    token = await api.company()
    response = await client.post("/communities", json={"name": "T", "tags": tags}, headers=bearer(token))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "tags"]


def _variants(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The alternatives of a schema, nested `oneOf`s flattened (an optional field adds `null` around them)."""
    for variant in schema.get("oneOf", [schema]):
        yield from _variants(variant) if "oneOf" in variant else [variant]


async def test_openapi_documents_the_list_and_the_old_string(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for name in (
        "CommunityCreateIn",
        "CommunityUpdateIn",
        "PostCreateIn",
        "PostUpdateIn",
        "EventCreateIn",
        "EventUpdateIn",
    ):
        variants = list(_variants(schemas[name]["properties"]["tags"]))
        assert {"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": 100} in variants, name
        (joined,) = [variant for variant in variants if variant.get("type") == "string"]
        assert joined["description"] == "the old service's comma-joined form", name
        assert re.fullmatch(joined["pattern"], ",".join(["t" * 100] * 100)), name
        assert not re.fullmatch(joined["pattern"], ",".join(["t"] * 101)), name  # 101 tags: a 422
