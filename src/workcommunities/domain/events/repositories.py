"""Events: the `content` rows of type event, read with their participant count, and who joined them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    bindparam,
    case,
    delete,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import aliased

from workcommunities.db import AnyRow, AnySelect
from workcommunities.db.models import (
    Community,
    Content,
    ContentSkill,
    ContentType,
    EventParticipant,
    ParticipationStatus,
    Profile,
    User,
)
from workcommunities.domain.content.repositories import (
    SEEN,
    VIEWER_ID,
    VIEWER_MANAGES,
    VISIBLE,
    ContentRepository,
    content_viewer_params,
    in_live_communities,
)
from workcommunities.domain.events.schemas import EventOut
from workcommunities.domain.reference.repositories import ordered_json
from workcommunities.lib.aggregate import json_list, json_object, text_constant
from workcommunities.lib.errors import NotFound
from workcommunities.lib.pagination import AFTER_AT, AFTER_ID, Cursor, KeysetOrder, Page, Paged, paged
from workcommunities.lib.security import Principal

IS_EVENT = Content.type == ContentType.event
# An event's reader (`content_viewer_params`): `my_participation` is theirs, and `checked_in_count` shows only to its
# organiser (`VIEWER_MANAGES`).


def _participants(*where: ColumnElement[bool]) -> ScalarSelect[int]:
    """How many participations of the event row match `where` (index ix_event_participant_status)."""
    query = select(func.count()).where(EventParticipant.content_id == Content.id, *where)
    return query.correlate(Content).scalar_subquery()


def _is(status: ParticipationStatus) -> ColumnElement[bool]:
    return EventParticipant.status == text_constant(status)


CHECKED_IN = EventParticipant.checked_in_at.is_not(None)


MY_PARTICIPATION = (
    select(EventParticipant.status)
    .where(EventParticipant.content_id == Content.id, EventParticipant.user_id == VIEWER_ID)
    .correlate(Content)
    .scalar_subquery()
)


EVENT_COLUMNS = (
    Content.id,
    Content.community_id,
    Content.title,
    Content.event_date,
    Content.city,
    Content.location,
    Content.description,
    Content.registration,
    Content.format,
    Content.media_id,
    Content.tags,
    Content.cost,
    Content.participant_payout,
    Content.moderation_status,
)


def _events(*, anonymous: bool) -> AnySelect:
    """Events as every list shows them; `anonymous`: for a reader without a token, whose participation is "" and
    organiser's figure 0 whatever the event (no per-row lookups for them)."""
    personal: tuple[Any, ...]
    if anonymous:
        personal = (null().label("my_participation"), literal_column("0").label("checked_in_count"))
    else:
        checked_in = case((VIEWER_MANAGES, _participants(CHECKED_IN)), else_=literal_column("0"))
        personal = (MY_PARTICIPATION.label("my_participation"), checked_in.label("checked_in_count"))
    return select(
        *EVENT_COLUMNS,
        _participants(_is(ParticipationStatus.going)).label("participants_count"),
        Content.capacity,
        _participants(_is(ParticipationStatus.waitlisted)).label("waitlist_count"),
        *personal,
    ).where(IS_EVENT)


EVENTS = _events(anonymous=False)
# Upcoming events: by date, then id (index ix_content_events).
SOONEST = KeysetOrder("soonest", Content.event_date, Content.id, descending=False)


def _upcoming(*, joined: bool, anonymous: bool = False, after_cursor: bool = False) -> AnySelect:
    """Events from the `now` parameter on (an event at exactly now counts) in live communities; `joined`: only the
    events that the `user_id` parameter joined. `after_cursor`: the statement of a cursor page, whose cursor
    parameters never start before now (`_from_now`) and so bound it alone: with a second bound on the same column
    PostgreSQL misjudges how many rows remain and sorts all of them instead of reading 20 from the index."""
    query = in_live_communities(_events(anonymous=anonymous))
    if not after_cursor:
        query = query.where(Content.event_date >= bindparam("now"))
    if not joined:
        return query
    participant = EventParticipant.user_id == bindparam("user_id")
    return query.where(Content.id.in_(select(EventParticipant.content_id).where(participant)))


