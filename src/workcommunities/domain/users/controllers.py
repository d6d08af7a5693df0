"""`/users`."""

from __future__ import annotations

from litestar import Controller


class UserController(Controller):
    path = "/users"
    tags = ["users"]
