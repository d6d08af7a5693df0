"""Domain errors raised by services, and the handlers that turn every error into the contract's JSON body."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from advanced_alchemy.exceptions import DuplicateKeyError, NotFoundError, RepositoryError
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from sqlalchemy.exc import DataError, DBAPIError

logger = logging.getLogger("workcommunities")

# Detail strings the contract fixes (§1.5) and more than one slice raises; a slice's own ones live in the slice.
NOT_FOUND = "Not found"
NOT_ALLOWED = "Not allowed"  # ownership: another company's community, post, event, case or story
FORBIDDEN = "Forbidden"  # the caller's role may not use the route
USER_NOT_FOUND = "User not found"  # 401: the caller's account is gone (erased, or never existed)
NO_COMPANY = "Company is not set for this user"
ARCHIVED = "Community is archived"
MEDIA_NOT_FOUND = "Media not found"
OTHER_ROLE = "Phone is registered with another role"
TOO_MANY_REQUESTS = "Too many requests"
UNAVAILABLE = "Service unavailable, try again"
# SQLSTATE classes that mean the database, not the request, failed: connection exception, insufficient resources,
# operator intervention (a restart or shutdown).
_UNAVAILABLE_CLASSES = ("08", "53", "57")


class DomainError(Exception):
    status_code: int = HTTP_400_BAD_REQUEST
    default_detail: str = "Bad request"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.detail = detail or self.default_detail
        self.headers = headers or {}
        super().__init__(self.detail)


class BadRequest(DomainError):
    pass


class NotFound(DomainError):
    status_code = HTTP_404_NOT_FOUND
    default_detail = NOT_FOUND


class Forbidden(DomainError):
    status_code = HTTP_403_FORBIDDEN
    default_detail = NOT_ALLOWED


class Conflict(DomainError):
    status_code = HTTP_409_CONFLICT


class TooManyRequests(DomainError):
    status_code = HTTP_429_TOO_MANY_REQUESTS
    default_detail = TOO_MANY_REQUESTS

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(max(1, retry_after))})


class Unavailable(DomainError):
    status_code = HTTP_503_SERVICE_UNAVAILABLE


def _json(status: int, detail: Any, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response({"detail": detail}, status_code=status, headers=headers, media_type=MediaType.JSON)


def domain_error_handler(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return _json(exc.status_code, exc.detail, exc.headers)


def _loc(item: dict[str, Any]) -> list[str | int]:
    """msgspec paths like `$.media_uids[1]` as FastAPI-style locations: ["body", "media_uids", 1]."""
    source = item.get("source") or "body"
    key = str(item.get("key") or "")
    if key == "data":  # a whole-body check (__post_init__) is reported under the handler's parameter name
        key = ""
    parts: list[str | int] = [source]
    for token in key.removeprefix("$").replace("[", ".").replace("]", "").split("."):
        if token:
            parts.append(int(token) if token.isdigit() else token)
    return parts


def validation_error_handler(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """422 with a list of errors, the shape the old service's clients know."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {"type": "value_error", "loc": _loc(item), "msg": str(item.get("message", exc.detail)), "input": None}
        for item in extra
        if isinstance(item, dict)
    ] or [{"type": "value_error", "loc": ["body"], "msg": exc.detail, "input": None}]
    return _json(HTTP_422_UNPROCESSABLE_ENTITY, errors)


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    headers = dict(exc.headers or {})
    cause = exc.__cause__
    if exc.status_code == HTTP_404_NOT_FOUND and isinstance(cause, ValueError) and not isinstance(cause, HTTPException):
        # A typed path id ({post_id:uuid}) that does not parse names no entity: the entity's 404, not the router's.
        return _json(exc.status_code, NOT_FOUND)
    if exc.status_code == HTTP_429_TOO_MANY_REQUESTS:
        headers.setdefault("Retry-After", headers.get("RateLimit-Reset", "60"))
        return _json(exc.status_code, TOO_MANY_REQUESTS, headers)
    if exc.status_code == HTTP_400_BAD_REQUEST:
        # Litestar reports undecodable bodies as 400; the contract answers every bad body with 422.
        return _json(HTTP_422_UNPROCESSABLE_ENTITY, [{"type": "json_invalid", "loc": ["body"], "msg": exc.detail}])
    return _json(exc.status_code, exc.detail, headers)


UNIQUE_VIOLATION = "23505"


def sqlstate(exc: BaseException | None) -> str:
    """The PostgreSQL SQLSTATE of a database error ("" for other errors and on SQLite)."""
    orig = getattr(exc, "orig", None)
    return str(getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None) or "")


def unavailable_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database (or storage) cannot be reached or went away: a 503 the client may retry. Nothing was
    acknowledged, and SQLAlchemy has dropped the pool's connections, so the next request connects afresh."""
    logger.warning("unavailable: %r", exc)
    return _json(HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE, {"Retry-After": "1"})


