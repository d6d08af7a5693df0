"""Users, their one profile, and the profile's ordered skills and statuses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workcommunities.db.models._base import DefaultBase, UUIDv7AuditBase, fk, optional_fk


class Role(StrEnum):
    student = "student"
    company = "company"
    admin = "admin"


class User(UUIDv7AuditBase):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('student', 'company', 'admin')", name="role"),
        Index("ix_user_account_created", "created_at", "id"),
    )

    role: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(100))
    avatar_media_id: Mapped[UUID | None] = optional_fk("media.id")
    # SHA-256 of the secret in the user's calendar feed URL (`/calendar/{token}.ics`); NULL until one is issued.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Set when the account was erased (DELETE /profiles/me): the row stays, anonymous, so nothing pointing at it
    # breaks; its tokens no longer authenticate.
    erased_at: Mapped[datetime | None]


class Profile(UUIDv7AuditBase):
    __tablename__ = "profile"

    user_id: Mapped[UUID] = fk("user_account.id", "CASCADE")
    full_name: Mapped[str | None] = mapped_column(String(200))
    portfolio_url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("uq_profile_user_id", "user_id", unique=True),)


class ProfileSkill(DefaultBase):
    __tablename__ = "profile_skill"
    __table_args__ = (Index("ix_profile_skill_order", "profile_id", "position"),)

    profile_id: Mapped[UUID] = fk("profile.id", "CASCADE", primary_key=True)
    skill_id: Mapped[UUID] = fk("skill.id", "CASCADE", primary_key=True, index=True)
    position: Mapped[int]


class ProfileStatus(DefaultBase):
    __tablename__ = "profile_status"
    __table_args__ = (Index("ix_profile_status_order", "profile_id", "position"),)

    profile_id: Mapped[UUID] = fk("profile.id", "CASCADE", primary_key=True)
    status_id: Mapped[UUID] = fk("status.id", "CASCADE", primary_key=True, index=True)
    position: Mapped[int]
