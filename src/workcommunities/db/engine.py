"""The database engine and the SQLAlchemy plugin configuration for a Settings.

Round trips are what a read costs most, so a read pays for its statements only:
- Safe requests (GET, HEAD) read in autocommit: no BEGIN and COMMIT around them. Each statement is its own snapshot,
  which is all a page needs (one statement on PostgreSQL). A GET that writes (the lazy profile) writes one idempotent
  statement.
- No ping before each checkout (it cost a BEGIN/ROLLBACK pair): after a database restart the first request on a
  dead connection fails with a 503 (lib/errors.py), SQLAlchemy drops the whole pool, and the next request connects
  afresh.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from pathlib import Path

import msgspec
from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyInitPlugin,
)
from advanced_alchemy.extensions.litestar._utils import get_aa_scope_state, set_aa_scope_state
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol
from litestar.types import Scope
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_scoped_session, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from workcommunities.db.models import metadata
from workcommunities.lib import audit
from workcommunities.lib.dependencies import app_state
from workcommunities.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[3]
MIGRATIONS_DIR = PROJECT_ROOT / "migrations" if (PROJECT_ROOT / "migrations").is_dir() else Path("migrations")


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
    # SQLite enforces foreign keys (and so ON DELETE rules) only when asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # Times that PostgreSQL writes into JSON (lib/aggregate.py) carry the session's offset: UTC, as the API writes.
    # JSON columns (tags) are read by msgspec, several times faster than the standard library.
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        # asyncpg keeps statements prepared (planned once per connection) only up to 15 KB unless told otherwise; the
        # search's is longer (lib/repository.py `driver_row` runs safe reads on asyncpg's own cache).
        connect_args={"server_settings": {"timezone": "UTC"}, "max_cacheable_statement_size": 0},
        json_deserializer=msgspec.json.decode,
        hide_parameters=True,  # an error's message never carries the values (a phone, a code hash): lib/logs.py
    )


SAFE_METHODS = frozenset({"GET", "HEAD"})
AFTER_COMMIT = "after_commit"
BEFORE_COMMIT = "before_commit"
logger = logging.getLogger("workcommunities")


def before_commit(
    session: AsyncSession | async_scoped_session[AsyncSession], check: Callable[[], Awaitable[None]]
) -> None:
    """Run `check` inside the request's write transaction, last before its commit: it may still refuse the whole
    write by raising (it is then rolled back)."""
    session.info.setdefault(BEFORE_COMMIT, []).append(check)


def after_commit(
    session: AsyncSession | async_scoped_session[AsyncSession], action: Callable[[], Awaitable[None]]
) -> None:
    """Run `action` once the request's write is committed (and never if it is not): what the database cannot roll
    back, such as removing a stored file, waits for the commit. A failure there is logged: the change is committed
    already."""
    session.info.setdefault(AFTER_COMMIT, []).append(action)


AUTOCOMMIT_ENGINE = "autocommit_engine"


class DatabaseConfig(SQLAlchemyAsyncConfig):
    """The plugin's configuration: autocommit sessions for safe requests (see the module's docstring), and a write
    committed before its answer is made."""

    def provide_session(self, state: State, scope: Scope) -> AsyncSession:
        """The request's one session (the guards read the caller with it too)."""
        if get_aa_scope_state(scope, self.session_scope_key) is None and scope.get("method") in SAFE_METHODS:
            if (engine := state.get(AUTOCOMMIT_ENGINE)) is None:
                # The same pool: a connection is switched to autocommit on checkout and back on return.
                engine = state[AUTOCOMMIT_ENGINE] = self.provide_engine(state).execution_options(
                    isolation_level="AUTOCOMMIT"
                )
            set_aa_scope_state(scope, self.session_scope_key, state[self.session_maker_app_state_key](bind=engine))
        return super().provide_session(state, scope)

    async def committed_session(self, scope: Scope) -> AsyncGenerator[AsyncSession, None]:
        """The `db_session` dependency (CommittedSessions). A write commits after its handler returned and before the
        answer is sent, so a commit that fails (the database went away, a deferred check) is answered as an error: a
        2xx only ever goes out for what is committed. A handler that raised commits nothing (the session is closed,
        which rolls back, once the answer is sent); safe requests read in autocommit and commit nothing."""
        session = self.provide_session(app_state(scope), scope)
        yield session
        if scope.get("method") not in SAFE_METHODS:
            for check in session.info.pop(BEFORE_COMMIT, []):
                await check()
            await session.commit()
            for action in session.info.pop(AFTER_COMMIT, []):
                try:
                    await action()
                except Exception:  # the change is committed: its answer stands, the leftover is logged
                    logger.exception("an action after the commit failed")


class CommittedSessions(InitPluginProtocol):
    """Makes `DatabaseConfig.committed_session` the `db_session` dependency, in place of the plain one that
    Advanced Alchemy's plugin registers: so it must come after that plugin (`database_plugins`)."""

    def __init__(self, config: DatabaseConfig) -> None:
        self.config = config

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.dependencies[self.config.session_dependency_key] = Provide(self.config.committed_session)
        return app_config


def database_plugins(config: DatabaseConfig) -> list[InitPluginProtocol]:
    """Advanced Alchemy's plugin (engine, sessions, the `database` CLI; responses are msgspec Structs, so not its
    model serialization), then the committed sessions."""
    return [SQLAlchemyInitPlugin(config=config), CommittedSessions(config)]


def create_db_config(settings: Settings) -> DatabaseConfig:
    audit.listen()  # every session records changes of audited models (lib/audit.py)
    return DatabaseConfig(
        engine_instance=create_engine(settings),
        metadata=metadata,
        # No before_send commit (it would come after the status is decided and swallow a failure): provide_session
        # commits; the default handler closes the session once the answer is sent.
        session_config=AsyncSessionConfig(expire_on_commit=False),
        alembic_config=AlembicAsyncConfig(
            script_location=str(MIGRATIONS_DIR),
            script_config=str(PROJECT_ROOT / "alembic.ini"),
            version_table_name="alembic_version",
            render_as_batch=True,
            compare_type=True,
        ),
        create_all=False,
    )
