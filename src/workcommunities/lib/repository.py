"""The base of every repository and service: Advanced Alchemy's, with what every aggregate of ours shares.

A repository is where SQL lives: Advanced Alchemy's generic operations (`get`, `add`, `update`, `delete`, `upsert` …)
plus the aggregate's own statements (hot lists that select only the columns a response needs and build it directly).
A service holds the rules (ownership, archive state, which ids must exist) and calls repositories. Commit and rollback
belong to the plugin, which commits on 2xx; the two services that must end a transaction early say why, where they do.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Self, TypeAlias, TypeVar, cast, overload
from uuid import UUID

from advanced_alchemy.base import ModelProtocol
from advanced_alchemy.exceptions import ErrorMessages
from advanced_alchemy.repository import DEFAULT_ERROR_MESSAGE_TEMPLATES, SQLAlchemyAsyncRepository
from advanced_alchemy.service import ModelDictT, SQLAlchemyAsyncRepositoryService
from sqlalchemy import ClauseElement, Executable, ScalarSelect, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_scoped_session
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler

from workcommunities.db import AnyRow
from workcommunities.lib import audit
from workcommunities.lib.errors import NOT_FOUND, UNIQUE_VIOLATION, BadRequest, NotFound, sqlstate
from workcommunities.lib.schema import dedupe, parse_id, present

ModelT = TypeVar("ModelT", bound=ModelProtocol)
Session: TypeAlias = AsyncSession | async_scoped_session[AsyncSession]
RepositoryT = TypeVar("RepositoryT", bound="Repository[Any]")
T = TypeVar("T")
_PREPARED: dict[Hashable, Any] = {}  # Repository.prepared: a fixed set of keys, one entry per statement and dialect


_REQUIRED = object()  # a parameter without a value of its own: every execution must give one


@dataclass(frozen=True)
class _DriverStatement:
    """A statement as its driver runs it (`Repository.driver_row`): the SQL text, and per positional parameter its
    name, the value the statement itself holds (a constant written with `literal()`, say) or `_REQUIRED`, and the
    conversion to the driver's value (the type's)."""

    sql: str
    parameters: tuple[tuple[str, Any, Callable[[Any], Any]], ...]

    @classmethod
    def of(cls, compiled: SQLCompiler, params: dict[str, Any]) -> Self:
        expanded = compiled.construct_expanded_state(params)
        assert expanded.positiontup is not None, "a positional paramstyle (asyncpg, sqlite3)"
        dialect = compiled.dialect
        parameters = []
        for name in expanded.positiontup:
            bind = compiled.binds[name]
            own = _REQUIRED if bind.required else bind.effective_value
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            parameters.append((name, own, process or _as_is))
        return cls(expanded.statement, tuple(parameters))

    def values(self, params: dict[str, Any]) -> tuple[Any, ...]:
        """The driver's values for one execution; a required parameter missing from `params` is a KeyError, as
        SQLAlchemy would refuse it, never the value of an earlier execution."""
        values = []
        for name, own, process in self.parameters:
            value = params[name] if own is _REQUIRED or name in params else own
            values.append(process(value))
        return tuple(values)


def _as_is(value: T) -> T:
    return value


_ROW_TYPES: dict[str, Any] = {}  # per SQL text of `_asyncpg_row`: the named tuple of its rows


def _in_autocommit(connection: AsyncConnection) -> bool:
    """Whether the connection runs each statement on its own (a safe request's, db/engine.py)."""
    sync = connection.sync_connection
    assert sync is not None, "a connection that has begun"
    return not sync.invalidated and sync.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


async def _asyncpg_row(connection: AsyncConnection, sql: str, values: tuple[Any, ...]) -> AnyRow | None:
    """The first row of `sql`, run by asyncpg itself on an autocommit connection's asyncpg connection, as a named
    tuple (what a reader takes from a Row: attributes, indexes, `_fields`). Outside autocommit SQLAlchemy's adapter
    would begin a transaction first, so only a safe request's reads come here; its work around the driver (a
    greenlet per statement, cursor, result) costs as much as the rest of a page. Listeners of `before_cursor_execute`
    (the tests' and the benchmark's statement counts) see the statement as any other, without a cursor or an
    execution context. Any failure runs the statement again through SQLAlchemy, which answers it as every
    statement's (a lost connection: the pool is dropped, a 503), so only SELECTs come here."""
    sync = connection.sync_connection
    assert sync is not None, "a connection that has begun"
    sync.dispatch.before_cursor_execute(sync, None, sql, values, None, False)
    driver_connection: Any = sync.connection.driver_connection
    try:
        record = await driver_connection.fetchrow(sql, *values)
    except Exception:
        return (await connection.exec_driver_sql(sql, values)).first()
    if record is None:
        return None
    row_type: Any = _ROW_TYPES.get(sql)
    if row_type is None:
        row_type = _ROW_TYPES[sql] = namedtuple("Row", record.keys())
    return cast(AnyRow, row_type._make(record))


def count_per_row(link: InstrumentedAttribute[UUID], parent: InstrumentedAttribute[UUID]) -> ScalarSelect[int]:
    """For a list of `parent` rows: how many `link` rows point at each one, counted by the link's index in the same
    statement (members of a community), never by a query per item."""
    return select(func.count()).where(link == parent).correlate(parent.class_).scalar_subquery()


def repository_errors(*, not_found: str = NOT_FOUND, duplicate_key: str = "Already exists") -> ErrorMessages:
    """A repository's error details (lib/errors.py answers them as 404 and 409): a missing row is `not_found`, a
    taken unique key is `duplicate_key`, also where Advanced Alchemy reports it as a plain integrity error (asyncpg)."""

    def integrity(exc: Exception) -> str:
        return duplicate_key if sqlstate(exc) == UNIQUE_VIOLATION else str(DEFAULT_ERROR_MESSAGE_TEMPLATES["integrity"])

    return ErrorMessages(not_found=not_found, duplicate_key=duplicate_key, integrity=integrity)


class Repository(SQLAlchemyAsyncRepository[ModelT]):
    error_messages: ErrorMessages | None = repository_errors()
    # The 400 detail for ids in a body that name no row of this repository's table.
    unknown_ids_detail: ClassVar[str] = "Invalid {field}: {ids}"

    def __init__(self, *, session: Session, auto_refresh: bool = False, statement: Any = None, **kwargs: Any) -> None:
        # Responses are read back with the repositories' column statements, never from a refreshed model. The base
        # statement is built once per model, not for every request's repository.
        if statement is None and (statement := _PREPARED.get(self.model_type)) is None:
            statement = _PREPARED[self.model_type] = select(self.model_type)
        super().__init__(session=session, auto_refresh=auto_refresh, statement=statement, **kwargs)

    def prepared(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()`, once per `key` and database dialect. Building a large statement and computing its cache key
        cost more than running it; a statement built once keeps its key (SQLAlchemy memoizes it on the object) and
        its compiled form (the engine's cache), so a request only binds its values (`bindparam`, `Page.params`)."""
        full_key = (self._dialect.name, key)
        if (statement := _PREPARED.get(full_key)) is None:
            statement = _PREPARED[full_key] = build()
        return cast(T, statement)

    @property
    def on_postgresql(self) -> bool:
        """Whether the database is PostgreSQL, where pages read their nested lists as JSON columns
        (lib/aggregate.py) and statements may use what SQLite lacks (LATERAL, its own ON CONFLICT)."""
        return self._dialect.name == "postgresql"

    async def rows(self, statement: Executable, params: dict[str, Any] | None = None) -> Sequence[AnyRow]:
        """Run a column SELECT on the session's connection (same transaction) without the ORM layer: the hot lists
        select plain columns, and the ORM's per-statement work would cost more than the query itself."""
        connection = await self.session.connection()
        return (await connection.execute(statement, params)).all()

    async def driver_row(self, statement: Executable, params: dict[str, Any]) -> AnyRow | None:
        """The first row of a column SELECT built once (`prepared`), run as SQL text that was compiled once per
        statement and value of its literal parameters (a page's limit): on the session's connection, in its
        transaction, counted and error-handled as any statement, but without SQLAlchemy's per-execution work
        (cache lookup, parameter and result processing), a fifth of a hot page's cost. Values are bound in the
        statement's types; columns come back as the driver reads them (text, times, UUIDs). A safe request's read
        on PostgreSQL goes to asyncpg itself (`_asyncpg_row`)."""
        assert isinstance(statement, ClauseElement) and statement.is_select, "a SELECT (`_asyncpg_row`)"
        connection = await self.session.connection()  # first: the dialect is set up once it has connected
        compiled = self.prepared(
            ("compiled", statement), lambda: cast(SQLCompiler, statement.compile(dialect=self._dialect))
        )
        literal = tuple(params[bind.key] for bind in compiled.literal_execute_params)
        driver = self.prepared(("driver", statement, literal), lambda: _DriverStatement.of(compiled, params))
        values = driver.values(params)
        if self._dialect.driver == "asyncpg" and _in_autocommit(connection):
            return await _asyncpg_row(connection, driver.sql, values)
        return (await connection.exec_driver_sql(driver.sql, values)).first()

    async def prepared_row(self, statement: Executable, params: dict[str, Any]) -> AnyRow | None:
        """The first row of a statement built once (`prepared`): `driver_row` on PostgreSQL, `row` elsewhere (SQLite's
        ids and times need SQLAlchemy's result processing). Readers of the row take either (`Out.from_row` turns
        both kinds of UUID into hex)."""
        return await (self.driver_row if self.on_postgresql else self.row)(statement, params)

    async def require(self, item_id: UUID) -> None:
        """404 unless a row with this id exists."""
        if not await self.exists(id=item_id):
            raise NotFound()

    async def row(self, statement: Executable, params: dict[str, Any] | None = None) -> AnyRow | None:
        """The first row of a column SELECT (see `rows`), or None."""
        connection = await self.session.connection()
        return (await connection.execute(statement, params)).first()

    def insert_into(self, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
        """An INSERT in the dialect's own form, which can take ON CONFLICT."""
        return (postgresql.insert if self.on_postgresql else sqlite.insert)(model)

    async def insert_ignore(self, model: type[Any], **values: Any) -> None:
        """INSERT … ON CONFLICT DO NOTHING on PostgreSQL and SQLite: the idempotent write behind follow and join; a
        concurrent request that inserted the same key first simply wins, without an error."""
        await self.session.execute(self.insert_into(model).values(**values).on_conflict_do_nothing())

    async def replace_ordered(
        self,
        owner: InstrumentedAttribute[UUID],
        owner_id: UUID,
        item: InstrumentedAttribute[UUID],
        ids: list[UUID],
        *,
        audited: str | None = None,
    ) -> None:
        """Replace an owner's ordered link list (company skills, gallery, content media, profile statuses …): the new
        rows carry their position in the given order. `owner` and `item` are columns of the same link table.
        `audited`: the owner's kind in the audit log, which then records the list before and after (lib/audit.py
        sees only ORM writes of columns)."""
        link = owner.class_
        before: list[UUID] = []
        if audited is not None:
            before = list(await self.session.scalars(select(item).where(owner == owner_id).order_by(link.position)))
        await self.session.execute(delete(link).where(owner == owner_id))
        if ids:
            rows = [{owner.key: owner_id, item.key: value, "position": index} for index, value in enumerate(ids)]
            await self.session.execute(insert(link), rows)
        if audited is not None and before != ids:
            lists = [[value.hex for value in before], [value.hex for value in ids]]
            audit.record(self.session, "update", audited, owner_id, {f"{item.key}s": lists})

    async def existing_ids(self, values: Iterable[str], field: str) -> list[UUID]:
        """Ids of this table sent in a body → UUIDs in the given order (trimmed, empties and repeats dropped); any id
        that names no row → 400 `unknown_ids_detail`, checked before anything is written."""
        parsed = {value: parse_id(value) for value in dedupe(list(values))}
        candidates = [value for value in parsed.values() if value is not None]
        id_column = getattr(self.model_type, self.id_attribute)
        found = (
            set(await self.session.scalars(select(id_column).where(id_column.in_(candidates)))) if candidates else set()
        )
        if invalid := [value for value, parsed_id in parsed.items() if parsed_id not in found]:
            raise BadRequest(self.unknown_ids_detail.format(field=field, ids=", ".join(invalid)))
        return [value for value in parsed.values() if value is not None]

    async def existing_id(self, value: str | None, field: str) -> UUID | None:
        """One optional id in a body: null or blank is None (it clears the reference), anything else must exist."""
        ids = await self.existing_ids([value or ""], field)
        return ids[0] if ids else None

    async def resolve(self, values: dict[str, Any], field: str) -> None:
        """In a body's present fields: the optional id `field`, when sent, checked and turned into a UUID (or None)."""
        if field in values:
            values[field] = await self.existing_id(values[field], field)


class Uses(Generic[T]):
    """A repository (or service) of another aggregate that a service or repository reads through, on the same
    session, made on first use: `skills = Uses(SkillRepository)`."""

    def __init__(self, kind: Callable[..., T]) -> None:
        self.kind = kind

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object, owner: type) -> T | Self:
        if instance is None:
            return self
        owner_repository = instance.repository if isinstance(instance, Service) else instance
        assert isinstance(owner_repository, Repository)
        made = self.kind(session=owner_repository.session)
        instance.__dict__[self.name] = made  # the instance's attribute wins from now on
        return made


class Service(SQLAlchemyAsyncRepositoryService[ModelT, RepositoryT], Generic[ModelT, RepositoryT]):
    """Base of every slice service. Writes go through Advanced Alchemy's `create` / `update` / `delete`; its
    `to_model_on_create` / `to_model_on_update` hooks hand the body's present fields (`lib.schema.present`) to
    `columns`, where a slice checks and normalises them, so create and PATCH share one path. Link lists (a post's
    media, a profile's skills) are the service method's. (Advanced Alchemy never sets a column that has a default to
    null: only `tags` has one, and null tags are an empty list.)"""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(session=session, auto_refresh=False, **kwargs)

    async def columns(self, values: dict[str, Any]) -> dict[str, Any]:
        """A body's present fields as the model's columns (fields that are not columns are left out later)."""
        return values

    async def to_model_on_create(self, data: ModelDictT[ModelT]) -> ModelDictT[ModelT]:
        return await self.columns(present(data))

    async def to_model_on_update(self, data: ModelDictT[ModelT]) -> ModelDictT[ModelT]:
        return await self.columns(present(data))

    async def patch(self, item_id: UUID, body: Any) -> ModelT:
        """The one PATCH path: the body's present fields (null kept), through `columns`, onto the row `item_id`
        (unknown → 404). The id travels with the fields, so the repository reads the row once."""
        return await self.update({**present(body), "id": item_id})