def joined_json(limit: int) -> ScalarSelect[str]:
    """`EventRepository.joined_by` as a JSON array (PostgreSQL), for a statement that reads the profile with it (its
    `now` and `user_id` parameters)."""
    skills = ordered_json(ContentSkill.content_id, Content.id).label("skills")
    page = _upcoming(joined=True).add_columns(skills).order_by(*SOONEST.columns).limit(limit).subquery()
    item = json_object(EventOut, dict(page.c.items()))
    return select(json_list(item, page.c.event_date, page.c.id)).scalar_subquery()


EVENT = EVENTS.where(Content.id == bindparam("event_id"), SEEN)
# The organiser's list: going in join order, then the waitlist in line (indexes ix_event_participant_*).
PARTICIPANTS = (
    select(
        EventParticipant.user_id,
        Profile.full_name,
        User.phone,
        User.avatar_media_id,
        EventParticipant.status,
        EventParticipant.joined_at,
        EventParticipant.checked_in_at,
    )
    .join(User, User.id == EventParticipant.user_id)
    .outerjoin(Profile, Profile.user_id == User.id)
    .where(EventParticipant.content_id == bindparam("event_id"))
    # "going" sorts before "waitlisted"; going rows have no queue position (index ix_event_participant_order).
    .order_by(
        EventParticipant.status,
        EventParticipant.queue_position,
        EventParticipant.joined_at,
        EventParticipant.user_id,
    )
)
PARTICIPANT_FILTERS: dict[str, ColumnElement[bool]] = {
    "going": _is(ParticipationStatus.going),
    "waitlisted": _is(ParticipationStatus.waitlisted),
    "checked_in": CHECKED_IN,
}


NIL = UUID(int=0)


def _from_now(cursor: Cursor, now: datetime) -> dict[str, Any]:
    """A cursor page's place, moved up to now when the cursor's event has passed since (the nil id sorts before
    every event at that time)."""
    at, row_id = max((cursor.at, cursor.id), (now, NIL))
    return {AFTER_AT: at, AFTER_ID: row_id}


