"""Prometheus metrics on `GET /metrics`: off unless `METRICS_TOKEN` is set, and then readable only with
`Authorization: Bearer <METRICS_TOKEN>` (a scraper's credentials; any other caller gets a 401).

What is measured (prefix `workcommunities_`):
- `requests_total`, `request_duration_seconds` (histogram), `requests_in_progress`, `requests_error_total`: by
  method, route template and status, from Litestar's Prometheus middleware;
- `db_pool_connections_in_use`: connections checked out of the database pool, summed over the workers;
- `otp_codes_sent_total`: login codes handed to the SMS gateway;
- `rate_limit_refusals_total`: 429 answers by route (the per-IP limit on /auth, the OTP throttles, the login lock).

Granian runs a process per worker, so the counters live in files that every process writes and `/metrics` sums
(prometheus-client's multiprocess mode), in `PROMETHEUS_MULTIPROC_DIR` (an environment variable, read by the
library itself), by default a folder of the system's temporary directory named after the server's process. The first
process of a server (`workcommunities run`, before it starts its workers) removes the folder's metric files (`*.db`,
nothing else), so counts start at zero
with the server and never mix with another container's; the workers inherit the folder. A worker's gauges leave the
sums when it stops. prometheus-client reads the variable when it is first imported, so this module imports it only
once the variable is set (`enable_metrics`).
"""

from __future__ import annotations

import hmac
import os
import tempfile
from collections.abc import MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from litestar import Controller, Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.types import BeforeMessageSendHookHandler
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from workcommunities.lib.sms import SmsSender

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
PREPARED_BY = "WORKCOMMUNITIES_METRICS_PREPARED_BY"  # set once the folder is cleared: the workers inherit it
PREFIX = "workcommunities"


class Metrics:
    """The app's own metrics, and what the app needs to serve and feed them."""

    def __init__(self, token: str) -> None:
        from prometheus_client import Counter, Gauge
        from prometheus_client.multiprocess import mark_process_dead

        self.token = token
        self._mark_dead = mark_process_dead
        # Not registered: in multiprocess mode /metrics reads the files, and an app made again in the same process
        # (the tests) would register the same names twice.
        self.pool_in_use: Gauge = Gauge(
            f"{PREFIX}_db_pool_connections_in_use",
            "Database connections checked out of the pool",
            multiprocess_mode="livesum",
            registry=None,
        )
        self.otp_sent: Counter = Counter(
            f"{PREFIX}_otp_codes_sent_total", "Login codes handed to the SMS gateway", registry=None
        )
        self.refusals: Counter = Counter(
            f"{PREFIX}_rate_limit_refusals_total", "Requests refused with a 429, by route", ["path"], registry=None
        )

    def middleware(self) -> DefineMiddleware:
        from litestar.plugins.prometheus import PrometheusConfig

        config = PrometheusConfig(app_name=PREFIX, prefix=PREFIX, group_path=True, exclude=["^/metrics$"])
        return config.middleware

    def router(self) -> Router:
        """`GET /metrics`, behind the token, outside the API's document."""
        from litestar.plugins.prometheus import PrometheusController

        token = self.token.encode()

        async def scraper_only(connection: ASGIConnection[Any, Any, Any, Any], __: BaseRouteHandler) -> None:
            scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(credentials.strip().encode(), token):
                raise NotAuthorizedException("Not authenticated")

        controller = cast("type[Controller]", PrometheusController)
        return Router("/", route_handlers=[controller], guards=[scraper_only], include_in_schema=False)

    def watch_pool(self, engine: AsyncEngine) -> None:
        gauge = self.pool_in_use
        event.listen(engine.sync_engine.pool, "checkout", lambda *_: gauge.inc())
        event.listen(engine.sync_engine.pool, "checkin", lambda *_: gauge.dec())

    def counting(self, sender: SmsSender) -> SmsSender:
        return _CountingSender(sender, self.otp_sent)

    def refusal_hook(self) -> BeforeMessageSendHookHandler:
        refusals = self.refusals

        async def hook(message: MutableMapping[str, Any], scope: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] == 429:
                refusals.labels(scope.get("path_template", "")).inc()

        return cast("BeforeMessageSendHookHandler", hook)

    def stop(self) -> None:
        """On shutdown: this process's gauges leave the sums."""
        self._mark_dead(os.getpid())


class _CountingSender:
    def __init__(self, sender: SmsSender, sent: Counter) -> None:
        self.sender, self.sent = sender, sent

    async def send(self, phone: str, text: str) -> None:
        await self.sender.send(phone, text)
        self.sent.inc()

    async def close(self) -> None:
        await self.sender.close()


def enable_metrics(token: str) -> Metrics:
    """The multiprocess folder (cleared by the server's first process, see the module's docstring), then the
    metrics."""
    if os.environ.get(PREPARED_BY) is None:
        default = Path(tempfile.gettempdir()) / f"workcommunities-metrics-{os.getpid()}"
        directory = Path(os.environ.setdefault(MULTIPROC_DIR, str(default)))
        directory.mkdir(parents=True, exist_ok=True)
        for file in directory.glob("*.db"):  # prometheus-client's files only: the folder may be the operator's
            file.unlink(missing_ok=True)
        os.environ[PREPARED_BY] = str(os.getpid())
    return Metrics(token)
