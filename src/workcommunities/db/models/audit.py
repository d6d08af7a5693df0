"""The audit log: who changed ownership-relevant data or acted as an admin, when, and what changed (lib/audit.py
writes it). Append-only: the database refuses UPDATE and DELETE on it, by the triggers below (created with the table by
`metadata.create_all`; the migration `trust and safety` holds the same statements)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.mixins.uuid import uuid7
from sqlalchemy import DDL, JSON, Index, String, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from workcommunities.db.models._base import DefaultBase, utcnow

JsonObject = JSON().with_variant(JSONB(), "postgresql")


class AuditEntry(DefaultBase):
    __tablename__ = "audit_log"
    # Newest first, whole or by actor, target or action (GET /admin/audit).
    __table_args__ = (
        Index("ix_audit_log_at", "at", "id"),
        Index("ix_audit_log_actor", "actor_id", "at", "id"),
        Index("ix_audit_log_target", "target_id", "at", "id"),
        Index("ix_audit_log_action", "action", "at", "id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid7)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # No foreign keys: an entry outlives the account, community or post it names.
    actor_id: Mapped[UUID | None]
    actor_role: Mapped[str] = mapped_column(String(16))  # student, company, admin, or system (the CLI, imports)
    action: Mapped[str] = mapped_column(String(64))  # "<target type>.<verb>": community.archive, post.delete, …
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[UUID | None]
    changes: Mapped[dict[str, Any]] = mapped_column(JsonObject)  # field → [before, after], secrets masked


APPEND_ONLY = {
    "postgresql": (
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    ),
    "sqlite": tuple(
        f"CREATE TRIGGER audit_log_no_{verb} BEFORE {verb.upper()} ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        for verb in ("update", "delete")
    ),
}
for _dialect, _statements in APPEND_ONLY.items():
    for _statement in _statements:
        event.listen(AuditEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
