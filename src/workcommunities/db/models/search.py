"""The search indexes of communities, companies and content, which the database keeps up to date by itself.

No model maps them (nothing reads or writes them but the search statements, domain/search/repositories.py), so they
are declared here as DDL, once per dialect, beside the tables they index:

- PostgreSQL: a STORED generated `search_vector` column per table, the weighted `tsvector` of its texts in both the
  `russian` (stems) and the `simple` (exact words, any language) configurations, with a GIN index; and a GIN trigram
  index (`pg_trgm`) on the name or title for misspellings. Long texts are indexed up to `MAX_INDEXED` characters (a
  `tsvector` holds at most 1 MB).
- SQLite: an FTS5 table per table, `<table>_search`, filled by triggers on insert, update and delete. It keeps its
  own copy of the texts (a regular FTS5 table): these tables have UUID keys, no INTEGER PRIMARY KEY, and an external-
  content index keyed by their implicit rowid would go wrong the day VACUUM or a table rebuild renumbers them. Each
  row carries its table row's id (`id`, not indexed) and that id as one indexed token (`key`, hex), by which the
  triggers find it in the index; queries name their columns, so `key` never matches a user's words.

`metadata.create_all` creates them through DDL events (the tests' databases); the migration `search` creates the same
objects from its own copy of these statements, and tests/integration/test_migrations.py checks that both agree.
Alembic's comparison of the schema with the models skips them by name (`is_search_object`, migrations/env.py).

A later migration that rebuilds one of these tables on SQLite (Alembic's batch mode copies it to a new table) drops
its triggers with it: it must create them again and refill the FTS5 table from the table (delete its rows, then
`sqlite_fill()`), as the migration `search` filled it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import DDL, MetaData, event

from workcommunities.db.models._base import metadata

CONFIGS = ("russian", "simple")
VECTOR = "search_vector"
MAX_INDEXED = 50_000  # characters of one text indexed on PostgreSQL
# pg_trgm is one of PostgreSQL's contrib extensions, which some builds leave out (the `pgserver` package's, say):
# without it, everything but the misspelling fallback works (domain/search/repositories.py asks which it has).
TRIGRAM_EXTENSION = (
    "DO $$ BEGIN IF EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_trgm') THEN "
    "CREATE EXTENSION IF NOT EXISTS pg_trgm; END IF; END $$"
)


def if_trigrams(sql: str) -> str:
    """A statement run only where the pg_trgm extension is installed."""
    return f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm') THEN {sql}; END IF; END $$"


@dataclass(frozen=True)
class Field:
    """One indexed part of a row: its columns, its weight on PostgreSQL (A, the name or title, to D) and in SQLite's
    bm25, and whether the columns are JSON lists of strings (tags) or long texts (capped at `MAX_INDEXED`)."""

    name: str
    weight: str
    bm25: float
    columns: tuple[str, ...]
    tags: bool = False
    long: bool = False


@dataclass(frozen=True)
class Searchable:
    """A table's search index: its fields (the first one is the name or title, also trigram-indexed)."""

    table: str
    fields: tuple[Field, ...]

    @property
    def title(self) -> str:
        return self.fields[0].columns[0]

    @property
    def fts(self) -> str:
        """SQLite's FTS5 table."""
        return f"{self.table}_search"

    @property
    def vector_index(self) -> str:
        return f"ix_{self.table}_search"

    @property
    def trigram_index(self) -> str:
        return f"ix_{self.table}_{self.title}_trgm"

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(f"{self.fts}_{action}" for action in ("insert", "update", "delete"))

    @property
    def fts_columns(self) -> tuple[str, ...]:
        """The FTS5 table's columns, in order: `id`, `key`, then one per field."""
        return ("id", "key", *(field.name for field in self.fields))

    # --- PostgreSQL ---------------------------------------------------------------------------------------------

    def vector(self) -> str:
        """The generated column's expression: every field's columns in both configurations, weighted."""
        parts = []
        for field in self.fields:
            for column in field.columns:
                text = column if field.tags else f"coalesce({column}, '')"
                text = f"left({text}, {MAX_INDEXED})" if field.long else text
                parts += [f"setweight(to_tsvector('{config}', {text}), '{field.weight}')" for config in CONFIGS]
        return "\n        || ".join(parts)

    def postgresql_create(self) -> list[str]:
        return [
            f"ALTER TABLE {self.table} ADD COLUMN {VECTOR} tsvector GENERATED ALWAYS AS (\n"
            f"        {self.vector()}\n    ) STORED",
            f"CREATE INDEX {self.vector_index} ON {self.table} USING gin ({VECTOR})",
            if_trigrams(f"CREATE INDEX {self.trigram_index} ON {self.table} USING gin ({self.title} gin_trgm_ops)"),
        ]

    def postgresql_drop(self) -> list[str]:
        return [
            f"DROP INDEX IF EXISTS {self.trigram_index}",
            f"DROP INDEX {self.vector_index}",
            f"ALTER TABLE {self.table} DROP COLUMN {VECTOR}",
        ]

    # --- SQLite -------------------------------------------------------------------------------------------------

    # Every statement below is written from this module's constants (no value ever comes from elsewhere): S608.

    def _values(self, row: str) -> str:
        """The FTS5 row of a table row (`new` or `old` in a trigger)."""
        values = [f"{row}.id", f"hex({row}.id)"]
        for field in self.fields:
            if field.tags:
                [column] = field.columns
                strings = f"SELECT group_concat(value, ' ') FROM json_each({row}.{column})"  # noqa: S608
                values.append(f"coalesce(({strings}), '')")
            else:
                values.append(" || ' ' || ".join(f"coalesce({row}.{column}, '')" for column in field.columns))
        return ",\n        ".join(values)

    def _insert(self, row: str) -> str:
        columns = ", ".join(self.fts_columns)
        return f"INSERT INTO {self.fts} ({columns}) VALUES (\n        {self._values(row)}\n    );"  # noqa: S608

    def _delete(self, row: str) -> str:
        return f"DELETE FROM {self.fts} WHERE {self.fts} MATCH 'key:\"' || hex({row}.id) || '\"';"  # noqa: S608

    def sqlite_create(self) -> list[str]:
        columns = [f"{name} UNINDEXED" if name == "id" else name for name in self.fts_columns]
        watched = ", ".join(column for field in self.fields for column in field.columns)
        insert, update, delete = self.triggers
        return [
            f"CREATE VIRTUAL TABLE {self.fts} USING fts5({', '.join(columns)})",
            f"CREATE TRIGGER {insert} AFTER INSERT ON {self.table} BEGIN\n    {self._insert('new')}\nEND",
            f"CREATE TRIGGER {update} AFTER UPDATE OF {watched} ON {self.table} BEGIN\n"
            f"    {self._delete('old')}\n    {self._insert('new')}\nEND",
            f"CREATE TRIGGER {delete} AFTER DELETE ON {self.table} BEGIN\n    {self._delete('old')}\nEND",
        ]

    def sqlite_fill(self) -> str:
        """Index the rows a table already has (the migration)."""
        columns = ", ".join(self.fts_columns)
        return f"INSERT INTO {self.fts} ({columns}) SELECT\n        {self._values(self.table)}\n    FROM {self.table}"

    def sqlite_drop(self) -> list[str]:
        """`IF EXISTS`: a table rebuilt by a later migration (batch mode) took its triggers with it."""
        return [*(f"DROP TRIGGER IF EXISTS {trigger}" for trigger in self.triggers), f"DROP TABLE IF EXISTS {self.fts}"]


