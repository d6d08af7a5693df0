"""Events: the `content` rows of type event, read with their participant count, and who joined them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ScalarSelect,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal_column,
    select,
    update,
)

from workcommunities.db import AnyRow, AnySelect
from workcommunities.db.models import (
    Community,
    Company,
    Content,
    ContentSkill,
    ContentType,
    EventParticipant,
    ParticipationStatus,
    Profile,
    User,
)
from workcommunities.domain.content.repositories import ContentRepository, in_live_communities
from workcommunities.domain.events.schemas import EventOut
from workcommunities.domain.reference.repositories import ordered_json
from workcommunities.lib.aggregate import json_list, json_object, text_constant
from workcommunities.lib.errors import NotFound
from workcommunities.lib.pagination import KeysetOrder, Page, Paged, paged

IS_EVENT = Content.type == ContentType.event
# Who reads an event: `my_participation` is theirs, and `checked_in_count` shows only to its organiser. Every event
# statement takes this parameter (None: anonymous).
VIEWER_ID: BindParameter[UUID] = bindparam("viewer_id", type_=User.id.type)


def _participants(*where: ColumnElement[bool]) -> ScalarSelect[int]:
    """How many participations of the event row match `where` (index ix_event_participant_status)."""
    query = select(func.count()).where(EventParticipant.content_id == Content.id, *where)
    return query.correlate(Content).scalar_subquery()


def _is(status: ParticipationStatus) -> ColumnElement[bool]:
    return EventParticipant.status == text_constant(status)


# The viewer owns the company whose community holds the event.
ORGANISER = (
    exists()
    .where(
        Community.id == Content.community_id,
        Company.id == Community.company_id,
        Company.owner_user_id == VIEWER_ID,
    )
    .correlate(Content)
)
MY_PARTICIPATION = (
    select(EventParticipant.status)
    .where(EventParticipant.content_id == Content.id, EventParticipant.user_id == VIEWER_ID)
    .correlate(Content)
    .scalar_subquery()
)
EVENTS = select(
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
    _participants(_is(ParticipationStatus.going)).label("participants_count"),
    Content.capacity,
    _participants(_is(ParticipationStatus.waitlisted)).label("waitlist_count"),
    MY_PARTICIPATION.label("my_participation"),
    case((ORGANISER, _participants(EventParticipant.checked_in_at.is_not(None))), else_=literal_column("0")).label(
        "checked_in_count"
    ),
).where(IS_EVENT)
# Upcoming events: by date, then id (index ix_content_events).
SOONEST = KeysetOrder("soonest", Content.event_date, Content.id, descending=False)


def _upcoming(*, joined: bool) -> AnySelect:
    """Events from the `now` parameter on (an event at exactly now counts) in live communities; `joined`: only the
    events that the `user_id` parameter joined."""
    query = in_live_communities(EVENTS).where(Content.event_date >= bindparam("now"))
    if not joined:
        return query
    participant = EventParticipant.user_id == bindparam("user_id")
    return query.where(Content.id.in_(select(EventParticipant.content_id).where(participant)))


def joined_json(limit: int) -> ScalarSelect[str]:
    """`EventRepository.joined_by` as a JSON array (PostgreSQL), for a statement that reads the profile with it (its
    `now` and `user_id` parameters)."""
    skills = ordered_json(ContentSkill.content_id, Content.id, nested=True).label("skills")
    page = _upcoming(joined=True).add_columns(skills).order_by(*SOONEST.columns).limit(limit).subquery()
    item = json_object(EventOut, dict(page.c.items()))
    return select(json_list(item, page.c.event_date, page.c.id)).scalar_subquery()


EVENT = EVENTS.where(Content.id == bindparam("event_id"))
# The organiser's list: going in join order, then the waitlist in line (indexes ix_event_participant_*).
PARTICIPANTS = (
    select(
        EventParticipant.user_id,
        Profile.full_name,
        User.phone,
        User.avatar_media_id,
        EventParticipant.status,
        EventParticipant.joined_at,
        EventParticipant.queue_position,
        EventParticipant.checked_in_at,
    )
    .join(User, User.id == EventParticipant.user_id)
    .outerjoin(Profile, Profile.user_id == User.id)
    .where(EventParticipant.content_id == bindparam("event_id"))
    .order_by(
        case((_is(ParticipationStatus.going), 0), else_=1),
        EventParticipant.queue_position,
        EventParticipant.joined_at,
        EventParticipant.user_id,
    )
)
PARTICIPANT_FILTERS: dict[str, ColumnElement[bool]] = {
    "going": _is(ParticipationStatus.going),
    "waitlisted": _is(ParticipationStatus.waitlisted),
    "checked_in": EventParticipant.checked_in_at.is_not(None),
}


class EventRepository(ContentRepository):
    async def upcoming(
        self, now: datetime, page: Page, *, viewer_id: UUID | None, joined_by: UUID | None = None
    ) -> Paged[EventOut]:
        """Events from `now` on in live communities, soonest first; with `joined_by`, only the events that user
        joined (going or waitlisted)."""
        joined = joined_by is not None
        return await self.page_of(
            EventOut,
            page,
            "joined_events" if joined else "upcoming",
            lambda: _upcoming(joined=joined),
            order=SOONEST,
            now=now,
            user_id=joined_by,
            viewer_id=viewer_id,
        )

    async def joined_by(self, user_id: UUID, now: datetime, limit: int) -> list[EventOut]:
        """Upcoming events the user joined, soonest first, at most `limit`, as that user sees them (their profile
        shows them on SQLite; PostgreSQL reads them with the profile: `joined_json`)."""
        items = (await self.upcoming(now, Page(0, limit), viewer_id=user_id, joined_by=user_id)).items
        assert isinstance(items, list)
        return items

    async def event(self, event_id: UUID, viewer_id: UUID | None) -> EventOut:
        """An event as every list shows it, to `viewer_id`; unknown → 404 (an archived community still serves it)."""
        statement = self.prepared("event", lambda: self.listing(EVENT, EventOut))
        items, _ = await self.read(EventOut, statement, {"event_id": event_id, "viewer_id": viewer_id})
        if not items:
            raise NotFound()
        return items[0]

    async def locked_event(self, event_id: UUID) -> tuple[int | None, UUID | None]:
        """An event's capacity and its community's company, the row locked until commit on PostgreSQL: joins,
        leaves and capacity changes of one event apply one by one (SQLite has one writer at a time anyway); 404
        unless it is an event."""
        query = (
            select(Content.capacity, Community.company_id)
            .join(Community, Community.id == Content.community_id)
            .where(Content.id == event_id, IS_EVENT)
            .with_for_update(of=Content)
        )
        if (row := (await self.session.execute(query)).first()) is None:
            raise NotFound()
        return row.capacity, row.company_id

    async def participation(self, user_id: UUID, event_id: UUID) -> AnyRow | None:
        query = select(EventParticipant.status, EventParticipant.checked_in_at).where(
            EventParticipant.user_id == user_id, EventParticipant.content_id == event_id
        )
        return (await self.session.execute(query)).first()

    async def join(self, user_id: UUID, event_id: UUID) -> None:
        """Idempotent, also when two joins race: a new participation queues at the end of the waitlist (`rebalance`
        then lets it in while there is room); an existing one is kept as it is."""
        last = select(func.coalesce(func.max(EventParticipant.queue_position), 0) + 1).where(
            EventParticipant.content_id == event_id
        )
        await self.insert_ignore(
            EventParticipant,
            user_id=user_id,
            content_id=event_id,
            status=ParticipationStatus.waitlisted,
            queue_position=last.scalar_subquery(),
        )

    async def leave(self, user_id: UUID, event_id: UUID) -> bool:
        """Whether there was a participation to remove."""
        result = await self.session.execute(
            delete(EventParticipant).where(EventParticipant.user_id == user_id, EventParticipant.content_id == event_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def rebalance(self, event_id: UUID, capacity: int | None) -> None:
        """Going as many as `capacity` allows (None: everyone): the first in line on the waitlist move up while
        there is room; past it, the latest joiners move to the front of the waitlist, in their join order. Run
        under `locked_event` after every change of participants or capacity."""
        waitlisted = _is(ParticipationStatus.waitlisted)
        going = _is(ParticipationStatus.going)
        of_event = EventParticipant.content_id == event_id
        free = None
        if capacity is not None:
            count = await self.session.scalar(select(func.count()).where(of_event, going))
            free = capacity - (count or 0)
        if free is None or free > 0:
            line = select(EventParticipant.user_id).where(of_event, waitlisted)
            promoted = line.order_by(EventParticipant.queue_position).limit(free)
            await self.session.execute(
                update(EventParticipant)
                .where(of_event, EventParticipant.user_id.in_(promoted.scalar_subquery()))
                .values(status=ParticipationStatus.going, queue_position=None)
                .execution_options(synchronize_session=False)
            )
        elif free < 0:
            latest = (
                select(EventParticipant.user_id)
                .where(of_event, going)
                .order_by(EventParticipant.joined_at.desc(), EventParticipant.user_id.desc())
                .limit(-free)
            )
            demoted = list(reversed((await self.session.scalars(latest)).all()))
            front = await self.session.scalar(
                select(func.coalesce(func.min(EventParticipant.queue_position), 1)).where(of_event, waitlisted)
            )
            start = (front or 1) - len(demoted)
            await self.session.execute(
                update(EventParticipant).execution_options(synchronize_session=False),
                [
                    {"user_id": user_id, "content_id": event_id, "status": "waitlisted", "queue_position": start + n}
                    for n, user_id in enumerate(demoted)
                ],
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
