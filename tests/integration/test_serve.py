"""The served product: Granian through `workcommunities run`, as `make run` starts it, on the embedded SQLite."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import DEV_CODE, ROOT, claims, cli


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_granian_serves_the_migrated_app(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'served.sqlite3'}"
    cli(database_url, tmp_path, "database", "upgrade", "--no-prompt")
    cli(database_url, tmp_path, "seed", "reference")
    port = _free_port()
    env = {**os.environ, "ENV": "dev", "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "workcommunities", "run", "--host", "127.0.0.1", "--port", str(port), "--wc", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
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
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.get("/ready").json() == {"status": "ok"}
            assert len(client.get("/reference/skills").json()) == 9
            phone = "+79995550000"
            assert client.post("/auth/otp/request", json={"phone": phone}).status_code == 204
            token = client.post("/auth/otp/verify", json={"phone": phone, "code": DEV_CODE}).json()["access_token"]
            assert claims(token)["role"] == "student"
            assert client.get("/openapi.json").status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
