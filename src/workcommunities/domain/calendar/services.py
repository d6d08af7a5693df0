"""Calendar feeds (RFC 5545): one event's calendar for anyone, and each user's personal feed, which calendar apps
poll without logging in.

The personal feed's URL carries a secret token (`secrets.token_urlsafe(32)`, 256 bits) instead of a login. Only its
SHA-256 is stored: the database gives away no working URL, and the lookup by hash runs on a unique index. Issuing a
token replaces the previous one, so the old URL stops working at once; revoking clears it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

from workcommunities.db.models import Content, User
from workcommunities.domain.calendar import ics
from workcommunities.domain.calendar.repositories import CalendarRepository, CalendarTokenRepository
from workcommunities.domain.calendar.schemas import CalendarTokenOut
from workcommunities.lib.errors import NotFound
from workcommunities.lib.repository import Service, Session, Uses

FEED_NAME = "WorkCommunities"
RECENT = timedelta(days=30)  # past events stay in the feed this long, so a calendar keeps what the user attended
# `<token>.ics`, the token in `token_urlsafe`'s alphabet; anything else is a 404 before any query.
FEED_FILE = re.compile(r"([A-Za-z0-9_-]{16,128})\.ics")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarService(Service[Content, CalendarRepository]):
    repository_type = CalendarRepository

    tokens = Uses(CalendarTokenRepository)

    def __init__(self, session: Session, base_url: str) -> None:
        """`base_url`: where absolute URLs start (no trailing slash; deps.py)."""
        super().__init__(session)
        self.base_url = base_url

    async def event(self, event_id: UUID) -> bytes:
        """One event's calendar (unknown, or a post → 404)."""
        if (entry := await self.repository.entry(event_id)) is None:
            raise NotFound()
        return ics.calendar([entry], self.base_url)

    async def feed(self, file: str) -> bytes:
        """The personal feed named by `<token>.ics`: the events the token's owner is going to in live communities,
        upcoming ones first, then those of the last `RECENT` days. An unknown, revoked or malformed token → 404."""
        now = datetime.now(UTC)
        found = FEED_FILE.fullmatch(file)
        if found is None or (entries := await self.repository.feed(token_hash(found[1]), now, now - RECENT)) is None:
            raise NotFound()
        return ics.calendar(entries, self.base_url, name=FEED_NAME)

    async def issue_token(self, user_id: UUID) -> CalendarTokenOut:
        """A new feed URL for the user; the previous one stops working."""
        token = secrets.token_urlsafe(32)
        await self.tokens.update(User(id=user_id, calendar_token_hash=token_hash(token)))
        return CalendarTokenOut(url=f"{self.base_url}/calendar/{token}.ics", token=token)

    async def revoke_token(self, user_id: UUID) -> None:
        """The user's feed URL stops working (idempotent)."""
        await self.tokens.update(User(id=user_id, calendar_token_hash=None))
