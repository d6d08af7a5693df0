"""`/events`."""

from __future__ import annotations

from litestar import Controller


class EventController(Controller):
    path = "/events"
    tags = ["events"]
