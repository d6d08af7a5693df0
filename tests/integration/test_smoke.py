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
    "student profile restored",
]
STUDENT = ("--student-phone", "+79995550101")


def _passed(output: str) -> None:
    lines = [line.removeprefix("ok    ") for line in output.splitlines() if line.startswith("ok    ")]
    assert [line.split(" (")[0] for line in lines] == STEPS, output
    assert output.rstrip().endswith("smoke check passed")


def _cleaned_up(base: str, student: dict[str, str]) -> None:
    with httpx.Client(base_url=base) as client:
        assert not [c for c in client.get("/communities/").json() if c["name"].startswith("Smoke check")]
        assert not [p for p in client.get("/content/posts").json() if p["title"].startswith("Smoke check")]
        profile = client.get("/profiles/me", headers=student).json()  # the walk put the student's profile back
        assert (profile["full_name"], profile["skills"]) == ("Ada", [])


def _student(base: str, phone: str, code: str) -> dict[str, str]:
    """Log a student in and name them, so that the walk's change of the profile is seen undone."""
    with httpx.Client(base_url=base) as client:
        assert client.post("/auth/otp/request", json={"phone": phone}).status_code == 204
        token = client.post("/auth/otp/verify", json={"phone": phone, "code": code}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.patch("/profiles/me", json={"full_name": "Ada"}, headers=headers).status_code == 200
        return headers


def test_smoke_passes_against_make_run(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'dev.sqlite3'}"
    cli(database_url, tmp_path, "database", "upgrade", "--no-prompt")
    cli(database_url, tmp_path, "seed", "reference")
    # The student logs in once here (to be named) and once in the walk: no wait between two codes.
    served = {"ENV": "dev", "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path), "OTP_RESEND_SECONDS": "0"}
    with granian(served) as base:
        student = _student(base, STUDENT[1], "11111")
        _passed(cli(database_url, tmp_path, "smoke", "--base-url", base, *STUDENT).stdout)
        _cleaned_up(base, student)
        # A broken step stops the walk with a non-zero exit that names it.
        broken = cli(database_url, tmp_path, "smoke", "--base-url", base, "--student-token", "nope", ok=False)
        assert "FAILED student: GET /profiles/me answered 401" in broken.stderr
        assert "student edits the profile" not in broken.stdout
    # The server is gone; and the walk is a client: it needs none of the server's settings (no JWT_SECRET here).
    gone = ("smoke", "--base-url", base, *STUDENT)
    nothing = cli(database_url, tmp_path, *gone, ok=False, env={"ENV": "prod", "JWT_SECRET": ""})
    assert "FAILED health: GET /health failed" in nothing.stderr
    # Nobody is walked by default (a production server would text a real phone), nor with half a company login.
    for arguments in ((), (*STUDENT, "--company-email", "a@b.example")):
        refused = cli(database_url, tmp_path, "smoke", "--base-url", base, *arguments, ok=False)
        assert "give --" in refused.stderr


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
            student = {"Authorization": f"Bearer {token}"}
            assert client.patch("/profiles/me", json={"full_name": "Ada"}, headers=student).status_code == 200
        company = ["--company-email", "ops@smoke.example", "--company-password", "a-password-of-our-own"]
        for _ in range(2):  # the second run logs the same company in again
            _passed(
                cli(
                    database_url, tmp_path, "smoke", "--base-url", base, "--student-token", token, *company, env=env
                ).stdout
            )
        _cleaned_up(base, student)
