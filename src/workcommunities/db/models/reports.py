"""Reports of abusive content: one per reporter and target (a second report updates the first)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workcommunities.db.models._base import UUIDv7AuditBase, fk


class Report(UUIDv7AuditBase):
    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("reporter_id", "target_type", "target_id"),
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
    status: Mapped[str] = mapped_column(String(16), default="open")  # "resolved" by the moderation queue (to come)
