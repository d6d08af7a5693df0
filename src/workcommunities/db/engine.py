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

from pathlib import Path

import msgspec
from advanced_alchemy.extensions.litestar import AlembicAsyncConfig, AsyncSessionConfig, SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar._utils import get_aa_scope_state, set_aa_scope_state
from litestar.datastructures import State
from litestar.types import Scope
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from workcommunities.db.models import metadata
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
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # Times that PostgreSQL writes into JSON (lib/aggregate.py) carry the session's offset: UTC, as the API writes.
    # JSON columns (tags) are read by msgspec, several times faster than the standard library.
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        connect_args={"server_settings": {"timezone": "UTC"}},
        json_deserializer=msgspec.json.decode,
    )


SAFE_METHODS = frozenset({"GET", "HEAD"})
AUTOCOMMIT_ENGINE = "autocommit_engine"


class DatabaseConfig(SQLAlchemyAsyncConfig):
    """The plugin's configuration, with autocommit sessions for safe requests (see the module's docstring)."""

    def provide_session(self, state: State, scope: Scope) -> AsyncSession:
        if get_aa_scope_state(scope, self.session_scope_key) is None and scope.get("method") in SAFE_METHODS:
            if (engine := state.get(AUTOCOMMIT_ENGINE)) is None:
                # The same pool: a connection is switched to autocommit on checkout and back on return.
                engine = state[AUTOCOMMIT_ENGINE] = self.provide_engine(state).execution_options(
                    isolation_level="AUTOCOMMIT"
                )
            set_aa_scope_state(scope, self.session_scope_key, state[self.session_maker_app_state_key](bind=engine))
        return super().provide_session(state, scope)


def create_db_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    return DatabaseConfig(
        engine_instance=create_engine(settings),
        metadata=metadata,
        # Commit on 2xx, roll back otherwise: handlers never commit.
        before_send_handler="autocommit",
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
