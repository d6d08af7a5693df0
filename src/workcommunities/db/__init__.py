"""Database layer helpers shared by the services.

`AnyRow` / `AnySelect`: SQLAlchemy 2.1's variadic Row and Select for any columns.
"""

from collections.abc import Sequence
from typing import Any, TypeAlias

from sqlalchemy import Executable, Row, Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

AnyRow: TypeAlias = Row[*tuple[Any, ...]]
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


async def insert_ignore(session: AsyncSession, model: type[Any], **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING on PostgreSQL and SQLite: the idempotent write behind follow, join and the
    lazy profile; a concurrent request that inserted the same key first simply wins, without an error."""
    builder = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(builder(model).values(**values).on_conflict_do_nothing())


async def fetch_rows(
    session: AsyncSession, statement: Executable, params: dict[str, Any] | None = None
) -> Sequence[AnyRow]:
    """Run a column SELECT on the session's connection (same transaction) without the ORM layer: the hot lists
    select plain columns, and the ORM's per-statement work would cost more than the query itself."""
    connection = await session.connection()
    return (await connection.execute(statement, params)).all()
