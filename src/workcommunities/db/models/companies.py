"""Companies, their ordered skill list and gallery, and who follows them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workcommunities.db.models._base import DefaultBase, UUIDv7AuditBase, fk, optional_fk, utcnow


class Company(UUIDv7AuditBase):
    __tablename__ = "company"
    __table_args__ = (Index("ix_company_name", "name", "id"),)

    # The owner can leave; the company and its communities stay (an admin can bind a new phone).
    owner_user_id: Mapped[UUID | None] = optional_fk("user_account.id", index=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    logo_media_id: Mapped[UUID | None] = optional_fk("media.id")
    # Set when an admin deleted the company's account: it leaves every read, its communities are archived (the rows
    # stay, so what points at them keeps working).
    deleted_at: Mapped[datetime | None]


class CompanySkill(DefaultBase):
    __tablename__ = "company_skill"
    __table_args__ = (Index("ix_company_skill_order", "company_id", "position"),)

    company_id: Mapped[UUID] = fk("company.id", "CASCADE", primary_key=True)
    skill_id: Mapped[UUID] = fk("skill.id", "CASCADE", primary_key=True, index=True)
    position: Mapped[int]


class CompanyMedia(DefaultBase):
    __tablename__ = "company_media"
    __table_args__ = (Index("ix_company_media_order", "company_id", "position"),)

    company_id: Mapped[UUID] = fk("company.id", "CASCADE", primary_key=True)
    media_id: Mapped[UUID] = fk("media.id", "CASCADE", primary_key=True, index=True)
    position: Mapped[int]


class CompanyFollow(DefaultBase):
    __tablename__ = "company_follow"
    __table_args__ = (Index("ix_company_follow_company", "company_id"),)

    user_id: Mapped[UUID] = fk("user_account.id", "CASCADE", primary_key=True)
    company_id: Mapped[UUID] = fk("company.id", "CASCADE", primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
