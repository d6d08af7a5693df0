"""The repository layer on the real databases: Advanced Alchemy's errors carry our details, and the one handler turns
them into the contract's answers."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from advanced_alchemy.exceptions import IntegrityError, NotFoundError, RepositoryError
from litestar import Litestar
from sqlalchemy import event, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.helpers import Api, bearer, new_phone
from workcommunities.db import AnySelect
from workcommunities.db.models import Community, Company, User
from workcommunities.domain.companies.repositories import CompanyRepository
from workcommunities.domain.users.repositories import UserRepository
from workcommunities.lib.errors import exception_handlers
from workcommunities.lib.schema import parse_id


async def test_duplicate_keys_and_missing_rows_carry_the_repositorys_details(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    phone = new_phone()
    handler = exception_handlers[RepositoryError]
    async with app.state.db_config.get_session() as session:
        users = UserRepository(session=session)
        await users.add(User(role="student", phone=phone))
        # A DuplicateKeyError on SQLite; a plain IntegrityError on PostgreSQL (asyncpg's message escapes Advanced
        # Alchemy's patterns): both carry the repository's detail and answer 409.
        with pytest.raises(IntegrityError) as duplicate:
            await users.add(User(role="student", phone=phone))
        assert (duplicate.value.detail, handler(None, duplicate.value).status_code) == ("Account already exists", 409)
        await session.rollback()

        companies = CompanyRepository(session=session)
        await companies.add(Company(name="Holder", phone=phone))
        with pytest.raises(IntegrityError) as duplicate:
            await companies.add(Company(name="Second", phone=phone))
        response = handler(None, duplicate.value)
        assert (response.status_code, response.content) == (409, {"detail": "Phone is registered with another company"})
        await session.rollback()

        with pytest.raises(NotFoundError) as missing:
            await companies.get(parse_id("0" * 32))
        response = handler(None, missing.value)
        assert (response.status_code, response.content) == (404, {"detail": "Not found"})


async def test_a_safe_read_on_postgresql_runs_on_asyncpg_itself(client: httpx.AsyncClient, app: Litestar) -> None:
    """`Repository.driver_row` hands a safe request's page to asyncpg directly on PostgreSQL: the statement is
    announced to `before_cursor_execute` listeners (the statement counts) but never runs through SQLAlchemy's cursor
    (no `after_cursor_execute`); on SQLite it does. The row reads the same either way."""
    async with app.state.db_config.get_session() as session:
        session.add(Community(name="Direct"))
        await session.commit()
    student = await Api(client).student()
    engine = app.state.db_config.get_engine().sync_engine
    seen = {"before_cursor_execute": 0, "after_cursor_execute": 0}

    def counter(name: str) -> Callable[..., None]:
        def count(*_: object) -> None:
            seen[name] += 1

        return count

    listeners = [(name, counter(name)) for name in seen]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        response = await client.get("/communities/")
        read = dict(seen)
        # A write reads its caller with the same method (`UserRepository.role_and_phone`), in its transaction:
        # through SQLAlchemy's cursor on both databases.
        written = await client.patch("/profiles/me", json={"description": "Written"}, headers=bearer(student))
        write = {name: seen[name] - read[name] for name in seen}
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
    assert response.status_code == 200
    assert [community["name"] for community in response.json()] == ["Direct"]
    assert (written.status_code, written.json()["description"]) == (200, "Written")
    assert write["before_cursor_execute"] == write["after_cursor_execute"] >= 2
    if engine.dialect.name == "postgresql":
        assert read == {"before_cursor_execute": 1, "after_cursor_execute": 0}
    else:
        assert read["before_cursor_execute"] == read["after_cursor_execute"] >= 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # asyncpg's statement cache
async def test_long_statements_stay_prepared(client: httpx.AsyncClient, app: Litestar) -> None:
    """asyncpg keeps a statement prepared (planned once per connection) only up to 15 KB unless the engine says
    otherwise; the search's statement is longer than that and is run by `driver_row` on safe requests."""
    statement: AnySelect = select(literal_column("1").label("one")).where(text("TRUE /* " + "x" * 20_000 + " */"))
    autocommit = app.state.db_config.get_engine().execution_options(isolation_level="AUTOCOMMIT")
    async with AsyncSession(autocommit) as session:  # one connection throughout, as a safe request's
        repository = UserRepository(session=session)
        for _ in range(2):
            row = await repository.driver_row(statement, {})
            assert row is not None and row.one == 1
        long_ones = text("SELECT count(*) FROM pg_prepared_statements WHERE length(statement) > 20000")
        prepared = await session.scalar(long_ones)
    assert prepared == 1
