"""The migrations build the models' schema on PostgreSQL and SQLite, through the real CLI, and run twice safely."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.helpers import cli
from workcommunities.db.models import metadata


async def _schema_diff(database_url: str) -> list[object]:
    engine = create_async_engine(database_url)
    # SQLite reflects column types loosely (a UUID's BINARY(16) comes back as NUMERIC): compare types on PostgreSQL.
    opts = {"compare_type": engine.dialect.name == "postgresql"}
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts=opts), metadata)
            )
    finally:
        await engine.dispose()


async def _count(database_url: str, table: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # noqa: S608
    finally:
        await engine.dispose()


async def test_upgrade_and_seed_twice_then_schema_matches_models(fresh_database: str, tmp_path: Path) -> None:
    for _ in range(2):
        cli(fresh_database, tmp_path, "database", "upgrade", "--no-prompt")
        assert "reference data is in place" in cli(fresh_database, tmp_path, "seed", "reference").stdout
    assert await _schema_diff(fresh_database) == []
    assert await _count(fresh_database, "sphere") == 2
    assert await _count(fresh_database, "skill") == 9
    assert await _count(fresh_database, "status") == 5


async def test_downgrade_to_base_and_back(fresh_database: str, tmp_path: Path) -> None:
    cli(fresh_database, tmp_path, "database", "upgrade", "--no-prompt")
    cli(fresh_database, tmp_path, "database", "downgrade", "base", "--no-prompt")
    assert len(await _schema_diff(fresh_database)) >= len(metadata.tables)  # every table is gone again
    cli(fresh_database, tmp_path, "database", "upgrade", "--no-prompt")
    assert await _schema_diff(fresh_database) == []


async def test_admin_create_command(fresh_database: str, tmp_path: Path) -> None:
    """The CLI makes admins through the same service as the signup: with a profile, refusing a known e-mail."""
    cli(fresh_database, tmp_path, "database", "upgrade", "--no-prompt")
    result = cli(fresh_database, tmp_path, "admin", "create", "--email", "Ops@Example.com", "--password", "a-long-one")
    assert "admin ops@example.com created" in result.stdout
    assert await _count(fresh_database, "user_account WHERE role = 'admin'") == 1
    assert await _count(fresh_database, "profile") == 1
    again = cli(fresh_database, tmp_path, "admin", "create", "--email", "ops@example.com", "--password", "x", ok=False)
    assert "ops@example.com: Email already registered" in again.stderr
    assert await _count(fresh_database, "user_account") == 1
