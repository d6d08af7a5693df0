"""Response headers (lib/http_headers.py): security headers everywhere, ETags and 304 on public reads, Cache-Control
by kind of answer."""

from __future__ import annotations

from pathlib import Path

import httpx
from litestar import Litestar

from tests.conftest import make_settings
from tests.helpers import Api, bearer, serve
from workcommunities.app import create_app
from workcommunities.db.models import Community


async def _add_community(app: Litestar, name: str) -> str:
    async with app.state.db_config.get_session() as session:
        community = Community(name=name)
        session.add(community)
        await session.commit()
        return community.id.hex


async def test_public_list_is_tagged_and_revalidates(client: httpx.AsyncClient, app: Litestar) -> None:
    await _add_community(app, "Cached")
    first = await client.get("/communities/")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 2 + 40  # SHA-1 of the body, in hex
    assert first.headers["cache-control"] == "no-cache"
    assert "Authorization" in first.headers["vary"]
    for value in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = await client.get("/communities/", headers={"If-None-Match": value})
        assert (response.status_code, response.content) == (304, b""), value
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == "no-cache"
        assert "content-type" not in response.headers
    # Another tag, or a changed list: the full answer with the new tag.
    assert (await client.get("/communities/", headers={"If-None-Match": '"other"'})).json() == first.json()
    await _add_community(app, "Cached too")
    changed = await client.get("/communities/", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert len(changed.json()) == len(first.json()) + 1


async def test_public_detail_is_tagged(client: httpx.AsyncClient, app: Litestar) -> None:
    community_id = await _add_community(app, "Detail")
    response = await client.get(f"/communities/{community_id}")
    again = await client.get(f"/communities/{community_id}", headers={"If-None-Match": response.headers["etag"]})
    assert (response.status_code, again.status_code) == (200, 304)


async def test_answers_to_a_token_are_never_stored(client: httpx.AsyncClient, api: Api) -> None:
    token = await api.student()
    for path in ("/profiles/me", "/communities/", "/content/posts"):
        response = await client.get(path, headers=bearer(token))
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
        assert "etag" not in response.headers, path
    # Without the token the same public list is tagged: a tag never covers a personal answer.
    assert "etag" in (await client.get("/communities/")).headers


async def test_reference_data_may_be_reused_for_five_minutes(client: httpx.AsyncClient, api: Api) -> None:
    for headers in ({}, bearer(await api.student())):
        response = await client.get("/reference/skills", headers=headers)
        assert response.headers["cache-control"] == "max-age=300, public"
    response = await client.get("/reference/skills")
    again = await client.get("/reference/skills", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "max-age=300, public"


async def test_errors_and_writes_are_not_tagged(client: httpx.AsyncClient) -> None:
    missing = await client.get("/communities/0123456789abcdef0123456789abcdef")
    assert missing.status_code == 404
    assert "etag" not in missing.headers
    written = await client.post("/auth/otp/request", json={"phone": "+79990001234"})
    assert written.status_code == 204
    assert "etag" not in written.headers and "cache-control" not in written.headers


SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


async def test_every_answer_carries_the_security_headers(client: httpx.AsyncClient, api: Api) -> None:
    token = bearer(await api.student())
    answers = [
        await client.get("/communities/"),
        await client.head("/health"),
        await client.get("/profiles/me", headers=token),
        await client.get("/nope"),
        await client.post("/auth/otp/request", json={"phone": "+79990001235"}),
        await client.patch("/profiles/me", json={"full_name": "Secure"}, headers=token),
    ]
    for response in answers:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (response.request.url, name)
        assert "strict-transport-security" not in response.headers
    # A write answered to a token is not stored either.
    assert answers[-1].headers["cache-control"] == "no-store"


async def test_hsts_only_behind_tls(tmp_path: Path, database_url: str) -> None:
    async with serve(create_app(make_settings(tmp_path, database_url, trust_tls=True))) as client:
        response = await client.get("/health")
        assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_options_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    """Litestar 2 would list one handler's methods only (litestar#4169): GET /content/posts and POST share a path."""
    for path, methods in [
        ("/content/posts", "GET, OPTIONS, POST"),
        (f"/content/posts/{'0' * 32}", "DELETE, GET, OPTIONS, PATCH"),
        (f"/communities/{'0' * 32}/follow", "DELETE, OPTIONS, POST"),
    ]:
        response = await client.options(path)
        assert (response.status_code, response.headers["allow"]) == (204, methods), path
