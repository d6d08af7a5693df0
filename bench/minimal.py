"""The benchmark's "practical limit": the two feed reads with nothing but asyncpg and one SQL statement each.

A bare ASGI callable, no framework:

    DATABASE_URL=postgresql://… JWT_SECRET=… granian --interface asgi bench.minimal:app --workers N --port P

- `GET /content/posts?offset=&limit=`: the unified feed (posts and events of communities that are not archived,
  newest first);
- `GET /content/me/posts/from-followed-communities?offset=&limit=`: posts of the caller's communities, the caller
  being the `sub` of a valid bearer token;
- anything else: 404.

Each answer is one prepared statement whose single value is the whole JSON body, built by PostgreSQL and returned
as bytes; Python only parses the query string (and verifies the token), so this is about as little work as Python
can do per request. The bodies are byte for byte the real app's (tests/test_bench_minimal.py proves it): the same
keys in the same order, compact, ids as 32 hex characters, NULL as "" / 0 / [], times as msgspec writes them.

What it leaves out on purpose, being a lower bound rather than an app: the real app reads the caller's user row on
every authenticated request (a deleted user's token is a 401 there; here it reads an empty feed), writes the
`X-Next-Cursor` header and reads `cursor`, and answers its own validation errors. Limits (1-100, clamped) and
offsets follow the real app.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import asyncpg  # type: ignore[import-untyped,unused-ignore]
import jwt

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

MAX_LIMIT = 100
MAX_OFFSET = 2**31 - 1
_HEX_ID = re.compile(r"[0-9a-fA-F]{32}")

# --- SQL ----------------------------------------------------------------------------------------------------------
# JSON text is concatenated rather than made with json_build_object / json_agg, whose output has spaces (" : ",
# ", \n ") where msgspec writes none; to_json(text) escapes a string exactly as msgspec does. Ids, types and numbers
# need no escaping. Every list is string_agg(... ORDER BY ...) inside '[' ']'.


# A page row's media: an event's legacy `media_id` first (position -1), then the attached ones by position, each
# once (the real app drops the attached copy of the legacy one). Indexes: ix_content_media_order, pk_media.
_MEDIA = """(SELECT string_agg('{"id":"' || x.hex || '","kind":' || to_json(x.kind)::text
        || ',"mime":' || to_json(x.mime)::text || ',"ext":' || to_json(x.ext)::text || ',"size":' || x.size
        || ',"url":"/media/' || x.hex || '"}', ',' ORDER BY x.position)
    FROM (SELECT replace(m.id::text, '-', '') AS hex, m.kind, m.mime, m.ext, m.size, -1 AS position
          FROM media m WHERE m.id = p.media_id
          UNION ALL
          SELECT replace(m.id::text, '-', ''), m.kind, m.mime, m.ext, m.size, l.position
          FROM content_media l JOIN media m ON m.id = l.media_id
          WHERE l.content_id = p.id AND l.media_id IS DISTINCT FROM p.media_id) x)"""

# Skills in their saved order, each with its sphere (index ix_content_skill_order).
_SKILLS = """(SELECT string_agg('{"id":"' || replace(s.id::text, '-', '') || '","title":' || to_json(s.title)::text
        || ',"sphere_id":"' || replace(h.id::text, '-', '') || '","sphere":{"id":"' || replace(h.id::text, '-', '')
        || '","title":' || to_json(h.title)::text
        || ',"background_color":' || to_json(h.background_color)::text
        || ',"text_color":' || to_json(h.text_color)::text || '}}', ',' ORDER BY l.position)
    FROM content_skill l JOIN skill s ON s.id = l.skill_id JOIN sphere h ON h.id = s.sphere_id
    WHERE l.content_id = p.id)"""

# Tags are a JSONB array of strings, whose text has ", " between elements where msgspec writes ","; json_strip_nulls
# of it as json writes the same tokens compact (as the real app does, lib/aggregate.py). JSON null (an old row) is [].
_TAGS = """CASE WHEN jsonb_typeof(p.tags) = 'array' THEN json_strip_nulls(p.tags::json)::text ELSE '[]' END"""

# msgspec writes an aware UTC datetime as 2025-03-01T12:00:00Z, with .ffffff only when there are microseconds.
_EVENT_DATE = """CASE WHEN p.event_date IS NULL THEN 'null' ELSE '"' || replace(to_char(p.event_date AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z"' END"""

# What a post and a feed item begin and end with.
_HEAD = """'{"id":"' || replace(p.id::text, '-', '') || '","community_id":"' || replace(p.community_id::text, '-', '')
    || '","title":' || to_json(p.title)::text"""
_MEDIA_TO_END = f"""',"media":[' || coalesce({_MEDIA}, '') || '],"tags":' || {_TAGS}
    || ',"skills":[' || coalesce({_SKILLS}, '') || '],"cost":' || coalesce(p.cost, 0)
    || ',"participant_payout":' || coalesce(p.participant_payout, 0)
    || ',"moderation_status":"' || p.moderation_status || '"}}'"""


def _page_sql(item: str, rows: str) -> str:
    """One statement: the page's rows by the real app's query (so the same plan and index), then the JSON array of
    `item` over them as UTF-8 bytes (bytea: asyncpg hands it over without decoding it into a str)."""
    return f"""SELECT convert_to('[' || coalesce(string_agg({item}, ',' ORDER BY p.created_at DESC, p.id DESC), '')
    || ']', 'UTF8')
FROM ({rows}) p"""  # noqa: S608 - composed of this module's constants only; the input is bound ($1 …)


# The unified feed (ContentItemOut): an event's description is its body. Index ix_content_feed, read backwards.
FEED_SQL = _page_sql(
    f"""{_HEAD} || ',"type":"' || p.type || '","body":' || to_json(coalesce(p.body, ''))::text
    || ',"event_date":' || {_EVENT_DATE} || {_MEDIA_TO_END}""",
    """SELECT c.id, c.community_id, c.title, c.type,
        CASE WHEN c.type = 'event' THEN c.description ELSE c.body END AS body,
        c.event_date, c.media_id, c.tags, c.cost, c.participant_payout, c.moderation_status, c.created_at
    FROM content c JOIN community o ON o.id = c.community_id
    WHERE o.is_archived IS false AND c.moderation_status = 'visible'
    ORDER BY c.created_at DESC, c.id DESC
    OFFSET $1 LIMIT $2""",
)

# Posts of the caller's communities (PostOut), by the real app's query (membership's primary key, then
# ix_content_community or ix_content_feed as the planner sees fit).
MEMBER_POSTS_SQL = _page_sql(
    f"""{_HEAD} || ',"body":' || to_json(coalesce(p.body, ''))::text || {_MEDIA_TO_END}""",
    """SELECT c.id, c.community_id, c.title, c.body, c.media_id, c.tags, c.cost, c.participant_payout,
        c.moderation_status, c.created_at
    FROM content c JOIN community o ON o.id = c.community_id JOIN membership s ON s.community_id = c.community_id
    WHERE c.type = 'post' AND o.is_archived IS false AND c.moderation_status = 'visible' AND s.user_id = $3
    ORDER BY c.created_at DESC, c.id DESC
    OFFSET $1 LIMIT $2""",
)

# --- HTTP ---------------------------------------------------------------------------------------------------------

_JSON_HEADERS = [(b"content-type", b"application/json")]
_NOT_FOUND = b'{"detail":"Not Found"}'
_NOT_AUTHENTICATED = b'{"detail":"Not authenticated"}'
_INVALID_TOKEN = b'{"detail":"Invalid token"}'
_BAD_PAGE = b'{"detail":"offset must be 0 or more, limit 1 or more"}'


class _State:
    pool: asyncpg.Pool | None = None
    secret = ""
    algorithm = "HS256"


def dsn(url: str) -> str:
    """A SQLAlchemy URL (postgresql+asyncpg://…) as the libpq one asyncpg takes."""
    scheme, sep, rest = url.partition("://")
    return scheme.split("+", 1)[0] + sep + rest


def _page(query: bytes) -> tuple[int, int] | None:
    """`offset` and `limit` of a query string (defaults 0 and 20, limit clamped to 100); None when invalid."""
    offset, limit = 0, 20
    if query:
        try:
            for pair in query.split(b"&"):
                name, _, value = pair.partition(b"=")
                if name == b"offset":
                    offset = int(value)
                elif name == b"limit":
                    limit = int(value)
        except ValueError:
            return None
        if not 0 <= offset <= MAX_OFFSET or limit < 1:
            return None
    return offset, min(limit, MAX_LIMIT)


def _caller(scope: Scope) -> str | bytes:
    """The caller's id (32 hex) from the bearer token, or the 401 body. No user lookup: see the module docstring."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.partition(b" ")
            if scheme.lower() != b"bearer" or not (token := credentials.strip()):
                break
            try:
                claims = jwt.decode(
                    token, _State.secret, algorithms=[_State.algorithm], options={"require": ["exp", "sub", "type"]}
                )
            except jwt.InvalidTokenError:
                return _INVALID_TOKEN
            sub = claims["sub"]
            if claims["type"] != "access" or not isinstance(sub, str) or not _HEX_ID.fullmatch(sub):
                return _INVALID_TOKEN
            return sub
    return _NOT_AUTHENTICATED


async def _respond(send: Send, status: int, body: bytes) -> None:
    headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _http(scope: Scope, send: Send) -> None:
    path = scope["path"]
    feed = path in ("/content/posts", "/content/posts/")
    mine = not feed and path in (
        "/content/me/posts/from-followed-communities",
        "/content/me/posts/from-followed-communities/",
    )
    if not (feed or mine) or scope["method"] != "GET":
        await _respond(send, 404, _NOT_FOUND)
        return
    if mine:
        caller = _caller(scope)
        if isinstance(caller, bytes):
            await _respond(send, 401, caller)
            return
    if (page := _page(scope["query_string"])) is None:
        await _respond(send, 422, _BAD_PAGE)
        return
    pool = _State.pool
    assert pool is not None
    if feed:
        body = await pool.fetchval(FEED_SQL, *page)
    else:
        body = await pool.fetchval(MEMBER_POSTS_SQL, *page, caller)
    await _respond(send, 200, body)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                _State.secret = os.environ["JWT_SECRET"]
                _State.algorithm = os.environ.get("JWT_ALG", "HS256")
                size = int(os.environ.get("DB_POOL_SIZE", "10"))
                # Connections open as the load asks for them (up front, many workers times the pool could exceed the
                # server's max_connections). Generic plans: with the default (auto) PostgreSQL plans these
                # statements afresh on every execution (about a millisecond, more than running them), since the
                # generic plan's estimate is costlier though it is the same plan at this scale (not at 20x, where
                # the parameter LIMIT makes it sort the table: bench/README.md).
                _State.pool = await asyncpg.create_pool(
                    dsn(os.environ["DATABASE_URL"]),
                    min_size=1,
                    max_size=size,
                    server_settings={"plan_cache_mode": "force_generic_plan"},
                )
            except Exception as exc:
                await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if _State.pool is not None:
                await _State.pool.close()
                _State.pool = None
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI application."""
    if scope["type"] == "http":
        await _http(scope, send)
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