def os_error_handler(request: Request[Any, Any, Any], exc: OSError) -> Response[Any]:
    """An OS error raised inside the database driver while it connects (the server's socket file is gone while it
    restarts, say) means the database cannot be reached: a 503 like a refused connection. Anywhere else it is a
    500."""
    traceback = exc.__traceback__
    while traceback is not None:
        if str(traceback.tb_frame.f_globals.get("__name__", "")).startswith("asyncpg."):
            return unavailable_handler(request, exc)
        traceback = traceback.tb_next
    return internal_error_handler(request, exc)


def database_error_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    """A lost connection or a database going down is a 503. A value the database refuses although the request
    validated (SQLSTATE class 22, "data exception": a NUL character in text on PostgreSQL, say) is bad input, so a
    422; anything else stays a 500. Either way the request's transaction is rolled back."""
    if exc.connection_invalidated or sqlstate(exc).startswith(_UNAVAILABLE_CLASSES):
        return unavailable_handler(request, exc)
    if isinstance(exc, DataError) or sqlstate(exc).startswith("22"):
        logger.info("database refused a value: %s", exc.orig)
        msg = "A value is not accepted by the database (too long, out of range, or with a NUL character)"
        return _json(HTTP_422_UNPROCESSABLE_ENTITY, [{"type": "value_error", "loc": ["body"], "msg": msg}])
    return internal_error_handler(request, exc)


def repository_error_handler(request: Request[Any, Any, Any], exc: RepositoryError) -> Response[Any]:
    """Advanced Alchemy's errors: not found → 404 and a taken unique key → 409, each with the detail the repository's
    `error_messages` gave it; a database error it wrapped is handled as that error."""
    if isinstance(exc, NotFoundError):
        return _json(HTTP_404_NOT_FOUND, exc.detail)
    # Advanced Alchemy spots a duplicate key by its message, which asyncpg's errors do not match; the SQLSTATE does.
    if isinstance(exc, DuplicateKeyError) or sqlstate(exc.__cause__) == UNIQUE_VIOLATION:
        return _json(HTTP_409_CONFLICT, exc.detail)
    if isinstance(exc.__cause__, DBAPIError):
        return database_error_handler(request, exc.__cause__)
    return internal_error_handler(request, exc)


def recursion_error_handler(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """msgspec gives up on a body nested deeper than the interpreter's stack (`[[[[…]]]]`): bad input like any
    other undecodable body. A RecursionError from anywhere else is a bug, a 500."""
    if "deserializing" in str(exc):
        msg = "JSON is nested too deeply"
        return _json(HTTP_422_UNPROCESSABLE_ENTITY, [{"type": "json_invalid", "loc": ["body"], "msg": msg}])
    return internal_error_handler(request, exc)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The route's template, never the path: a path may carry a secret (a calendar feed's token).
    route = request.scope.get("path_template", "")
    logger.exception("unhandled error on %s %s", request.method, route, exc_info=exc)
    return _json(HTTP_500_INTERNAL_SERVER_ERROR, "Internal Server Error")


exception_handlers: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    RepositoryError: repository_error_handler,
    DBAPIError: database_error_handler,
    # Refused, reset or timed-out connections to the database (asyncpg raises them as they are) or the storage.
    ConnectionError: unavailable_handler,
    TimeoutError: unavailable_handler,
    OSError: os_error_handler,
    RecursionError: recursion_error_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
    Exception: internal_error_handler,
}


# --- OpenAPI: the error shapes each route documents ------------------------------------------------------------------


class ErrorOut(msgspec.Struct):
    detail: str


class ValidationItemOut(msgspec.Struct):
    type: str
    loc: list[str | int]
    msg: str
    input: Any = None


class ValidationErrorOut(msgspec.Struct):
    detail: list[ValidationItemOut]


_DESCRIPTIONS = {
    400: "Bad request (the detail says why)",
    401: "Not authenticated, invalid token, or user not found",
    403: "Forbidden for this role, or not the owner",
    404: "Not found",
    409: "Conflict with the current state",
    413: "File too large",
    415: "Unsupported media type",
    429: "Too many requests (see Retry-After)",
    503: "Unavailable",
}


def documented(*codes: int, validation: bool = True) -> dict[int, ResponseSpec]:
    """Response specs for a route: the given error codes with `{"detail": str}`, and 422 for invalid input."""
    specs = {code: ResponseSpec(ErrorOut, description=_DESCRIPTIONS[code], generate_examples=False) for code in codes}
    if validation:
        specs[422] = ResponseSpec(ValidationErrorOut, description="Invalid input", generate_examples=False)
    return specs
