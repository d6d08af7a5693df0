"""What every step of `import-seed` shares: the report, reading old rows, checking ids, references and sizes against
what is here, and writing a table's new rows in batches (or only counting them, in a dry run)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import insert, make_url, select, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection

from workcommunities.db import AnyRow
from workcommunities.domain.media.storage import MediaStorage
from workcommunities.lib.repository import Session
from workcommunities.lib.schema import as_utc, dedupe, parse_id

BATCH = 500


class ImportFailure(Exception):
    """The import cannot go on (the old database cannot be read); the message is meant for the operator."""


def old_database(value: str) -> tuple[URL, dict[str, Any]]:
    """The old database's URL as operators write it (`postgresql://user:pass@host/db?sslmode=require`), or an
    SQLAlchemy one, and the connection arguments that open it read-only."""
    url = make_url(value)
    if url.get_backend_name() != "postgresql":
        raise ValueError("the old service's database is PostgreSQL: give a postgresql:// URL")
    arguments: dict[str, Any] = {"server_settings": {"default_transaction_read_only": "on"}}
    if sslmode := url.query.get("sslmode"):  # libpq's spelling; asyncpg takes the same modes as `ssl`
        arguments["ssl"] = sslmode
    return url.difference_update_query(["sslmode"]).set(drivername="postgresql+asyncpg"), arguments


def utc(value: datetime | None) -> datetime | None:
    """The old service wrote naive UTC."""
    return None if value is None else as_utc(value)


def tag_list(value: str | None) -> list[str]:
    """Comma-joined tags → a trimmed list without empties or repeats."""
    return dedupe((value or "").split(","))


def too_long(model: Any, values: dict[str, Any]) -> str | None:
    """Why a row does not fit our columns (a text longer than the column), or None."""
    for column in model.__table__.columns:
        length, value = getattr(column.type, "length", None), values.get(column.key)
        if length and isinstance(value, str) and len(value) > length:
            return f"{column.key} has {len(value)} characters, at most {length} here"
    return None


class Progress(Protocol):
    def __call__(self, label: str, total: int) -> AbstractContextManager[Any]: ...


@dataclass
class Report:
    """What an import did, table by table: every row it skipped, and every reference it dropped from a row it kept,
    each with the id and the reason."""

    imported: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    dropped: list[tuple[str, str, str]] = field(default_factory=list)

    def skip(self, table: str, row_id: Any, reason: str) -> None:
        self.skipped.append((table, str(row_id), reason))

    def drop(self, table: str, row_id: Any, reason: str) -> None:
        self.dropped.append((table, str(row_id), reason))

    def lines(self, dry_run: bool) -> list[str]:
        verb = "would import" if dry_run else "imported"
        skipped, dropped = Counter(t for t, _, _ in self.skipped), Counter(t for t, _, _ in self.dropped)
        tables = sorted(set(self.imported) | set(self.present) | set(skipped) | set(dropped))
        out = [
            f"{table:20} {verb} {self.imported[table]:6}   already here {self.present[table]:6}   "
            f"skipped {skipped[table]:6}   references dropped {dropped[table]:6}"
            for table in tables
        ]
        out += [f"skipped {table} {row_id}: {reason}" for table, row_id, reason in self.skipped]
        out += [f"dropped {table} {row_id}: {reason}" for table, row_id, reason in self.dropped]
        return out


@dataclass
class Steps:
    old: AsyncConnection
    session: Session
    storage: MediaStorage
    media_dir: Path | None
    story_ttl: timedelta
    dry_run: bool
    progress: Progress
    report: Report = field(default_factory=Report)
    # Ids (or id pairs) that exist here after each step, imported or already present: what later rows may reference.
    known: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    skill_ids: dict[str, UUID] = field(default_factory=dict)  # old skill id → ours
    status_ids: dict[str, UUID] = field(default_factory=dict)

    async def rows(self, query: str) -> Sequence[AnyRow]:
        return (await self.old.execute(text(query))).all()

    async def existing(self, column: Any) -> set[Any]:
        return set(await self.session.scalars(select(column)))

    async def existing_pairs(self, first: Any, second: Any) -> set[tuple[Any, Any]]:
        return {(a, b) for a, b in (await self.session.execute(select(first, second))).all()}

    def id_of(self, table: str, row: AnyRow, column: str = "id") -> UUID | None:
        """A row's id as a UUID, or None (and the row skipped) when the old service wrote something else."""
        value = parse_id(str(getattr(row, column) or ""))
        if value is None:
            self.report.skip(table, getattr(row, "id", "?"), f"{column} {getattr(row, column)!r} is not a 32-hex id")
        return value

    def ref(
        self, table: str, row: AnyRow, column: str, target: str, *, required: bool = True, name: str | None = None
    ) -> UUID | None:
        """A reference of an old row (its `column`, called `name` in the old schema) to a row here. A required one
        that is missing skips the row (None); an optional one is dropped from the row and reported (None too)."""
        raw, name = getattr(row, column), name or column
        if raw is None:
            if required:
                self.report.skip(table, row.id, f"{name} is empty")
            return None
        value = parse_id(str(raw))
        if value is None or value not in self.known[target]:
            if required:
                self.report.skip(table, row.id, f"{name} {raw} names no imported {target} row")
            else:
                self.report.drop(table, row.id, f"{name} {raw} names no imported {target} row; left empty")
            return None
        return value

    def fresh(self, label: str, key: Any, present: set[Any]) -> bool:
        """Whether `key` is still to be written (False: it is already here, counted once)."""
        self.known[label].add(key)
        if key in present:
            self.report.present[label] += 1
            return False
        present.add(key)
        return True

    def forget(self, label: str, row: AnyRow, key: Any, reason: str | None) -> None:
        """Skip a row that was about to be written: rows referencing it are then skipped in their turn."""
        if reason is not None:
            self.report.skip(label, row.id, reason)
        self.known[label].discard(key)

    def keep(self, label: str, model: Any, row: AnyRow, key: Any, values: dict[str, Any], new: list[Any]) -> None:
        """A new row for `model`, unless a value does not fit our columns."""
        if reason := too_long(model, values):
            self.forget(label, row, key, reason)
        else:
            new.append(values)

    async def write(self, label: str, model: Any, values: list[dict[str, Any]]) -> None:
        """Insert the new rows of one table (in batches, one commit), or only count them in a dry run."""
        self.report.imported[label] += len(values)
        if self.dry_run or not values:
            return
        with self.progress(label, len(values)) as bar:
            for start in range(0, len(values), BATCH):
                chunk = values[start : start + BATCH]
                await self.session.execute(insert(model.__table__), chunk)
                bar.update(len(chunk))
        await self.session.commit()

    async def ordered_links(
        self, label: str, query: str, owner: Any, owner_table: str, item: Any, items: dict[str, UUID] | str
    ) -> None:
        """An ordered link list: `items` translates an old item id (reference data) or names the table it must be
        imported into; positions follow the old order."""
        present = await self.existing_pairs(owner, item)
        positions: Counter[UUID] = Counter()
        new = []
        for row in await self.rows(query):
            owner_id = self.ref(label, row, "owner", owner_table, name=owner.key)
            if isinstance(items, dict):
                item_id = items.get(row.item)
                if item_id is None:
                    self.report.skip(label, row.id, f"{item.key} {row.item} names no imported reference row")
            else:
                item_id = self.ref(label, row, "item", items, name=item.key)
            if owner_id is None or item_id is None:
                continue
            if (owner_id, item_id) in self.known[label]:
                self.report.skip(label, row.id, f"a repeat of {item.key} {row.item} for the same {owner.key}")
                continue
            if self.fresh(label, (owner_id, item_id), present):
                new.append({owner.key: owner_id, item.key: item_id, "position": positions[owner_id]})
            positions[owner_id] += 1
        await self.write(label, owner.class_, new)

    async def pairs(
        self,
        label: str,
        query: str,
        first: Any,
        first_table: str,
        second: Any,
        second_table: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """A set of (user, target) pairs from old rows that the old service let repeat: the first of each pair is
        imported, every repeat is reported."""
        present = await self.existing_pairs(first, second)
        new = []
        for row in await self.rows(query):
            left = self.ref(label, row, "first", first_table, name=first.key)
            right = self.ref(label, row, "second", second_table, name=second.key)
            if left is None or right is None:
                continue
            if (left, right) in self.known[label]:
                self.report.skip(label, row.id, f"a repeat of {first.key} {row.first} with {second.key} {row.second}")
                continue
            if self.fresh(label, (left, right), present):
                new.append({first.key: left, second.key: right, **(extra or {})})
        await self.write(label, first.class_, new)
