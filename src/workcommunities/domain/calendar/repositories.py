"""The SQL of the calendar feeds: events as calendars show them, and the owner of a calendar token.

The personal feed is two indexed statements whatever its size: the owner by the token's hash (unique index), then
the owner's participations (primary key, user first) joined to their events.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, case, select

from workcommunities.db.models import Content, EventParticipant, ParticipationStatus, User
from workcommunities.domain.calendar.schemas import CalendarEntry
from workcommunities.domain.content.repositories import VISIBLE, in_live_communities
from workcommunities.domain.events.repositories import IS_EVENT
from workcommunities.lib.repository import Repository

FEED_LIMIT = 500  # a calendar app reads the whole feed at every poll; this keeps a poll cheap

ENTRY = select(
    Content.id,
    Content.title,
    Content.description,
    Content.city,
    Content.location,
    Content.event_date,
    Content.updated_at,
).where(IS_EVENT)
EVENT_ENTRY = ENTRY.where(Content.id == bindparam("event_id"), VISIBLE)
UPCOMING = Content.event_date >= bindparam("now")
# Upcoming events soonest first, then the recent past latest first: the limit drops the oldest past events first.
GOING = (
    in_live_communities(ENTRY)
    .join(EventParticipant, EventParticipant.content_id == Content.id)
    .where(
        EventParticipant.user_id == bindparam("user_id"),
        EventParticipant.status == ParticipationStatus.going.value,
        Content.event_date >= bindparam("since"),
    )
    .order_by(case((UPCOMING, 0), else_=1), case((UPCOMING, Content.event_date)), Content.event_date.desc(), Content.id)
    .limit(FEED_LIMIT)
)
TOKEN_OWNER = select(User.id).where(User.calendar_token_hash == bindparam("token_hash"))


class CalendarRepository(Repository[Content]):
    model_type = Content

    async def entry(self, event_id: UUID) -> CalendarEntry | None:
        """An event, whatever its community's state (archived content stays readable by id), unless hidden."""
        row = await self.row(EVENT_ENTRY, {"event_id": event_id})
        return CalendarEntry.from_row(row) if row is not None else None

    async def going(self, user_id: UUID, now: datetime, since: datetime) -> list[CalendarEntry]:
        """The events of live communities from `since` on that the user is going to (not waitlisted)."""
        rows = await self.rows(GOING, {"user_id": user_id, "now": now, "since": since})
        return [CalendarEntry.from_row(row) for row in rows]


class CalendarTokenRepository(Repository[User]):
    """The users' calendar tokens: `calendar_token_hash` is written with the generic `update`."""

    model_type = User

    async def owner(self, token_hash: str) -> UUID | None:
        return await self.session.scalar(TOKEN_OWNER, {"token_hash": token_hash})
