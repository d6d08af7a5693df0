"""`/profiles`."""

from __future__ import annotations

from litestar import Controller


class ProfileController(Controller):
    path = "/profiles"
    tags = ["profiles"]
