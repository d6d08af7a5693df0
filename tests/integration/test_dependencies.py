"""lib/dependencies.py: Litestar's dependency resolver replaced by one that resolves in order, without a task group."""

from __future__ import annotations

import inspect

import httpx
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel

from tests.helpers import Api, bearer
from workcommunities.lib.dependencies import _resolve_in_order


def test_the_resolver_is_ours_and_what_it_replaces_is_unchanged() -> None:
    """Installed by create_app, and Litestar's private pieces it relies on still have the shape it was written for
    (an upgrade that changes them fails here, not in production)."""
    assert KwargsModel.resolve_dependencies is _resolve_in_order
    assert list(inspect.signature(resolve_dependency).parameters) == [
        "dependency",
        "connection",
        "kwargs",
        "cleanup_group",
    ]
    assert "dependency_batches" in KwargsModel.__slots__


async def test_errors_of_dependencies_resolved_side_by_side(client: httpx.AsyncClient, api: Api) -> None:
    """The caller, the page and the service are independent dependencies of one batch: each one's error is the
    answer as it is (Litestar's task group wrapped them in an exception group)."""
    token = await api.student()
    bad_cursor = await client.get("/content/me/posts/featured", params={"cursor": "nope"}, headers=bearer(token))
    assert (bad_cursor.status_code, bad_cursor.json()) == (400, {"detail": "Invalid cursor"})
    both = await client.get("/content/me/posts/featured", params={"cursor": "x", "offset": 5}, headers=bearer(token))
    assert (both.status_code, both.json()) == (400, {"detail": "Use offset or cursor, not both"})
    anonymous = await client.get("/content/me/posts/featured", params={"cursor": "nope"})
    assert anonymous.status_code == 401  # the guard runs before any dependency
    fine = await client.get("/content/me/posts/featured", headers=bearer(token))
    assert (fine.status_code, fine.json()) == (200, [])
