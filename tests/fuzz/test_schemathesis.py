"""Schemathesis against our own OpenAPI document (issue 10, item 3): `make fuzz`, and a small budget in `make test`.

A PostgreSQL database of its own gets the schema, the reference data and a little demo data, and `workcommunities
run` serves it with Granian, as in production. Tokens for a student, a company and an admin are obtained through the
API (the demo's phones with the dev code; the admin signs up with the signup token). Then `schemathesis run` (the
CLI, so that a run by hand behaves the same) tests every operation of `/openapi.json` once without a token and once
per role: every check (`--checks all`) in every phase, stateful sequences included (the links schemathesis infers
between operations). Each run must end with no failure. The refusals that no schema can state are listed in
`schemathesis.toml` at the repository root, which schemathesis reads from the checkout.

`FUZZ_CASES` is the number of examples per operation (default 3, `make fuzz` 50). `FUZZ_SEED` is the random seed:
unset, a fixed one, so that the small run inside `make test` sends the same cases each time; `random` (what `make
fuzz` uses) draws a new one, printed with the findings so that a run can be repeated. `FUZZ_REPORT_DIR` keeps the
reports (JUnit XML and schemathesis' JSON, one folder per role) instead of writing them to a temporary folder.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_JWT_SECRET, make_settings
from tests.helpers import ADMIN_SIGNUP_TOKEN, DEV_CODE, ROOT, granian
from workcommunities.app import create_app
from workcommunities.db.models import metadata
from workcommunities.demo import COMPANY_PHONE, STUDENT_PHONE, DemoSize, seed_demo
from workcommunities.domain.reference.services import ReferenceService

pytestmark = pytest.mark.fuzz

FUZZ_CASES = int(os.environ.get("FUZZ_CASES") or 3)
FUZZ_SEED = os.environ.get("FUZZ_SEED") or "1"
FUZZ_REPORT_DIR = os.environ.get("FUZZ_REPORT_DIR", "")
ROLES = ("anonymous", "student", "company", "admin")
# The demo's first student logs in with its phone, and so does its first company (a company's first OTP login with
# its phone owns it, so that token may change the company's communities, posts, events and cases).
DEMO_SIZE = DemoSize(companies=2, communities=3, posts=6, events=3, students=3)
ADMIN_EMAIL = "fuzz-admin@example.com"
ADMIN_PASSWORD = "fuzz-admin-password"


@dataclass(frozen=True)
class FuzzServer:
    base_url: str
    tokens: dict[str, str]  # role -> access token ("" for anonymous)


@contextmanager
def _quiet(label: str, total: int) -> Iterator[Any]:
    yield SimpleNamespace(update=lambda _: None)


async def prepare(database_url: str, data_dir: Path) -> None:
    """The schema (from the models, as the API tests build it), the reference data and a little demo data."""
    app = create_app(make_settings(data_dir, database_url))
    engine = app.state.db_config.get_engine()
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        async with app.state.db_config.get_session() as session:
            await ReferenceService(session).seed()
            await session.commit()
        async with app.state.db_config.get_session() as session:
            assert await seed_demo(session, app.state.settings, app.state.media_storage, DEMO_SIZE, _quiet)
    finally:
        await engine.dispose()


def otp_login(client: httpx.Client, phone: str, prefix: str) -> str:
    assert client.post(f"{prefix}/otp/request", json={"phone": phone}).status_code == 204
    response = client.post(f"{prefix}/otp/verify", json={"phone": phone, "code": DEV_CODE})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def fuzz_server(make_pg_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    """`workcommunities run` on a fresh PostgreSQL database with reference data and a little demo data, and a token
    for each role, each obtained through the API."""
    database_url = make_pg_database()
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    asyncio.run(prepare(database_url, data_dir))
    env = {
        "ENV": "dev",  # the fixed login code
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),  # the demo's media files
        "JWT_SECRET": TEST_JWT_SECRET,
        "ADMIN_SIGNUP_TOKEN": ADMIN_SIGNUP_TOKEN,
        "LOG_LEVEL": "ERROR",
        # The fuzzer logs in and asks for codes far more often than a person: the per-IP, per-phone and per-account
        # throttles would turn most of its /auth requests into 429s (they have tests of their own).
        "AUTH_RATE_LIMIT_PER_MINUTE": "0",
        "OTP_RESEND_SECONDS": "0",
        "OTP_HOURLY_LIMIT": "100000",
        "LOGIN_FAILURE_LIMIT": "0",
    }
    with granian(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        admin = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "signup_token": ADMIN_SIGNUP_TOKEN}
        signup = client.post("/auth/admin/signup", json=admin)
        assert signup.status_code == 200, signup.text
        tokens = {
            "anonymous": "",
            "student": otp_login(client, STUDENT_PHONE.format(1), "/auth"),
            "company": otp_login(client, COMPANY_PHONE.format(1), "/auth/company"),
            "admin": str(signup.json()["access_token"]),
        }
        yield FuzzServer(base, tokens)


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_no_failure(fuzz_server: FuzzServer, role: str, tmp_path: Path) -> None:
    report_dir = Path(FUZZ_REPORT_DIR) / role if FUZZ_REPORT_DIR else tmp_path / "report"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--no-color",
        "run",
        f"{fuzz_server.base_url}/openapi.json",
        "--checks=all",
        f"--max-examples={FUZZ_CASES}",
        "--workers=1",  # threads in one process hit CPython 3.11.7's ast.parse race (gh-106905)
        "--report=junit,json",
        f"--report-dir={report_dir}",
        "--output-truncate=false",
        # Erasing the role's own account would turn the rest of its run into 401s (tests/integration covers it).
        "--exclude-name=DELETE /profiles/me",
    ]
    if FUZZ_SEED != "random":
        command.append(f"--seed={FUZZ_SEED}")
    if token := fuzz_server.tokens[role]:
        command.append(f"--header=Authorization: Bearer {token}")
    started = time.monotonic()
    # From the repository root, so that schemathesis reads our schemathesis.toml.
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False)
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    print(f"schemathesis as {role}, {FUZZ_CASES} examples per operation, {elapsed:.1f} s:\n{output}")
    # Its output (above, in the captured stdout) lists each failure with a curl command that repeats it.
    assert result.returncode == 0, f"schemathesis found failures as {role}; reports in {report_dir}"
