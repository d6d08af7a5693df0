"""The served product: Granian through `workcommunities run`, as `make run` starts it, on the embedded SQLite."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.helpers import DEV_CODE, claims, cli, granian


def test_granian_serves_the_migrated_app(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'served.sqlite3'}"
    cli(database_url, tmp_path, "database", "upgrade", "--no-prompt")
    cli(database_url, tmp_path, "seed", "reference")
    env = {"ENV": "dev", "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path)}
    with granian(env) as base, httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/ready").json() == {"status": "ok"}
        assert len(client.get("/reference/skills").json()) == 9
        phone = "+79995550000"
        assert client.post("/auth/otp/request", json={"phone": phone}).status_code == 204
        token = client.post("/auth/otp/verify", json={"phone": phone, "code": DEV_CODE}).json()["access_token"]
        assert claims(token)["role"] == "student"
        assert client.get("/openapi.json").status_code == 200
