"""Response headers decided once for every answer (app.py): security headers in a `before_send` hook, which sees
every answer (the router's 404 and 405 too), and caching in a middleware, which holds a body to tag it.

- Every answer: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`, and with
  `TRUST_TLS=1` (served only over HTTPS, through a proxy that terminates TLS) `Strict-Transport-Security`.
- A GET without a token is public: a 200 JSON answer gets a strong `ETag` (a hash of the body) and, unless its route
  set one, `Cache-Control: no-cache` (clients and proxies may keep it but ask again, sending `If-None-Match`; an
  unchanged answer is then a `304` without a body). `Vary: Authorization` because the same URL read with a token can
  answer more (a phone an admin may see). Reference data sets its own `Cache-Control` with a `max-age`.
- Any answer to a request with a token gets `Cache-Control: no-store`: what a user reads about themself stays off
  shared devices and caches.
- Answers that bring their own `ETag` (media files, with Range) or stream are left alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, cast

from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, BeforeMessageSendHookHandler

# ASGI's messages as plain mappings: Litestar's TypedDicts per event type cost a cast at every step here.
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
Headers = Iterable[tuple[bytes, bytes]]

SECURITY = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NO_CACHE = (b"cache-control", b"no-cache")
NO_STORE = (b"cache-control", b"no-store")
VARY = (b"vary", b"Authorization")
_ANSWER_HEADERS = {b"etag", b"cache-control", b"vary", b"date", b"content-location", b"expires"}  # kept on a 304


def _header(headers: Headers, name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


def etag_matches(header: str | None, etag: str) -> bool:
    """`If-None-Match` (RFC 9110 §13.1.2: weak comparison, lists and `*` allowed)."""
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def security_headers(*, trust_tls: bool) -> BeforeMessageSendHookHandler:
    """The `before_send` hook: the security headers, and `no-store` on an answer to a request with a token."""
    security = (*SECURITY, HSTS) if trust_tls else SECURITY

    async def hook(message: Message, scope: Message) -> None:
        if message["type"] == "http.response.start":
            private = _header(scope["headers"], b"authorization") is not None
            message["headers"] = _with(message.get("headers", ()), *security, *((NO_STORE,) if private else ()))

    return cast("BeforeMessageSendHookHandler", hook)


def allow_header() -> BeforeMessageSendHookHandler:
    """The `before_send` hook that completes `Allow` on an OPTIONS answer: Litestar 2 lists only the methods of the
    first handler registered at a path (litestar#4169, fixed in Litestar 3), so `OPTIONS /content/posts` would leave
    out GET. The full list comes from the app's route at the path."""
    allowed: dict[str, bytes] = {}

    async def hook(message: Message, scope: Message) -> None:
        if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
            return
        if not allowed:
            routes = (route for route in scope["app"].routes if isinstance(route, HTTPRoute))
            allowed.update({route.path_format: ", ".join(sorted(route.methods)).encode() for route in routes})
        if (methods := allowed.get(scope.get("path_template", ""))) is not None:
            headers = message.get("headers", ())
            message["headers"] = [(key, methods if key.lower() == b"allow" else value) for key, value in headers]

    return cast("BeforeMessageSendHookHandler", hook)


def http_cache(app: ASGIApp) -> ASGIApp:
    """The middleware: tags public GET answers (see the module's docstring)."""
    inner = cast("Callable[[Message, Any, Send], Awaitable[None]]", app)

    async def middleware(scope: Message, receive: Any, send: Send) -> None:
        if scope["type"] != "http" or _header(scope["headers"], b"authorization") is not None:
            await inner(scope, receive, send)
        elif scope["method"] == "GET":
            await inner(scope, receive, _tagging(send, _header(scope["headers"], b"if-none-match")))
        elif scope["method"] == "HEAD":  # no body to tag
            await inner(scope, receive, _adding(send, NO_CACHE, VARY))
        else:
            await inner(scope, receive, send)

    return cast("ASGIApp", middleware)


def _with(headers: Headers, *extra: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    """`headers` with each `extra` one the route did not set (a `Vary` is extended, not replaced)."""
    result = list(headers)
    for name, value in extra:
        index = next((n for n, (key, _) in enumerate(result) if key.lower() == name), None)
        if index is None:
            result.append((name, value))
        elif name == b"vary" and value.lower() not in result[index][1].lower():
            result[index] = (name, result[index][1] + b", " + value)
    return result


def _adding(send: Send, *extra: tuple[bytes, bytes]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": _with(message.get("headers", ()), *extra)}
        await send(message)

    return wrapped


def _tagging(send: Send, if_none_match: bytes | None) -> Send:
    """Holds a 200 JSON answer's start until its body is known, to tag it (or answer 304)."""
    held: Message | None = None
    extra = (NO_CACHE, VARY)
    untagged = _adding(send, *extra)

    async def wrapped(message: Message) -> None:
        nonlocal held
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            json = (_header(headers, b"content-type") or b"").startswith(b"application/json")
            if message["status"] == 200 and json and _header(headers, b"etag") is None:
                held = {**message, "headers": headers}
            else:
                await untagged(message)
            return
        if held is None or message["type"] != "http.response.body":
            await send(message)
            return
        start, held = held, None
        body = message.get("body", b"")
        if message.get("more_body", False):  # streamed: no tag
            await untagged(start)
            await send(message)
            return
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'  # a tag, not a secret: the fastest
        headers = _with([*start["headers"], (b"etag", etag.encode())], *extra)
        if if_none_match is not None and etag_matches(if_none_match.decode("latin-1"), etag):
            kept = [(key, value) for key, value in headers if key.lower() in _ANSWER_HEADERS]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers})
        await send(message)

    return wrapped
