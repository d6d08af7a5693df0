"""`/admin`."""

from __future__ import annotations

from litestar import Controller


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]
