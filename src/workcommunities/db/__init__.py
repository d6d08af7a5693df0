"""Database layer helpers shared by the services.

`AnyRow` / `AnySelect`: SQLAlchemy 2.1's variadic Row and Select for any columns.
"""

from typing import Any, TypeAlias

from sqlalchemy import Row, Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

AnyRow: TypeAlias = Row[*tuple[Any, ...]]
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


async def insert_ignore(session: AsyncSession, model: type[Any], **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING on PostgreSQL and SQLite: the idempotent write behind follow, join and the
    lazy profile; a concurrent request that inserted the same key first simply wins, without an error."""
    builder = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(builder(model).values(**values).on_conflict_do_nothing())
