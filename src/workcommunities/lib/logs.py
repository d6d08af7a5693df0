"""Logs: one line per request and one per application error, as JSON (`LOG_FORMAT=json`, the default) or readable
(`LOG_FORMAT=console`, `make run`), through structlog; the standard library's records (Litestar, SQLAlchemy, ours)
are written the same way.

- Every request gets an id: the client's `X-Request-ID` when it is a plausible one (1-128 characters of letters,
  digits and `._:-`), otherwise a new one; it is echoed in the answer's `X-Request-ID` and carried by every line
  logged while the request runs (`request_id`), so an error's line and its request's line share it.
- The request line (`event: "request"`, logger `workcommunities.request`, level INFO): method, route template
  (`/communities/{community_id}`, never the path or the query string, which may carry anything), status, duration in
  milliseconds, and the caller's user id when a token was verified.
- Nothing secret is written: values of keys that name a phone, code, token, password or secret are masked, and any
  text that looks like a phone number or a JWT is masked wherever it appears (`redact`); SQL parameters never reach
  an error message (db/engine.py sets `hide_parameters`).
- Lines leave through a queue (`QueueHandler` and its listener thread), so a slow log sink never blocks a request.
"""

from __future__ import annotations

import atexit
import logging
import queue
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from logging.handlers import QueueHandler, QueueListener
from typing import Any, TextIO, cast

import msgspec
import structlog
from litestar.types import ASGIApp, BeforeMessageSendHookHandler

from workcommunities.lib.security import Principal

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]

REQUEST_ID_HEADER = b"x-request-id"
_PLAUSIBLE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_STATE_KEY = "workcommunities.request"  # scope["state"][...]: the request's `_Request`
request_logger = structlog.get_logger("workcommunities.request")

# --- redaction ------------------------------------------------------------------------------------------------------

# Keys whose values are secret, as whole words of a snake_case key (`phone`, `otp_code`, `access_token`, not
# `encoded`), but for the HTTP status.
_SECRET_KEY = re.compile(r"(^|_)(phone|otp|code|token|password|secret|authorization|key)s?($|_)", re.IGNORECASE)
_PUBLIC_KEYS = frozenset({"status_code"})
# A phone number as the service stores and receives them: a + (or its URL encoding) and 7 to 15 digits, maybe spaced
# with spaces, no-break spaces, dashes or brackets; or a bare run of 10 to 15 digits. And a JWT (three base64url parts).
_PHONE = re.compile(r"(?:\+|%2B)\d[\d ()\-\u00a0]{5,19}\d(?!\d)|(?<![\w.])\d{10,15}(?!\d)")
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
MASK = "***"


def _scrub(text: str) -> str:
    return _PHONE.sub(MASK, _JWT.sub(MASK, text))


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The structlog processor that masks secrets in every line (see the module's docstring)."""
    for key, value in event.items():
        if _SECRET_KEY.search(key) and key not in _PUBLIC_KEYS:
            event[key] = MASK
        elif isinstance(value, str):
            event[key] = _scrub(value)
    return event


# --- configuration --------------------------------------------------------------------------------------------------


def _json(event: Any, **_: Any) -> str:
    return msgspec.json.encode(event, enc_hook=str).decode()


def configure_logging(level: str, log_format: str, stream: TextIO | None = None) -> None:
    """structlog and the standard library's root logger, for the whole process (create_app; idempotent), writing to
    `stream` (stdout)."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Tracebacks become text before `redact` reads the line, in both formats (no local variables are ever shown).
    shared.append(structlog.processors.format_exc_info)
    renderer: Any
    if log_format == "console":
        renderer = structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    else:
        renderer = structlog.processors.JSONRenderer(serializer=_json)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[redact, structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    structlog.configure(
        # A line below the level costs a level check only (the bench runs at WARNING, without request lines).
        processors=[structlog.stdlib.filter_by_level, *shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    for handler in root.handlers[:]:
        if isinstance(handler, _QueueHandler):  # an earlier app's in this process (others are left alone)
            root.removeHandler(handler)
            handler.close()
    root.addHandler(_QueueHandler(formatter, stream or sys.stdout))
    root.setLevel(level)
    logging.getLogger("workcommunities").setLevel(level)
    # httpx logs every request's full URL at INFO: the SMS gateway's may carry a key.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


class _QueueHandler(QueueHandler):
    """Formats in the logging thread (structlog's event dicts cannot cross the queue as they are) and writes from a
    listener thread to stdout."""

    def __init__(self, formatter: logging.Formatter, stream: TextIO) -> None:
        line_queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        super().__init__(line_queue)
        self.setFormatter(formatter)
        output = logging.StreamHandler(stream)
        output.setFormatter(logging.Formatter("%(message)s"))
        self.listener: QueueListener | None = QueueListener(line_queue, output)
        self.listener.start()
        atexit.register(self.close)  # the lines still queued are written before the process ends

    def close(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
            atexit.unregister(self.close)
        super().close()


# --- the request line -----------------------------------------------------------------------------------------------


def _request_id(scope: Message) -> str:
    sent = next((value for key, value in scope["headers"] if key == REQUEST_ID_HEADER), None)
    return sent.decode() if sent is not None and _PLAUSIBLE_ID.fullmatch(sent) else uuid.uuid4().hex


class _Request:
    """What the request line needs, kept in the scope's state while the request runs."""

    __slots__ = ("logged", "request_id", "started", "status")

    def __init__(self, request_id: str, started: float | None) -> None:
        self.request_id, self.started = request_id, started
        self.status: int | None = None
        self.logged = False

    def log(self, scope: Message, *, completed: bool) -> None:
        """The request line, once."""
        if self.logged:
            return
        self.logged = True
        user = scope.get("user")
        request_logger.info(
            "request",
            request_id=self.request_id,
            method=scope["method"],
            route=scope.get("path_template", ""),
            status=self.status,
            duration_ms=None if self.started is None else round((time.perf_counter() - self.started) * 1000, 2),
            user_id=user.user_id.hex if isinstance(user, Principal) else None,
            **({} if completed else {"completed": False}),
        )


def request_context(app: ASGIApp) -> ASGIApp:
    """The middleware: the request's id and start time, the id bound to every line logged while it runs, and the
    request line of an answer that never completed (a download the client dropped, an error once the answer had
    started), with `completed: false`."""
    inner = cast("Callable[[Message, Any, Send], Awaitable[None]]", app)

    async def middleware(scope: Message, receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        request = scope.setdefault("state", {})[_STATE_KEY] = _Request(_request_id(scope), time.perf_counter())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request.request_id)
        try:
            await inner(scope, receive, send)
        finally:
            request.log(scope, completed=False)

    return cast("ASGIApp", middleware)


async def _log_request(message: Message, scope: Message) -> None:
    """The `before_send` hook: echoes the id on every answer (a 404 or 405 of the router too, which no middleware
    sees: it gets an id here, and no duration) and writes the request line once the answer is complete."""
    state = scope.setdefault("state", {})
    if message["type"] == "http.response.start":
        request = state.get(_STATE_KEY) or state.setdefault(_STATE_KEY, _Request(_request_id(scope), None))
        message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER, request.request_id.encode())]
        request.status = message["status"]
    elif message["type"] == "http.response.body" and not message.get("more_body", False):
        state[_STATE_KEY].log(scope, completed=True)


request_log = cast("BeforeMessageSendHookHandler", _log_request)
