"""Providers of the events slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.events.services import EventService


def provide_event_service(db_session: NamedDependency[AsyncSession]) -> EventService:
    return EventService(db_session)


event_service = Provide(provide_event_service, sync_to_thread=False)
