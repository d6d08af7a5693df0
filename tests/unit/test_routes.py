"""Every route's access rule, read from the app as built: who may call it follows from its guard alone, and the
dependencies that name the caller are never reachable without one."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from tests.conftest import make_settings
from workcommunities.app import create_app
from workcommunities.domain.auth.guards import require_admin, require_company, require_user
from workcommunities.lib.security import BEARER

AUTH_GUARDS = {require_user, require_company, require_admin}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    data = tmp_path_factory.mktemp("routes")
    return create_app(make_settings(data, f"sqlite+aiosqlite:///{Path(data) / 'unused.sqlite3'}"))


def _handlers(app: Litestar) -> list[tuple[HTTPRoute, HTTPRouteHandler]]:
    """The API's operations (not the documentation pages, not the automatic OPTIONS)."""
    return [
        (route, handler)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if "OPTIONS" not in handler.http_methods and handler.resolve_include_in_schema()
    ]


def _parameters(handler: HTTPRouteHandler) -> set[str]:
    return set(handler.parsed_fn_signature.parameters)


def test_caller_and_company_only_behind_their_guards(app: Litestar) -> None:
    checked = 0
    for route, handler in _handlers(app):
        guards = set(handler.resolve_guards())
        where = f"{sorted(handler.http_methods)} {route.path}"
        assert guards <= AUTH_GUARDS, where
        if "caller" in _parameters(handler):
            assert guards, where
        if "company" in _parameters(handler):
            assert guards == {require_company}, where
        assert "db_session" not in _parameters(handler), f"{where}: controllers take services, never a session"
        checked += 1
    assert checked > 50  # every operation of the API


def test_openapi_security_follows_the_guards(app: Litestar) -> None:
    paths = app.openapi_schema.to_schema()["paths"]
    for route, handler in _handlers(app):
        for method in handler.http_methods:
            operation: dict[str, Any] = paths[route.path_format][method.lower()]
            if handler.resolve_guards():
                expected: Any = BEARER
            elif "viewer" in _parameters(handler):
                expected = [{}, *BEARER]
            else:
                expected = None
            assert operation.get("security") == expected, (method, route.path)
    # A few by name: public, signed in, optional token.
    assert "security" not in paths["/content/posts"]["get"]
    assert paths["/content/posts"]["post"]["security"] == BEARER
    assert paths["/users/{user_id}"]["get"]["security"] == [{}, *BEARER]
    assert paths["/admin/companies"]["post"]["security"] == BEARER


def test_building_the_app_generates_no_openapi_examples(tmp_path: Path) -> None:
    """A response spec left to generate examples imports polyfactory and Faker while the app is built: some 40 MB
    in every worker (the bench's memory target). Checked in a fresh interpreter, where nothing else imported them."""
    environ = {"ENV": "dev", "DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/unused.db"}
    script = (
        "import sys\n"
        "from workcommunities.app import create_app\n"
        "from workcommunities.settings import load_settings\n"
        f"create_app(load_settings(environ={environ!r}, env_file={str(tmp_path / 'none.env')!r}))\n"
        "print(sorted(name for name in ('polyfactory', 'faker') if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr


def test_no_route_or_dependency_takes_the_app_state_as_a_parameter(app: Litestar) -> None:
    """`lib.dependencies.app_state` instead: Litestar validates a `state` parameter by building a new `State`."""
    takers: list[str] = []
    checked = 0
    for route, handler in _handlers(app):
        provided = handler.resolve_dependencies()
        functions: list[Any] = [handler.fn]
        seen: set[str] = set()
        while functions:  # the handler, then each dependency it (or another dependency) asks for
            function = functions.pop()
            parameters = inspect.signature(function).parameters
            if "state" in parameters:
                takers.append(f"{sorted(handler.http_methods)} {route.path}: {function.__qualname__}")
            for name in set(parameters) & set(provided) - seen:
                seen.add(name)
                functions.append(provided[name].dependency)
                checked += 1
    assert not takers
    assert checked > 100  # the session, the services, the caller … of every operation