class EventRepository(ContentRepository):
    async def upcoming(
        self, now: datetime, page: Page, *, viewer: Principal | None, joined_by: UUID | None = None
    ) -> Paged[EventOut]:
        """Events from `now` on in live communities, soonest first, as `viewer` sees them; with `joined_by`, only
        the events that user joined (going or waitlisted)."""
        return await self._upcoming(now, page, content_viewer_params(viewer) if viewer is not None else None, joined_by)

    async def joined_by(self, user_id: UUID, now: datetime, limit: int) -> list[EventOut]:
        """Upcoming events the user joined, soonest first, at most `limit`, as that user sees them (their profile
        shows them on SQLite; PostgreSQL reads them with the profile: `joined_json`)."""
        items = (await self._upcoming(now, Page(0, limit), {"viewer_id": user_id}, user_id)).items
        assert isinstance(items, list)
        return items

    async def _upcoming(
        self, now: datetime, page: Page, viewer: dict[str, Any] | None, joined_by: UUID | None
    ) -> Paged[EventOut]:
        """`viewer`: `content_viewer_params`, or None for an anonymous reader (a statement without per-reader
        lookups)."""
        joined, anonymous, after = joined_by is not None, viewer is None, page.after is not None
        return await self.page_of(
            EventOut,
            page,
            ("joined_events" if joined else "upcoming") + ("_anonymous" if anonymous else ""),
            lambda: _upcoming(joined=joined, anonymous=anonymous, after_cursor=after),
            order=SOONEST,
            now=now,
            user_id=joined_by,
            **(viewer or {}),
            **(_from_now(page.after, now) if page.after is not None else {}),
        )

    async def event(self, event_id: UUID, viewer: Principal | None) -> EventOut:
        """An event as every list shows it, to `viewer`; unknown → 404 (an archived community still serves it)."""
        statement = self.prepared("event", lambda: self.listing(EVENT, EventOut))
        items, _ = await self.read(EventOut, statement, {"event_id": event_id, **content_viewer_params(viewer)})
        if not items:
            raise NotFound()
        return items[0]

    async def organiser(self, event_id: UUID, *, lock: bool) -> UUID | None:
        """The company whose community holds the event; 404 unless it is an event. `lock`: the row stays locked
        until commit on PostgreSQL, so that changes of one event's participants apply one by one (`rebalance`)."""
        query = (
            select(Community.company_id)
            .join(Content, Content.community_id == Community.id)
            .where(Content.id == event_id, IS_EVENT)
        )
        if (row := (await self.session.execute(query.with_for_update(of=Content) if lock else query)).first()) is None:
            raise NotFound()
        return row.company_id

    async def status(self, user_id: UUID, event_id: UUID) -> str | None:
        """The user's participation in the event ("going", "waitlisted"), or None."""
        query = select(EventParticipant.status).where(
            EventParticipant.user_id == user_id, EventParticipant.content_id == event_id
        )
        return await self.session.scalar(query)

    async def leave_all(self, user_id: UUID) -> None:
        """Every place of the user given up (their erasure), the first in line of each event they were going to
        moving up: three statements however many. The events' rows are locked first, in id order (so that two
        erasures never wait for each other), as `rebalance` needs."""
        mine = EventParticipant.user_id == user_id
        places = select(EventParticipant.content_id).where(mine)
        lock = select(Content.id).where(Content.id.in_(places)).order_by(Content.id).with_for_update()
        await self.session.execute(lock)
        # Which places were going, as deleted: on SQLite this first write takes the write lock, so no promotion
        # can turn a waitlisted place of theirs into a going one unseen.
        gone = delete(EventParticipant).where(mine).returning(EventParticipant.content_id, EventParticipant.status)
        deleted = (await self.session.execute(gone)).all()
        await self.promote([row.content_id for row in deleted if row.status == ParticipationStatus.going])

    async def join(self, user_id: UUID, event_id: UUID) -> None:
        """Idempotent, also when two joins race: a new participation queues at the end of the waitlist (`rebalance`
        then lets it in while there is room); an existing one is kept as it is. Nothing is written when the event
        is hidden (a 404) or gone meanwhile."""
        last = select(func.coalesce(func.max(EventParticipant.queue_position), 0) + 1).where(
            EventParticipant.content_id == event_id
        )
        row = select(
            literal(user_id, EventParticipant.user_id.type),
            Content.id,
            text_constant(ParticipationStatus.waitlisted),
            last.scalar_subquery(),
        ).where(Content.id == event_id, IS_EVENT, VISIBLE)
        columns = ["user_id", "content_id", "status", "queue_position"]  # `joined_at`: its default, now
        insert = self.insert_into(EventParticipant).from_select(columns, row)
        await self.session.execute(insert.on_conflict_do_nothing())

    async def leave(self, user_id: UUID, event_id: UUID) -> bool:
        """Whether there was a participation to remove."""
        result = await self.session.execute(
            delete(EventParticipant).where(EventParticipant.user_id == user_id, EventParticipant.content_id == event_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def rebalance(self, event_id: UUID) -> None:
        """Going as many as the event's capacity allows (NULL: everyone): the first in line on the waitlist move up
        while there is room; past it, the latest joiners who have not checked in move to the front of the waitlist,
        in their join order. Run after every change of the event's participants or capacity, in its transaction:
        on PostgreSQL under the row lock of `organiser(lock=True)`; on SQLite after that change's first write,
        which holds the database's one write lock, so the capacity and the counts read here are the latest."""
        waitlisted = _is(ParticipationStatus.waitlisted)
        going = _is(ParticipationStatus.going)
        of_event = EventParticipant.content_id == event_id
        capacity = await self.session.scalar(select(Content.capacity).where(Content.id == event_id))
        free = None
        if capacity is not None:
            count = await self.session.scalar(select(func.count()).where(of_event, going))
            free = capacity - (count or 0)
        if free is None or free > 0:
            await self.promote([event_id])
        elif free < 0:
            latest = (
                select(EventParticipant.user_id)
                .where(of_event, going, EventParticipant.checked_in_at.is_(None))
                .order_by(EventParticipant.joined_at.desc(), EventParticipant.user_id.desc())
                .limit(-free)
            )
            demoted = list(reversed((await self.session.scalars(latest)).all()))
            front = await self.session.scalar(
                select(func.coalesce(func.min(EventParticipant.queue_position), 1)).where(of_event, waitlisted)
            )
            start = (front or 1) - len(demoted)
            if demoted:
                await self.session.execute(
                    update(EventParticipant),
                    [
                        {
                            "user_id": user_id,
                            "content_id": event_id,
                            "status": "waitlisted",
                            "queue_position": start + n,
                        }
                        for n, user_id in enumerate(demoted)
                    ],
                )

    async def promote(self, event_ids: list[UUID]) -> None:
        """On each of these events, the first in line on the waitlist move up while there are free places (NULL
        capacity: all of them), in one statement for any number of events; under `rebalance`'s locks."""
        if not event_ids:
            return
        waitlisted = _is(ParticipationStatus.waitlisted)
        line = (
            select(
                EventParticipant.content_id,
                EventParticipant.user_id,
                func.row_number()
                .over(partition_by=EventParticipant.content_id, order_by=EventParticipant.queue_position)
                .label("place"),
            )
            .where(EventParticipant.content_id.in_(event_ids), waitlisted)
            .subquery()
        )
        taken = aliased(EventParticipant, name="taken")
        going = (
            select(func.count())
            .where(taken.content_id == line.c.content_id, taken.status == text_constant(ParticipationStatus.going))
            .scalar_subquery()
        )
        promoted = (
            select(line.c.content_id, line.c.user_id)
            .join(Content, Content.id == line.c.content_id)
            .where(or_(Content.capacity.is_(None), line.c.place <= Content.capacity - going))
        )
        await self.session.execute(
            update(EventParticipant)
            .where(tuple_(EventParticipant.content_id, EventParticipant.user_id).in_(promoted))
            .values(status=ParticipationStatus.going, queue_position=None)
            .execution_options(synchronize_session=False)
        )

    async def participants(self, event_id: UUID, status: str | None, page: Page | None) -> Sequence[AnyRow]:
        """The organiser's list of an event (`status`: one of PARTICIPANT_FILTERS), a page of it or (None) all."""
        shape = page.shape if page is not None else "all"

        def build() -> AnySelect:
            query = PARTICIPANTS if status is None else PARTICIPANTS.where(PARTICIPANT_FILTERS[status])
            return query if page is None else paged(query, shape=shape)

        statement = self.prepared(("participants", status, shape), build)
        return await self.rows(statement, {"event_id": event_id, **(page.params() if page is not None else {})})

    async def participant(self, event_id: UUID, user_id: UUID) -> AnyRow | None:
        """One row of the organiser's list."""
        return await self.row(PARTICIPANTS.where(EventParticipant.user_id == user_id), {"event_id": event_id})

    async def check_in(self, user_id: UUID, event_id: UUID, at: datetime) -> None:
        """Records attendance once: a second check-in keeps the first time."""
        await self.session.execute(
            update(EventParticipant)
            .where(
                EventParticipant.user_id == user_id,
                EventParticipant.content_id == event_id,
                EventParticipant.checked_in_at.is_(None),
            )
            .values(checked_in_at=at)
            .execution_options(synchronize_session=False)
        )
