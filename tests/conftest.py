"""Test databases, apps and clients.

PostgreSQL is found, not assumed: `WC_TEST_DATABASE_URL`, else the server on 127.0.0.1:5432, else a throwaway server
from the `pgserver` package. Each test session makes its own database and drops it at the end. API tests run once on
PostgreSQL and once on the embedded SQLite default (the `backend` parameter); tables are emptied between tests, and
the reference data stays.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from litestar import Litestar
from moto.server import ThreadedMotoServer
from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.helpers import ADMIN_SIGNUP_TOKEN, Api, serve
from workcommunities.app import create_app
from workcommunities.db.models import Media, metadata
from workcommunities.domain.reference.services import ReferenceService
from workcommunities.lib.security import RecentCallers
from workcommunities.settings import Settings, load_settings

REFERENCE_TABLES = {"sphere", "skill", "status"}
TEST_JWT_SECRET = "test-secret-" + "x" * 60


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis database for the tests that share limits between instances: the machine's server on 6379 (database
    15), else a `redis-server` started here on a free port for the session. Never skipped: without either, the
    tests fail and say what to install."""
    if port_open("127.0.0.1", 6379):
        # A database of its own per pytest-xdist worker (gw0 → 15, gw1 → 14 … gw7 → 8, then again), never the
        # low ones a developer's own data is likely in: their limits never share a key.
        worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
        yield f"redis://127.0.0.1:6379/{15 - worker % 8}"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "the Redis tests need a server on 127.0.0.1:6379 or the redis-server program (apt install redis-server)"
        )
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL of a PostgreSQL server where we may create databases (asyncpg driver)."""
    if url := os.environ.get("WC_TEST_DATABASE_URL"):
        yield url
        return
    if port_open("127.0.0.1", 5432):
        yield "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        return
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
    uri = make_url(server.get_uri())
    yield uri.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    server.cleanup()


async def _admin_execute(server_url: str, statement: str, **params: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement), params)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def make_pg_database(pg_server_url: str) -> Iterator[Callable[[], str]]:
    """Creates empty PostgreSQL databases on the test server; all are dropped at the end of the session."""
    created: list[str] = []

    def make() -> str:
        name = f"wc_test_{os.getpid()}_{secrets.token_hex(4)}"
        asyncio.run(_admin_execute(pg_server_url, f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)

    yield make
    for name in created:
        asyncio.run(_admin_execute(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "dev",
        "jwt_secret": TEST_JWT_SECRET,
        "data_dir": str(tmp_path),
        "database_url": database_url,
        "auth_rate_limit_per_minute": 0,
        # Tests log the same phone in many times; the throttle tests set the real limits back.
        "otp_resend_seconds": 0,
        "otp_hourly_limit": 1000,
        "admin_signup_token": ADMIN_SIGNUP_TOKEN,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return load_settings(environ={}, env_file=tmp_path / "no.env", **values)


@pytest.fixture(scope="session", params=["postgresql", "sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, make_pg_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend == "postgresql":
        return make_pg_database()
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"


@pytest.fixture(params=["postgresql", "sqlite"])
def fresh_database(request: pytest.FixtureRequest, make_pg_database: Callable[[], str], tmp_path: Path) -> str:
    """An empty database of its own (no schema) for a test that drives the CLI."""
    if request.param == "postgresql":
        return make_pg_database()
    return f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"


@pytest.fixture(scope="session")
async def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Litestar]:
    """The app on the session's database with the schema created from the models and the reference data seeded
    (tests/integration/test_migrations.py proves the migrations build the same schema)."""
    settings = make_settings(tmp_path_factory.mktemp("data"), database_url)
    application = create_app(settings)
    engine: AsyncEngine = application.state.db_config.get_engine()
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with application.state.db_config.get_session() as session:
        await ReferenceService(session).seed()
        await session.commit()
    yield application
    await engine.dispose()


async def empty_tables(engine: AsyncEngine) -> None:
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} CASCADE"))
        else:
            # SQLite refuses to delete audit entries (append-only, by trigger), and has no TRUNCATE that skips
            # triggers: the log stays, and tests read it filtered by their own ids.
            for table in tables:
                if table.name != "audit_log":
                    await conn.execute(table.delete())


@pytest.fixture(scope="session")
async def server(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(app) as http_client:
        yield http_client


@pytest.fixture
async def client(app: Litestar, server: httpx.AsyncClient) -> httpx.AsyncClient:
    """An HTTP client of the session's server, on emptied tables (and no caller's account remembered)."""
    await empty_tables(app.state.db_config.get_engine())
    app.state.recent_callers = RecentCallers(app.state.settings.auth_cache_seconds)
    return server


class CallerClock:
    """The clock of the app's `RecentCallers` in a test that counts statements: it stands still unless the test
    moves it, so whether an authenticated read reads its caller again never depends on the machine's speed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def expire(self) -> None:
        """Every caller's account read so far is out of date: the next read of each reads it again."""
        self.now += self.seconds


