"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from advanced_alchemy.base import DefaultBase, UUIDv7AuditBase, orm_registry
from sqlalchemy import JSON, ForeignKey
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ("DefaultBase", "JsonList", "UUIDv7AuditBase", "fk", "metadata", "optional_fk", "utcnow")

metadata = orm_registry.metadata

# Ordered string lists (tags). Advanced Alchemy's JsonB type breaks on SQLAlchemy 2.1, so build the variant here.
JsonList = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def fk(target: str, ondelete: str, *, primary_key: bool = False, index: bool = False) -> Mapped[UUID]:
    """A required UUID foreign key with a deliberate ON DELETE."""
    return mapped_column(ForeignKey(target, ondelete=ondelete), primary_key=primary_key, index=index, nullable=False)


def optional_fk(target: str, ondelete: str = "SET NULL", *, index: bool = False) -> Mapped[UUID | None]:
    return mapped_column(ForeignKey(target, ondelete=ondelete), index=index, nullable=True)
