"""Search on a PostgreSQL without the pg_trgm contrib extension (the `pgserver` package's build, which the tests use
on a machine without a PostgreSQL of its own): everything works but the misspelling fallback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pgserver
from sqlalchemy import make_url, text

from tests.conftest import make_settings
from tests.helpers import Api, bearer, serve
from workcommunities.app import create_app
from workcommunities.db.models import metadata


async def test_search_works_without_the_trigram_extension(tmp_path: Path) -> None:
    server = await asyncio.to_thread(pgserver.get_server, tmp_path / "pgdata", cleanup_mode="stop")
    url = make_url(server.get_uri()).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    app = create_app(make_settings(tmp_path / "app", url))
    try:
        async with app.state.db_config.get_engine().begin() as conn:
            available = await conn.scalar(text("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'"))
            assert available == 0, "this build has pg_trgm: the test would not test its absence"
            await conn.run_sync(metadata.create_all)
        async with serve(app) as client:
            company = bearer(await Api(client).company())
            community = (await client.post("/communities/", json={"name": "Программирование"}, headers=company)).json()
            post = {"community_id": community["id"], "title": "Программирование на Python", "body": "b"}
            assert (await client.post("/content/posts", json=post, headers=company)).status_code == 200
            found = (await client.get("/search", params={"q": "программ"})).json()
            assert [p["title"] for p in found["posts"]] == [post["title"]]
            assert [c["name"] for c in found["communities"]] == ["Программирование"]
            misspelt = await client.get("/search", params={"q": "програмирование"})
            assert misspelt.status_code == 200
            assert misspelt.json()["posts"] == []  # no fallback without the extension
    finally:
        await app.state.db_config.get_engine().dispose()
        await asyncio.to_thread(server.cleanup)
