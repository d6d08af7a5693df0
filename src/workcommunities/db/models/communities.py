"""Communities, their cases, and membership: the one relation behind both "follow" and "member"."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from workcommunities.db.models._base import DefaultBase, JsonList, UUIDv7AuditBase, fk, optional_fk, utcnow


class Community(UUIDv7AuditBase):
    __tablename__ = "community"
    __table_args__ = (
        Index("ix_community_listing", "is_archived", "name", "id"),
        Index("ix_community_company", "company_id", "name", "id"),
    )

    # Admins may create communities without a company; a deleted company takes its communities with it.
    company_id: Mapped[UUID | None] = optional_fk("company.id", "CASCADE")
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    telegram_url: Mapped[str | None] = mapped_column(String(500))
    tags: Mapped[list[str]] = mapped_column(JsonList, default=list)
    is_archived: Mapped[bool] = mapped_column(default=False)
    logo_media_id: Mapped[UUID | None] = optional_fk("media.id")
    # Archived by a moderator's decision (domain/reports/services.py): only an admin brings it back.
    archived_by_moderator: Mapped[bool] = mapped_column(default=False, server_default=false())


class Membership(DefaultBase):
    """A user's membership of a community; `POST /communities/{id}/follow` creates it."""

    __tablename__ = "membership"
    __table_args__ = (Index("ix_membership_community", "community_id", "joined_at", "user_id"),)

    user_id: Mapped[UUID] = fk("user_account.id", "CASCADE", primary_key=True)
    community_id: Mapped[UUID] = fk("community.id", "CASCADE", primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class Case(UUIDv7AuditBase):
    __tablename__ = "community_case"
    __table_args__ = (
        CheckConstraint("solutions_count >= 0", name="solutions_count"),
        Index("ix_community_case_order", "community_id", "date", "id"),
    )

    community_id: Mapped[UUID] = fk("community.id", "CASCADE")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    date: Mapped[datetime]
    solutions_count: Mapped[int] = mapped_column(default=0)
