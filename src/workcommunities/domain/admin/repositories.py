"""The audit log's reads (its writes: lib/audit.py)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, bindparam, select

from workcommunities.db.models import AuditEntry
from workcommunities.domain.admin.schemas import AuditEntryOut
from workcommunities.lib.pagination import KeysetOrder, Page, Paged, paged
from workcommunities.lib.repository import Repository

# Newest first, the id as tiebreak; each filter has an index that starts with its column (db/models/audit.py).
NEWEST = KeysetOrder("audit", AuditEntry.at, AuditEntry.id, descending=True)
ENTRIES = select(
    AuditEntry.id,
    AuditEntry.at,
    AuditEntry.actor_id,
    AuditEntry.actor_role,
    AuditEntry.action,
    AuditEntry.target_type,
    AuditEntry.target_id,
    AuditEntry.changes,
)
FILTERS: dict[str, ColumnElement[bool]] = {
    "actor": AuditEntry.actor_id == bindparam("actor", type_=AuditEntry.actor_id.type),
    "target": AuditEntry.target_id == bindparam("target", type_=AuditEntry.target_id.type),
    "action": AuditEntry.action == bindparam("action"),
    "since": AuditEntry.at >= bindparam("since", type_=AuditEntry.at.type),
    "until": AuditEntry.at < bindparam("until", type_=AuditEntry.at.type),
}


class AuditRepository(Repository[AuditEntry]):
    model_type = AuditEntry

    async def entries(
        self,
        page: Page,
        *,
        actor: UUID | None,
        target: UUID | None,
        action: str | None,
        since: datetime | None,
        until: datetime | None,
    ) -> Paged[AuditEntryOut]:
        """A page of the log, newest first, narrowed by the filters given; one statement per filter set."""
        values = {"actor": actor, "target": target, "action": action, "since": since, "until": until}
        given = tuple(name for name, value in values.items() if value is not None)
        statement = self.prepared(
            ("audit", given, page.shape),
            lambda: paged(ENTRIES.where(*(FILTERS[name] for name in given)), NEWEST, shape=page.shape),
        )
        rows = await self.rows(statement, {**page.params(NEWEST), **{name: values[name] for name in given}})
        items = [AuditEntryOut.from_row(row) for row in rows]
        last = (rows[-1].at, rows[-1].id) if rows else None
        return Paged(items, page.next_cursor(NEWEST, len(rows), last))
