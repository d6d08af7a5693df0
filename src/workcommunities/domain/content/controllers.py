"""`/content`."""

from __future__ import annotations

from litestar import Controller


class ContentController(Controller):
    path = "/content"
    tags = ["content"]
