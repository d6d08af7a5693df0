"""A database restart under a mixed read and write load (issue 10, item 2).

The test starts a PostgreSQL of its own (pgserver), loads the app with feed reads and post writes over real HTTP,
stops the database for two seconds and starts it again. While it is down every answer is a 503; two seconds after
it is back everything answers 2xx again, without restarting the app; and every post that was answered 2xx is in the
database: nothing acknowledged is lost.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import httpx
import pgserver
from sqlalchemy import make_url, select

from tests.conftest import make_settings
from tests.helpers import Api, bearer, serve
from workcommunities.app import create_app
from workcommunities.db.models import Content, metadata
from workcommunities.domain.reference.services import ReferenceService

DOWN_SECONDS = 2.0
RECOVERY_SECONDS = 2.0


async def test_a_database_restart_under_load_loses_no_acknowledged_write(tmp_path: Path) -> None:
    data = tmp_path / "pgdata"
    server = await asyncio.to_thread(pgserver.get_server, data, cleanup_mode="stop")
    url = make_url(server.get_uri()).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    app = create_app(make_settings(tmp_path / "app", url))
    async with app.state.db_config.get_engine().begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with app.state.db_config.get_session() as session:
        await ReferenceService(session).seed()
        await session.commit()

    answers: list[tuple[float, float, str, int, str]] = []  # (sent at, answered at, kind, status, post title)
    titles = (f"Load {n}" for n in itertools.count())
    try:
        async with serve(app) as client:
            headers = bearer(await Api(client).company())
            community = (await client.post("/communities/", json={"name": "Load"}, headers=headers)).json()["id"]
            running = True

            async def load() -> None:
                while running:
                    title = next(titles)
                    sent = time.monotonic()
                    try:
                        post = {"community_id": community, "title": title, "body": "b"}
                        written = await client.post("/content/posts", json=post, headers=headers)
                        answers.append((sent, time.monotonic(), "write", written.status_code, title))
                        sent = time.monotonic()
                        read = await client.get("/content/posts")
                        answers.append((sent, time.monotonic(), "read", read.status_code, ""))
                    except httpx.HTTPError as exc:  # the server itself must keep answering
                        raise AssertionError(f"no answer: {exc!r}") from exc

            workers = [asyncio.create_task(load()) for _ in range(4)]
            await asyncio.sleep(1.0)
            stopping = time.monotonic()  # from here on the database may refuse (it is shutting down)
            await asyncio.to_thread(server.cleanup)  # the database goes away
            down = time.monotonic()
            await asyncio.sleep(DOWN_SECONDS)
            restarting = time.monotonic()  # from here on the database may answer again
            server = await asyncio.to_thread(pgserver.get_server, data, cleanup_mode="stop")
            back = time.monotonic()
            await asyncio.sleep(RECOVERY_SECONDS + 1.5)
            running = False
            await asyncio.gather(*workers)
    finally:
        await app.state.db_config.get_engine().dispose()

    statuses = {status for _, _, _, status, _ in answers}
    assert statuses <= {200, 503}, statuses
    before = [status for _, answered, _, status, _ in answers if answered < stopping]
    during = [status for sent, _, _, status, _ in answers if down + 0.2 < sent < restarting]
    after = [status for sent, _, _, status, _ in answers if sent > back + RECOVERY_SECONDS]
    assert before and set(before) == {200}
    assert during and set(during) == {503}, during
    assert after and set(after) == {200}, after

    acknowledged = {title for _, _, kind, status, title in answers if kind == "write" and status == 200}
    try:
        async with app.state.db_config.get_session() as session:
            stored = set((await session.scalars(select(Content.title).where(Content.title.like("Load %")))).all())
    finally:
        await app.state.db_config.get_engine().dispose()
        await asyncio.to_thread(server.cleanup)
    assert acknowledged <= stored, sorted(acknowledged - stored)
    assert len(acknowledged) > 10