@pytest.fixture
def caller_clock(app: Litestar, client: httpx.AsyncClient) -> CallerClock:
    seconds = app.state.settings.auth_cache_seconds
    clock = CallerClock(seconds)
    app.state.recent_callers = RecentCallers(seconds, timer=clock)
    return clock


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


class SmsGateway:
    """A real HTTP server on loopback that records what the service sends to the SMS gateway."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                gateway.messages.append(
                    {"path": self.path, "authorization": self.headers["Authorization"], "body": body}
                )
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sms_gateway() -> Iterator[SmsGateway]:
    gateway = SmsGateway()
    yield gateway
    gateway.close()


class StatementCounter:
    """Counts the SQL statements the app's engine runs inside `with counter:` (the server shares this process)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.statements: list[str] = []
        self.parameters: list[Any] = []  # each statement's, as the driver got them

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        self.statements.append(statement)
        self.parameters.append(parameters)

    def __enter__(self) -> StatementCounter:
        self.statements, self.parameters = [], []
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)

    def expected(self, *, postgresql: int, sqlite: int) -> int:
        """The pinned count on this engine: PostgreSQL aggregates a page's lists in its one statement
        (lib/aggregate.py), SQLite reads each list with one more."""
        return postgresql if self.engine.dialect.name == "postgresql" else sqlite


@pytest.fixture
def statements(app: Litestar) -> StatementCounter:
    return StatementCounter(app.state.db_config.get_engine())


@pytest.fixture
def create_media(app: Litestar) -> Callable[..., Any]:
    """Insert a media row (no file) and return its wire id: for tests that only need a referenced media id."""

    async def create(kind: str = "image", mime: str = "image/png", ext: str = "png") -> str:
        async with app.state.db_config.get_session() as session:
            media = Media(kind=kind, mime=mime, ext=ext, size=1, storage_key=secrets.token_hex(16), checksum="0" * 64)
            session.add(media)
            await session.commit()
            return media.id.hex

    return create


# --- S3: a real S3-compatible server (moto) on loopback for the media storage tests ---------------------------------

S3_BUCKET = "wc-media"
S3_KEYS = {"s3_access_key_id": "test-key", "s3_secret_access_key": "test-secret", "s3_region": "us-east-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A real S3-compatible HTTP server (moto) on loopback, with an empty bucket."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["s3_access_key_id"],
        aws_secret_access_key=S3_KEYS["s3_secret_access_key"],
    )
    s3.create_bucket(Bucket=S3_BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def bucket(s3_server: str) -> Any:
    """The bucket's client, emptied before the test."""
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["s3_access_key_id"],
        aws_secret_access_key=S3_KEYS["s3_secret_access_key"],
    )
    for item in s3.list_objects_v2(Bucket=S3_BUCKET).get("Contents", []):
        s3.delete_object(Bucket=S3_BUCKET, Key=item["Key"])
    return s3


def s3_settings(endpoint: str) -> dict[str, Any]:
    return {"media_storage": "s3", "s3_endpoint_url": endpoint, "s3_bucket": S3_BUCKET, **S3_KEYS}
