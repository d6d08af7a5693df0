"""Route dependencies resolved one after another.

Litestar resolves the dependencies of a route that do not depend on each other concurrently, in an anyio task group
per request (litestar-org/litestar#4563, open). Ours (the session, the caller, the page, a service) are quick and
never wait on each other, so the task group is pure cost: about a seventh of a feed page's time in the worker
(`make bench`). `resolve_sequentially` replaces Litestar's resolver with the same steps, in order. It leans on
Litestar's private `_kwargs` module: uv.lock pins the version, and tests/integration/test_dependencies.py fails if an
upgrade changes what it replaces.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.types import Scope


async def _resolve_in_order(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    """`KwargsModel.resolve_dependencies` without the task group: batch after batch (a batch needs only earlier
    ones), each dependency of a batch in turn, by name so that every worker reports the same error first when two
    would fail. An exception is raised as it is, not as an exception group."""
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in sorted(batch, key=lambda dependency: dependency.key):
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def resolve_sequentially() -> None:
    """Install the resolver (create_app; idempotent)."""
    KwargsModel.resolve_dependencies = _resolve_in_order  # type: ignore[method-assign]


def app_state(scope: Scope) -> State:
    """The app's state, for a dependency or handler that takes the `scope` (or `request.scope`). Never a `state: State`
    parameter: Litestar validates one by converting the app's state into a new `State` through its type decoders, for
    every dependency that takes it on every request (25-35 µs each, a twentieth of a feed page;
    tests/unit/test_routes.py refuses it)."""
    state: State = scope["litestar_app"].state
    return state
