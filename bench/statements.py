"""SQL statements per request, counted in-process: the real app (`create_app`) on the bench database, driven through
Litestar's test client, with a `before_cursor_execute` listener on its engine (as tests/conftest.py's
StatementCounter counts). Authentication is part of the count: the same tokens as under load.

For `--scale-pass` the statements of chosen requests are also run again as `EXPLAIN (ANALYZE, BUFFERS)` with the
parameters they were captured with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

from bench.scenarios import LOGIN_PATHS, Scenario
from bench.sms import SmsSink
from workcommunities.app import create_app
from workcommunities.lib.pagination import NEXT_CURSOR
from workcommunities.settings import Settings

SAMPLES = 3  # requests per scenario; the maximum is reported


@dataclass
class Counted:
    per_request: list[int] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)  # of the request with the most
    explain: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""

    @property
    def max(self) -> int | None:
        return max(self.per_request) if self.per_request else None


class Capture:
    def __init__(self) -> None:
        self.executed: list[tuple[str, Any]] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        self.executed.append((statement, parameters))


async def count(settings: Settings, scenarios: list[Scenario], sink: SmsSink, explain: set[str]) -> dict[str, Counted]:
    app = create_app(settings)
    engine = app.state.db_config.get_engine()
    capture = Capture()
    results: dict[str, Counted] = {}
    async with AsyncTestClient(app, base_url="http://127.0.0.1", timeout=60) as client:
        await client.get("/health")  # startup work is not a request's

        async def send(counted: Counted, r: dict[str, Any], path: str | None = None) -> Any:
            capture.executed.clear()
            event.listen(engine.sync_engine, "before_cursor_execute", capture)
            try:
                body = None if r.get("body") is None else r["body"].encode()
                response = await client.request(r["method"], path or r["path"], headers=r["headers"], content=body)
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", capture)
            if not 200 <= response.status_code <= 299:
                raise RuntimeError(f"{r['method']} {path or r['path']}: {response.status_code} {response.text[:200]}")
            if not counted.per_request or len(capture.executed) > max(counted.per_request):
                counted.statements = [statement for statement, _ in capture.executed]
            counted.per_request.append(len(capture.executed))
            return response

        for scenario in scenarios:
            counted = results[scenario.key] = Counted()
            try:
                explained: list[tuple[str, Any]] = []
                if scenario.spec["kind"] == "login":
                    phone = scenario.spec["phones"][0] if scenario.spec["phones"] else "+79980000000"
                    for _ in range(SAMPLES):
                        sink.forget(phone)
                        await send(counted, _json("POST", LOGIN_PATHS[0], {"phone": phone}))
                        code = sink.take(phone)
                        await send(counted, _json("POST", LOGIN_PATHS[1], {"phone": phone, "code": code}))
                elif scenario.spec["kind"] == "chain":
                    first = scenario.requests[0]
                    response = await send(counted, first)
                    explained = list(capture.executed)
                    for _ in range(SAMPLES - 1):
                        if not (cursor := response.headers.get(NEXT_CURSOR)):
                            break
                        response = await send(counted, first, first["path"].split("?")[0] + f"?cursor={cursor}")
                        explained = list(capture.executed)  # a cursor page's, once there is one
                else:
                    for r in scenario.requests[:SAMPLES] if scenario.kind == "read" else scenario.requests[:2]:
                        await send(counted, r)
                        explained = explained or list(capture.executed)
                if scenario.key in explain:
                    counted.explain = await _explain(settings.database_url, explained)
            except Exception as exc:  # reported in the table; the other scenarios go on
                counted.error = str(exc)
    await engine.dispose()
    return results


def _json(method: str, path: str, body: Any) -> dict[str, Any]:
    return {"method": method, "path": path, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


async def _explain(url: str, executed: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) of each captured SELECT, on a connection of this event loop (the test client runs
    the app in a loop of its own) and of the driver itself (no listener, no ORM)."""
    plans = []
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            for statement, parameters in executed:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                rows = await driver.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *(parameters or ()))
                plans.append({"sql": statement, "plan": [row[0] for row in rows]})
    finally:
        await engine.dispose()
    return plans
