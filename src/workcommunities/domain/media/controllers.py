"""`/media`."""

from __future__ import annotations

from litestar import Controller


class MediaController(Controller):
    path = "/media"
    tags = ["media"]
