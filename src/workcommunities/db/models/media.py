"""Uploaded files. The row is the source of truth; the bytes live in the media storage under `storage_key`."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from workcommunities.db.models._base import UUIDv7AuditBase


class Media(UUIDv7AuditBase):
    __tablename__ = "media"

    kind: Mapped[str] = mapped_column(String(16))  # image | video | other
    mime: Mapped[str] = mapped_column(String(100))
    ext: Mapped[str] = mapped_column(String(16), default="")
    size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    checksum: Mapped[str] = mapped_column(String(64))  # sha256, hex
    # Who uploaded it (a user's data export lists their uploads); NULL for files made by the server or imported. No
    # foreign key: users point at media (avatars) already, and a cycle of keys would need ALTERs SQLite cannot do.
    uploaded_by: Mapped[UUID | None] = mapped_column(index=True)
