"""Providers of the system routes."""

from __future__ import annotations

from advanced_alchemy.exceptions import RepositoryError
from litestar.di import NamedDependency, Provide
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.lib.repository import Repository


async def provide_database_ready(db_session: NamedDependency[AsyncSession]) -> bool:
    """Whether the database answers a trivial statement (Advanced Alchemy's health check)."""
    try:
        return await Repository.check_health(db_session)
    except (RepositoryError, SQLAlchemyError, OSError):
        return False


database_ready = Provide(provide_database_ready)
