"""The migrations build the models' schema on PostgreSQL and SQLite, through the real CLI, and run twice safely."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Table, bindparam, column, insert, table, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.helpers import cli
from workcommunities.db.models import Community, Company, Content, is_search_object, metadata
from workcommunities.db.models.search import SEARCHABLE, VECTOR

BEFORE_SEARCH, SEARCH = "a35e0cc98e93", "c2483f52c12b"


def _include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """As migrations/env.py: the search indexes are DDL that no model maps (db/models/search.py); the test below
    compares them with what `create_all` makes."""
    return not is_search_object(name, type_, parent_names)


async def _schema_diff(database_url: str) -> list[object]:
    engine = create_async_engine(database_url)
    # SQLite reflects column types loosely (a UUID's BINARY(16) comes back as NUMERIC): compare types on PostgreSQL.
    opts: dict[str, Any] = {"compare_type": engine.dialect.name == "postgresql", "include_name": _include_name}
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


# --- the search indexes (db/models/search.py) -------------------------------------------------------------------------


async def _search_objects(database_url: str) -> dict[str, str]:
    """Each search object of a database with its definition as the database reports it (whitespace folded)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                columns = text(
                    "SELECT table_name, generation_expression FROM information_schema.columns WHERE column_name = :name"
                )
                indexes = text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN :names").bindparams(
                    bindparam("names", expanding=True)
                )
                names = [name for each in SEARCHABLE for name in (each.vector_index, each.trigram_index)]
                found = {
                    f"{table}.{VECTOR}": expression
                    for table, expression in await conn.execute(columns, {"name": VECTOR})
                }
                found.update((name, definition) for name, definition in await conn.execute(indexes, {"names": names}))
                extensions = await conn.execute(text("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'"))
                found.update((name, "extension") for (name,) in extensions)
            else:
                objects = text("SELECT name, sql FROM sqlite_master WHERE name IN :names").bindparams(
                    bindparam("names", expanding=True)
                )
                names = [name for each in SEARCHABLE for name in (each.fts, *each.triggers)]
                found = {name: definition for name, definition in await conn.execute(objects, {"names": names})}
            return {name: " ".join(str(definition).split()) for name, definition in found.items()}
    finally:
        await engine.dispose()


@pytest.fixture
def second_database(fresh_database: str, make_pg_database: Callable[[], str], tmp_path: Path) -> str:
    """Another empty database of the same kind as `fresh_database`."""
    if fresh_database.startswith("postgresql"):
        return make_pg_database()
    return f"sqlite+aiosqlite:///{tmp_path / 'second.sqlite3'}"


async def test_the_migrations_make_the_search_indexes_as_create_all_does(
    fresh_database: str, second_database: str, tmp_path: Path
) -> None:
    """The migration keeps its own copy of db/models/search.py's statements (tests make their schema with
    `create_all`): both must build the same objects."""
    cli(fresh_database, tmp_path, "database", "upgrade", "--no-prompt")
    postgresql = fresh_database.startswith("postgresql")
    modelled = second_database
    engine = create_async_engine(modelled)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()

    migrated = await _search_objects(fresh_database)
    assert migrated == await _search_objects(modelled)
    # PostgreSQL: pg_trgm, and per table the column and its two indexes; SQLite: per table the FTS5 table and its
    # three triggers.
    assert len(migrated) == (1 + 3 * 3 if postgresql else 3 * 4), migrated


def _like(model: Any, *names: str) -> Any:
    """Some columns of a model's table, typed as the model types them (rows written as a revision's schema has
    them, whatever columns later revisions add)."""
    model_table: Table = model.__table__
    return table(model_table.name, *(column(name, model_table.c[name].type) for name in names))


async def test_the_search_migration_indexes_existing_rows_and_goes_back(fresh_database: str, tmp_path: Path) -> None:
    cli(fresh_database, tmp_path, "database", "upgrade", BEFORE_SEARCH, "--no-prompt")
    now = datetime.now(UTC)
    company_id, community_id = uuid4(), uuid4()
    engine = create_async_engine(fresh_database)
    async with engine.begin() as conn:
        await conn.execute(
            insert(_like(Company, "id", "name", "description", "created_at", "updated_at")),
            {"id": company_id, "name": "Школа", "description": "Курсы программирования", "created_at": now,
             "updated_at": now},
        )  # fmt: skip
        await conn.execute(
            insert(_like(Community, "id", "company_id", "name", "tags", "is_archived", "created_at", "updated_at")),
            {"id": community_id, "company_id": company_id, "name": "Питонисты", "tags": ["программирование"],
             "is_archived": False, "created_at": now, "updated_at": now},
        )  # fmt: skip
        await conn.execute(
            insert(_like(Content, "id", "community_id", "type", "title", "body", "tags", "created_at", "updated_at")),
            {"id": uuid4(), "community_id": community_id, "type": "post", "title": "Итоги", "tags": [],
             "body": "Программирование на Python", "created_at": now, "updated_at": now},
        )  # fmt: skip
    await engine.dispose()
    assert await _search_objects(fresh_database) == {}

    cli(fresh_database, tmp_path, "database", "upgrade", SEARCH, "--no-prompt")
    for each in SEARCHABLE:  # the rows that were there are indexed
        if fresh_database.startswith("postgresql"):
            where = f"{VECTOR} @@ to_tsquery('russian', 'программ:*')"
            assert await _count(fresh_database, f"{each.table} WHERE {where}") == 1, each.table
        else:
            assert await _count(fresh_database, f"{each.fts} WHERE {each.fts} MATCH 'программ*'") == 1, each.table

    cli(fresh_database, tmp_path, "database", "downgrade", BEFORE_SEARCH, "--no-prompt")
    # Everything goes but the extension, which other objects may use.
    kept = {"pg_trgm": "extension"} if fresh_database.startswith("postgresql") else {}
    assert await _search_objects(fresh_database) == kept
    assert await _count(fresh_database, "content") == 1
