"""Providers of the calendar slice."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.calendar.services import CalendarService
from workcommunities.lib.dependencies import app_state


def provide_calendar_service(
    db_session: NamedDependency[AsyncSession], request: Request[Any, Any, Any]
) -> CalendarService:
    """Absolute URLs start at `PUBLIC_URL`, else at the address the request came to."""
    base_url = app_state(request.scope).settings.public_url or str(request.base_url)
    return CalendarService(db_session, base_url.rstrip("/"))


calendar_service = Provide(provide_calendar_service, sync_to_thread=False)
