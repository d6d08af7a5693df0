"""Shapes of the calendar slice: the answer that hands out a feed URL, and an event as a calendar shows it."""

from __future__ import annotations

from datetime import datetime

from workcommunities.lib.schema import Out


class CalendarTokenOut(Out):
    url: str  # the personal feed's absolute URL, `…/calendar/<token>.ics`
    token: str  # shown once: only its SHA-256 is kept, so a lost URL is replaced, never shown again


class CalendarEntry(Out):
    """An event as `ics.calendar` writes it (read with `Out.from_row`: NULL text is "", the id hex). Not on the
    wire as JSON."""

    id: str
    title: str
    description: str
    city: str
    location: str
    event_date: datetime
    updated_at: datetime
