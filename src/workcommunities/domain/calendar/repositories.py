"""The SQL of the calendar feeds: events as calendars show them, and the owner of a calendar token.

The personal feed is one statement whatever its size (two on SQLite): the owner by the token's hash (unique index),
and laterally the owner's participations (primary key, user first) joined to their events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, bindparam, case, func, select, true

from workcommunities.db import AnySelect
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
FEED_ORDER = (case((UPCOMING, 0), else_=1), case((UPCOMING, Content.event_date)), Content.event_date.desc(), Content.id)
OWNER = select(User.id).where(User.calendar_token_hash == bindparam("token_hash"))


def _going(user_id: ColumnElement[UUID]) -> AnySelect:
    """The events of live communities from `since` on that `user_id` is going to (not waitlisted), in the feed's
    order (also as `position`)."""
    return (
        in_live_communities(ENTRY.add_columns(func.row_number().over(order_by=FEED_ORDER).label("position")))
        .join(EventParticipant, EventParticipant.content_id == Content.id)
        .where(
            EventParticipant.user_id == user_id,
            EventParticipant.status == ParticipationStatus.going.value,
            Content.event_date >= bindparam("since"),
        )
        .order_by(*FEED_ORDER)
        .limit(FEED_LIMIT)
    )


# PostgreSQL: the token's owner and, laterally, their events. No row: no such token; one row of NULL event columns:
# the owner goes to nothing. SQLite has no LATERAL: the owner, then `GOING`.
_OWNER = OWNER.subquery("owner")
_GOING = _going(_OWNER.c.id).lateral("going")
FEED = (
    select(_OWNER.c.id.label("owner_id"), *_GOING.c)
    .select_from(_OWNER.outerjoin(_GOING, true()))
    .order_by(_GOING.c.position)
)
GOING = _going(bindparam("user_id"))


class CalendarRepository(Repository[Content]):
    model_type = Content

    async def entry(self, event_id: UUID) -> CalendarEntry | None:
        """An event, whatever its community's state (archived content stays readable by id), unless hidden."""
        row = await self.row(EVENT_ENTRY, {"event_id": event_id})
        return CalendarEntry.from_row(row) if row is not None else None

    async def feed(self, token_hash: str, now: datetime, since: datetime) -> list[CalendarEntry] | None:
        """The events of live communities from `since` on that the token's owner is going to (not waitlisted), or
        None when no user holds the token: one statement on PostgreSQL, two on SQLite."""
        params: dict[str, Any] = {"token_hash": token_hash, "now": now, "since": since}
        if self.on_postgresql:
            rows = await self.rows(FEED, params)
            return [CalendarEntry.from_row(row) for row in rows if row.id is not None] if rows else None
        if (user_id := await self.session.scalar(OWNER, params)) is None:
            return None
        return [CalendarEntry.from_row(row) for row in await self.rows(GOING, {**params, "user_id": user_id})]


class CalendarTokenRepository(Repository[User]):
    """The users' calendar tokens: `calendar_token_hash` is written with the generic `update`."""

    model_type = User
