"""`workcommunities smoke` against a served app: as `make run` serves it, and with the compose deployment's
configuration (ENV=prod from .env.example, PostgreSQL, codes through the SMS gateway), run here without containers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import SmsGateway
from tests.helpers import ROOT, cli, granian
from workcommunities.settings import read_env_file

STEPS = [
    "the server is up and its database answers",
    "student logs in",
    "student edits the profile",
    "company logs in",
    "company uploads a picture and it downloads",
    "company publishes a community, a post, a story and an event",
    "student follows the community and reads the post in both feeds",
    "student joins and leaves the event, and leaves the community",
    "event deleted",
    "post deleted",
    "community archived",
]


def _passed(output: str) -> None:
    lines = [line.removeprefix("ok    ") for line in output.splitlines() if line.startswith("ok    ")]
    assert [line.split(" (")[0] for line in lines] == STEPS, output
    assert output.rstrip().endswith("smoke check passed")


def _cleaned_up(base: str) -> None:
    with httpx.Client(base_url=base) as client:
        assert not [c for c in client.get("/communities/").json() if c["name"].startswith("Smoke check")]
        assert not [p for p in client.get("/content/posts").json() if p["title"].startswith("Smoke check")]


def test_smoke_passes_against_make_run(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'dev.sqlite3'}"
    cli(database_url, tmp_path, "database", "upgrade", "--no-prompt")
    cli(database_url, tmp_path, "seed", "reference")
    with granian({"ENV": "dev", "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path)}) as base:
        _passed(cli(database_url, tmp_path, "smoke", "--base-url", base).stdout)
        _cleaned_up(base)
        # A broken step stops the walk with a non-zero exit that names it.
        broken = cli(database_url, tmp_path, "smoke", "--base-url", base, "--student-token", "nope", ok=False)
        assert "FAILED student: GET /profiles/me answered 401" in broken.stderr
        assert "student edits the profile" not in broken.stdout
    nothing = cli(database_url, tmp_path, "smoke", "--base-url", base, ok=False)  # the server is gone
    assert "FAILED health: GET /health failed" in nothing.stderr


def test_smoke_passes_with_the_compose_configuration(
    tmp_path: Path, make_pg_database: Callable[[], str], sms_gateway: SmsGateway
) -> None:
    env = {key: value for key, value in read_env_file(ROOT / ".env.example").items() if value}
    env |= {
        "DATABASE_URL": make_pg_database(),  # compose points it at its db service
        "DATA_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "JWT_SECRET": "compose-like-secret-" + "c" * 40,
        "SMS_GATEWAY_URL": sms_gateway.url,
        "LOG_LEVEL": "WARNING",
    }
    assert env["ENV"] == "prod"
    database_url = env["DATABASE_URL"]
    cli(database_url, tmp_path, "database", "upgrade", "--no-prompt", env=env)
    cli(database_url, tmp_path, "seed", "reference", env=env)
    with granian(env) as base:
        phone = "+79995550202"
        with httpx.Client(base_url=base) as client:
            assert client.post("/auth/otp/request", json={"phone": phone}).status_code == 204
            [message] = sms_gateway.messages
            code = re.search(r"\d{5}", message["body"]["text"]).group(0)  # type: ignore[union-attr]
            verify = client.post("/auth/otp/verify", json={"phone": phone, "code": code})
            token = verify.json()["access_token"]
        company = ["--company-email", "ops@smoke.example", "--company-password", "a-password-of-our-own"]
        for _ in range(2):  # the second run logs the same company in again
            _passed(
                cli(
                    database_url, tmp_path, "smoke", "--base-url", base, "--student-token", token, *company, env=env
                ).stdout
            )
        _cleaned_up(base)
