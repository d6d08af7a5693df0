"""Small helpers shared by the API tests: log in through the real endpoints and read tokens."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import jwt
import uvicorn
from litestar import Litestar

DEV_CODE = "11111"
# A tiny but genuine PNG header (signature and IHDR chunk).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0) + b"\x1f\x15\xc4\x89"
ADMIN_SIGNUP_TOKEN = "test-admin-signup-token-0123456789"
ROOT = Path(__file__).resolve().parents[1]
_phones = itertools.count(1)


def cli(
    database_url: str, data_dir: Path, *args: str, ok: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`workcommunities *args` in a new process (ENV=dev unless `env` says otherwise); `ok`: whether it must succeed."""
    base = {"ENV": "dev", "DATABASE_URL": database_url, "DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "-m", "workcommunities", *args],
        env={**os.environ, **base, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    return result


@contextmanager
def granian(env: dict[str, str], log: Path | None = None, workers: int = 1) -> Iterator[str]:
    """`workcommunities run` (Granian, `workers` processes) on a free loopback port with `env` over this process's
    environment, as the Containerfile and `make run` start it; yields its base URL and stops it (SIGTERM, waiting for
    it to end). `log`: a file that takes its output."""
    with granian_process(env, log, workers) as (base, _):
        yield base


@contextmanager
def granian_process(
    env: dict[str, str], log: Path | None = None, workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`granian`, yielding the server's process too (its group gets the SIGTERM at the end, if it still runs)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    output = log.open("wb") if log is not None else subprocess.DEVNULL
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workcommunities",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--wc",
            str(workers),
        ],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "no /health within a minute"
            time.sleep(0.2)
        yield base, server
    finally:
        with suppress(ProcessLookupError):  # the whole group: workers left behind by a server that already ended too
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if log is not None:
            output.close()  # type: ignore[union-attr]


def new_phone() -> str:
    return f"+7999{next(_phones):07d}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


@asynccontextmanager
async def serve(app: Litestar | Any) -> AsyncIterator[httpx.AsyncClient]:
    """Serve the app (or any ASGI callable) over real HTTP on a free loopback port, in this event loop, and yield a
    client for it."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on TCP sockets, and without it every request after the first
    # on a kept-alive connection waits for the delayed ACK (~40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        await task
        sock.close()


class Api:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def otp_login(self, phone: str, *, company: bool = False, code: str = DEV_CODE) -> str:
        prefix = "/auth/company" if company else "/auth"
        response = await self.client.post(f"{prefix}/otp/request", json={"phone": phone})
        assert response.status_code == 204, response.text
        response = await self.client.post(f"{prefix}/otp/verify", json={"phone": phone, "code": code})
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def student(self, phone: str | None = None) -> str:
        return await self.otp_login(phone or new_phone())

    async def company(self, phone: str | None = None) -> str:
        return await self.otp_login(phone or new_phone(), company=True)

    async def admin(self, email: str = "admin@example.com", password: str = "admin-password") -> str:
        body = {"email": email, "password": password, "signup_token": ADMIN_SIGNUP_TOKEN}
        response = await self.client.post("/auth/admin/signup", json=body)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])


def payload(size: int, head: bytes = PNG) -> bytes:
    return head + bytes(i % 251 for i in range(size - len(head)))


async def upload(
    client: httpx.AsyncClient,
    token: str,
    content: bytes,
    *,
    filename: str = "photo.png",
    content_type: str = "image/png",
    data: dict[str, str] | None = None,
) -> httpx.Response:
    files = {"file": (filename, content, content_type)}
    return await client.post("/media/upload", files=files, data=data, headers=bearer(token))
