"""Reference data: spheres, the skills in them, and statuses. Lists are ordered by `position`, then title."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workcommunities.db.models._base import UUIDv7AuditBase, fk


class Sphere(UUIDv7AuditBase):
    __tablename__ = "sphere"
    __table_args__ = (Index("ix_sphere_position", "position", "title"),)

    title: Mapped[str] = mapped_column(String(100), unique=True)
    background_color: Mapped[str] = mapped_column(String(16))
    text_color: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)


class Skill(UUIDv7AuditBase):
    __tablename__ = "skill"
    __table_args__ = (
        UniqueConstraint("sphere_id", "title"),
        Index("ix_skill_sphere_position", "sphere_id", "position", "title"),
    )

    # A sphere with skills cannot be deleted: profiles, companies and content point at those skills.
    sphere_id: Mapped[UUID] = fk("sphere.id", "RESTRICT")
    title: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    sphere: Mapped[Sphere] = relationship(lazy="raise")


class Status(UUIDv7AuditBase):
    __tablename__ = "status"
    __table_args__ = (Index("ix_status_position", "position", "title"),)

    title: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(default=0)
