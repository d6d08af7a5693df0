"""Login codes, stored hashed: one live code per phone (a new one retires the older ones)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, update

from workcommunities.db import AnyRow
from workcommunities.db.models import OtpCode
from workcommunities.lib.repository import Repository


class LoginCodeRepository(Repository[OtpCode]):
    model_type = OtpCode

    async def recent(self, phone: str, since: datetime) -> AnyRow:
        """How many codes the phone got since `since`, and when the oldest and the newest of them were made."""
        query = select(
            func.count().label("codes"),
            func.min(OtpCode.created_at).label("oldest"),
            func.max(OtpCode.created_at).label("newest"),
        ).where(OtpCode.phone == phone, OtpCode.created_at > since)
        row = await self.row(query)
        assert row is not None  # an aggregate always has a row
        return row

    async def retire(self, phone: str, now: datetime) -> None:
        """Consume every live code of the phone (a new one is about to be issued)."""
        await self.session.execute(
            update(OtpCode).where(OtpCode.phone == phone, OtpCode.consumed_at.is_(None)).values(consumed_at=now)
        )

    async def newest_live(self, phone: str) -> OtpCode | None:
        query = (
            select(OtpCode)
            .where(OtpCode.phone == phone, OtpCode.consumed_at.is_(None))
            .order_by(OtpCode.created_at.desc(), OtpCode.id.desc())
            .limit(1)
        )
        return await self.session.scalar(query)

    # Both writes below are single UPDATE statements, so parallel guesses cannot overwrite each other's count
    # (SQLite has no row locks) and two requests with the right code cannot both use it.

    async def count_failure(self, code: OtpCode, now: datetime, max_attempts: int) -> None:
        """One more wrong try; the last allowed one burns the code."""
        burned = case((OtpCode.attempts + 1 >= max_attempts, now), else_=OtpCode.consumed_at)
        await self.session.execute(
            update(OtpCode).where(OtpCode.id == code.id).values(attempts=OtpCode.attempts + 1, consumed_at=burned)
        )

    async def use(self, code: OtpCode, now: datetime) -> bool:
        """Consume the code unless it was burned or used in the meantime; whether this request got it."""
        used = await self.session.scalar(
            update(OtpCode)
            .where(OtpCode.id == code.id, OtpCode.consumed_at.is_(None))
            .values(consumed_at=now)
            .returning(OtpCode.id)
        )
        return used is not None
