"""Database layer helpers shared by the services.

`AnyRow` / `AnySelect`: SQLAlchemy 2.1's variadic Row and Select for any columns.
"""

from collections.abc import Sequence
from typing import Any, TypeAlias
from uuid import UUID

from sqlalchemy import Executable, Row, Select, delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

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


async def replace_ordered(
    session: AsyncSession,
    owner: InstrumentedAttribute[UUID],
    owner_id: UUID,
    item: InstrumentedAttribute[UUID],
    ids: list[UUID],
) -> None:
    """Replace an owner's ordered link list (company skills, gallery, content media, profile statuses …): the new
    rows carry their position in the given order. `owner` and `item` are columns of the same link table."""
    link = owner.class_
    await session.execute(delete(link).where(owner == owner_id))
    if ids:
        rows = [{owner.key: owner_id, item.key: value, "position": index} for index, value in enumerate(ids)]
        await session.execute(insert(link), rows)