COMMUNITY = Searchable(
    "community",
    (
        Field("name", "A", 10.0, ("name",)),
        Field("tags", "B", 4.0, ("tags",), tags=True),
        Field("description", "D", 1.0, ("description",), long=True),
    ),
)
COMPANY = Searchable(
    "company",
    (Field("name", "A", 10.0, ("name",)), Field("description", "D", 1.0, ("description",), long=True)),
)
# Posts and events: a post's text is its body, an event's its description, and an event has a place.
CONTENT = Searchable(
    "content",
    (
        Field("title", "A", 10.0, ("title",)),
        Field("tags", "B", 4.0, ("tags",), tags=True),
        Field("place", "C", 2.0, ("city", "location")),
        Field("body", "D", 1.0, ("body", "description"), long=True),
    ),
)
SEARCHABLE = (COMMUNITY, COMPANY, CONTENT)


def create_statements(dialect: str) -> list[str]:
    """Every search object of a database of this dialect, in the order to create them (after the tables)."""
    if dialect == "postgresql":
        return [TRIGRAM_EXTENSION, *(sql for each in SEARCHABLE for sql in each.postgresql_create())]
    return [sql for each in SEARCHABLE for sql in each.sqlite_create()]


def is_search_object(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Whether a reflected table, column or index is one of these (Alembic's `include_name` skips them)."""
    for each in SEARCHABLE:
        if type_ == "table" and name is not None and (name == each.fts or name.startswith(f"{each.fts}_")):
            return True  # the FTS5 table and its shadow tables (_data, _idx, _content, _docsize, _config)
        if parent_names.get("table_name") == each.table:
            if type_ == "column" and name == VECTOR:
                return True
            if type_ == "index" and name in (each.vector_index, each.trigram_index):
                return True
    return False


def _listen(target: MetaData | object, when: str, statements: list[str], dialect: str) -> None:
    for sql in statements:
        event.listen(target, when, DDL(sql).execute_if(dialect=dialect))


def _install(metadata: MetaData) -> None:
    """`create_all` and `drop_all` make and remove the search objects with their tables."""
    _listen(metadata, "before_create", [TRIGRAM_EXTENSION], "postgresql")
    for each in SEARCHABLE:
        table = metadata.tables[each.table]
        _listen(table, "after_create", each.postgresql_create(), "postgresql")
        _listen(table, "after_create", each.sqlite_create(), "sqlite")
        _listen(table, "before_drop", each.sqlite_drop(), "sqlite")


_install(metadata)
