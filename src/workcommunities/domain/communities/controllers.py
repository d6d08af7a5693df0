"""`/communities`."""

from __future__ import annotations

from litestar import Controller


class CommunityController(Controller):
    path = "/communities"
    tags = ["communities"]


class AdminCommunityController(Controller):
    path = "/admin/communities"
    tags = ["admin"]
