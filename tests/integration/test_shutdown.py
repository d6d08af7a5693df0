"""Graceful shutdown: SIGTERM while uploads and writes are in flight. Granian stops taking connections, lets the
requests it holds finish (up to its kill timeout, `--workers-kill-timeout`, 5 s by default), then the app closes its
pools. Nothing answered 2xx is missing afterwards, and no upload is left half-written in the media folder."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID

import httpx
from litestar import Litestar
from sqlalchemy import select

from tests.helpers import DEV_CODE, bearer, claims, granian_process, new_phone, payload
from workcommunities.db.models import Community, Media, Membership

UPLOADS = 6
UPLOAD_BYTES = 1_500_000
CHUNKS = 30
CHUNK_PAUSE = 0.04  # an upload takes about 1.2 s to send, so the signal arrives in the middle of each
BOUNDARY = "wc-shutdown-test"


def _multipart(content: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="p.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


async def _slowly(body: bytes, started: asyncio.Event) -> AsyncIterator[bytes]:
    size = len(body) // CHUNKS + 1
    for start in range(0, len(body), size):
        yield body[start : start + size]
        started.set()  # the request's head and first bytes are on their way
        await asyncio.sleep(CHUNK_PAUSE)


async def _communities(app: Litestar, count: int) -> list[UUID]:
    async with app.state.db_config.get_session() as session:
        rows = [Community(name=f"shutdown {n}") for n in range(count)]
        session.add_all(rows)
        await session.commit()
        return [row.id for row in rows]


async def test_sigterm_finishes_what_is_in_flight(app: Litestar, database_url: str, tmp_path: Path) -> None:
    communities = await _communities(app, 40)
    env = {"ENV": "dev", "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path), "LOG_LEVEL": "WARNING"}
    media_root = tmp_path / "media"
    with granian_process(env) as (base, server):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            phone = new_phone()
            assert (await client.post("/auth/otp/request", json={"phone": phone})).status_code == 204
            verified = await client.post("/auth/otp/verify", json={"phone": phone, "code": DEV_CODE})
            token = verified.json()["access_token"]
        headers = {**bearer(token), "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}

        body = _multipart(payload(UPLOAD_BYTES))  # built once: building it in each task would delay the uploads

        async def upload(client: httpx.AsyncClient, started: asyncio.Event) -> httpx.Response | Exception:
            try:
                return await client.post("/media/upload", content=_slowly(body, started), headers=headers)
            except httpx.TransportError as exc:
                return exc

        async def follow(client: httpx.AsyncClient, community_id: UUID) -> httpx.Response | Exception:
            try:
                return await client.post(f"/communities/{community_id.hex}/follow", headers=bearer(token))
            except httpx.TransportError as exc:
                return exc

        async def follows(
            client: httpx.AsyncClient, answered: asyncio.Event
        ) -> list[tuple[UUID, float, httpx.Response | Exception]]:
            done = []
            for community_id in communities:  # one after another, before and after the signal
                answer = await follow(client, community_id)
                done.append((community_id, time.monotonic(), answer))
                answered.set()
                await asyncio.sleep(0.02)
            return done

        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as uploads_client,
            httpx.AsyncClient(base_url=base, timeout=30) as writes_client,
        ):
            started = [asyncio.Event() for _ in range(UPLOADS)]
            uploading = [asyncio.create_task(upload(uploads_client, event)) for event in started]
            first_answer = asyncio.Event()
            writing = asyncio.create_task(follows(writes_client, first_answer))
            # Every upload under way and a write answered (a slow machine may take longer for the first one).
            await asyncio.wait_for(asyncio.gather(first_answer.wait(), *(event.wait() for event in started)), 10)
            await asyncio.sleep(0.1)
            signalled = time.monotonic()
            server.send_signal(signal.SIGTERM)  # to the server's main process only, as `docker stop` does
            uploaded = await asyncio.gather(*uploading)
            written = await writing
        assert await asyncio.to_thread(server.wait, 30) == 0
        stopped = time.monotonic() - signalled

    # Every upload was under way when the signal came: Granian let each one finish.
    assert [getattr(result, "status_code", result) for result in uploaded] == [200] * UPLOADS
    assert stopped < 5 + 5  # the kill timeout and the parent's deadline
    async with app.state.db_config.get_session() as session:
        for result in uploaded:
            assert isinstance(result, httpx.Response)
            media_id = UUID(result.json()["id"])
            row = await session.get(Media, media_id)
            assert row is not None and row.size == UPLOAD_BYTES
            assert (media_root / row.storage_key).stat().st_size == UPLOAD_BYTES
        user_id = UUID(hex=claims(token)["sub"])
        followed = set(await session.scalars(select(Membership.community_id).where(Membership.user_id == user_id)))
    acknowledged = {cid for cid, _, result in written if isinstance(result, httpx.Response) and result.is_success}
    assert acknowledged <= followed  # nothing answered 2xx is lost
    early = [cid for cid, at, _ in written if at < signalled]
    assert early and set(early) <= acknowledged  # writes answered before the signal, all of them 2xx
    assert len(acknowledged) < len(communities)  # the signal came while the writes went on
    assert not [file for file in media_root.iterdir() if file.name.startswith(".")]  # no half-written upload
