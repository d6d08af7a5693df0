"""The repository layer on the real databases: Advanced Alchemy's errors carry our details, and the one handler turns
them into the contract's answers."""

from __future__ import annotations

import httpx
import pytest
from advanced_alchemy.exceptions import IntegrityError, NotFoundError, RepositoryError
from litestar import Litestar

from tests.helpers import new_phone
from workcommunities.db.models import Company, User
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
