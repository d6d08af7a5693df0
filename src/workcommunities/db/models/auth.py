"""One-time login codes, stored hashed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from workcommunities.db.models._base import UUIDv7AuditBase


class OtpCode(UUIDv7AuditBase):
    __tablename__ = "otp_code"
    # Verify reads the newest live code of a phone; the resend throttle counts a phone's recent codes.
    __table_args__ = (Index("ix_otp_code_phone", "phone", "created_at"),)

    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    consumed_at: Mapped[datetime | None]
