"""Reports of abusive content and the moderation cases that group them: one open case per reported target, which a
moderator resolves once for all its reports, and one report per reporter in each case (a second updates the
first)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from workcommunities.db.models._base import UUIDv7AuditBase, fk, optional_fk

OPEN = text("status = 'open'")
RESOLVED = text("status = 'resolved'")


class ModerationCase(UUIDv7AuditBase):
    """The reports of one target since it was last resolved (`created_at`: its first report)."""

    __tablename__ = "moderation_case"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
        CheckConstraint("action IN ('dismiss', 'hide', 'archive_community')", name="action"),
        # One open case per target: every new report of it joins that case (`ON CONFLICT` of the report's upsert).
        Index(
            "ux_moderation_case_open_target",
            "target_type",
            "target_id",
            unique=True,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        ),
        # The queue: the most reported first, then the latest (ids are time-ordered), read backwards.
        Index("ix_moderation_case_queue", "reporters", "id", postgresql_where=OPEN, sqlite_where=OPEN),
        # The resolved ones, the latest decision first.
        Index(
            "ix_moderation_case_resolved",
            "resolved_at",
            "id",
            postgresql_where=RESOLVED,
            sqlite_where=RESOLVED,
        ),
    )

    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[UUID]
    status: Mapped[str] = mapped_column(String(16), default="open")
    reporters: Mapped[int] = mapped_column(default=0)  # its reports; fixed once resolved
    last_reported_at: Mapped[datetime]
    action: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[UUID | None] = optional_fk("user_account.id")
    resolved_at: Mapped[datetime | None]


class Report(UUIDv7AuditBase):
    __tablename__ = "report"
    __table_args__ = (
        # A reporter's one report in each case of a target: filed again, it changes; after its case is resolved, a
        # new one joins the target's next case, and the resolved case keeps what it was decided on.
        UniqueConstraint("reporter_id", "case_id"),
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
        # The reporter's recent reports (the rate limit, and their data export).
        Index("ix_report_reporter", "reporter_id", "updated_at"),
    )

    # An erased reporter stays as a tombstone row, so the report keeps pointing somewhere.
    reporter_id: Mapped[UUID] = fk("user_account.id", "CASCADE")
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[UUID]
    reason: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # "resolved" with its case
    case_id: Mapped[UUID] = fk("moderation_case.id", "CASCADE", index=True)
