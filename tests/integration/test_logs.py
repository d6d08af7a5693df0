"""Structured logs (lib/logs.py): one JSON line per request with its id, errors logged once with that id, and no
phone, code, token or password in any line, read from a real server's output."""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
from logging.handlers import QueueHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from litestar import Litestar

from tests.conftest import SmsGateway
from tests.helpers import ADMIN_SIGNUP_TOKEN, bearer, claims, granian, new_phone
from workcommunities.lib.logs import MASK, configure_logging, redact


def _lines(log: Path) -> list[dict[str, Any]]:
    """The log lines of the server's output (the CLI prints one plain line when the workers stop, not a log)."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_request_lines_ids_and_no_secrets(
    app: Litestar, database_url: str, sms_gateway: SmsGateway, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    env = {
        "ENV": "prod",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "SMS_GATEWAY_URL": sms_gateway.url,
        "SMS_GATEWAY_TOKEN": "gateway-token-for-the-test",
        "ADMIN_SIGNUP_TOKEN": ADMIN_SIGNUP_TOKEN,
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
    }
    phone, email, password = new_phone(), f"admin-{secrets.token_hex(4)}@example.com", "Pass-" + secrets.token_hex(8)
    with granian(env, log) as base, httpx.Client(base_url=base) as client:
        sent = client.post("/auth/otp/request", json={"phone": phone}, headers={"X-Request-ID": "client-id-42"})
        assert (sent.status_code, sent.headers["x-request-id"]) == (204, "client-id-42")
        code = sms_gateway.messages[-1]["body"]["text"].split()[-1].strip(".")
        assert code.isdigit() and code in sms_gateway.messages[-1]["body"]["text"]
        wrong = client.post("/auth/otp/verify", json={"phone": phone, "code": "0" * len(code)})
        assert wrong.status_code == 400
        verified = client.post("/auth/otp/verify", json={"phone": phone, "code": code})
        assert verified.status_code == 200, verified.text
        token = verified.json()["access_token"]
        me = client.get("/profiles/me", headers=bearer(token))
        assert me.status_code == 200
        admin = {"email": email, "password": password, "signup_token": ADMIN_SIGNUP_TOKEN}
        assert client.post("/auth/admin/signup", json=admin).status_code == 200
        assert client.post("/auth/admin/login", json={"email": email, "password": "x" + password}).status_code == 400
        hostile = client.get("/nowhere", headers={"X-Request-ID": "bad id\twith spaces"})
        assert hostile.status_code == 404 and len(hostile.headers["x-request-id"]) == 32
    lines = _lines(log)
    text = log.read_text()
    for secret in (phone, phone.removeprefix("+"), token, password, ADMIN_SIGNUP_TOKEN, "gateway-token"):
        assert secret not in text, secret
    assert not re.search(rf"(?<!\d){code}(?!\d)", text)  # the code as a number of its own (not inside a time)
    requests = [line for line in lines if line.get("event") == "request"]
    by_id = {line["request_id"]: line for line in requests}
    assert by_id["client-id-42"] | {"duration_ms": 0} == {
        "request_id": "client-id-42",
        "method": "POST",
        "route": "/auth/otp/request",
        "status": 204,
        "duration_ms": 0,
        "user_id": None,
        "event": "request",
        "logger": "workcommunities.request",
        "level": "info",
        "timestamp": by_id["client-id-42"]["timestamp"],
    }
    own = by_id[me.headers["x-request-id"]]
    assert (own["route"], own["status"], own["user_id"]) == ("/profiles/me", 200, claims(token)["sub"])
    assert own["duration_ms"] > 0
    assert by_id[wrong.headers["x-request-id"]]["status"] == 400
    unrouted = by_id[hostile.headers["x-request-id"]]
    assert (unrouted["status"], unrouted["route"], unrouted["duration_ms"]) == (404, "", None)
    assert len([line for line in requests if line["route"] != "/health"]) == 7  # one line per request, no more


def test_database_outage_is_one_line_with_the_request_id(tmp_path: Path) -> None:
    """An answer the app gives for a failure (here the database is unreachable: a 503) is logged once, as one line
    with the request's id and no traceback."""
    log = tmp_path / "server.log"
    closed = "postgresql+asyncpg://nobody@127.0.0.1:9/none"
    env = {"ENV": "dev", "DATABASE_URL": closed, "DATA_DIR": str(tmp_path), "LOG_FORMAT": "json"}
    with granian(env, log) as base:
        answer = httpx.get(f"{base}/content/posts")
    assert answer.status_code == 503
    request_id = answer.headers["x-request-id"]
    mine = [line for line in _lines(log) if line.get("request_id") == request_id]
    assert [(line["event"].split(":")[0], line["level"]) for line in mine] == [
        ("unavailable", "warning"),
        ("request", "info"),
    ]
    assert "exception" not in mine[0] and "Traceback" not in log.read_text()


def test_an_error_is_logged_once_with_its_request_id() -> None:
    """An unexpected error's traceback is written once, in one JSON line that carries the request's id."""
    stream = io.StringIO()
    configure_logging("INFO", "json", stream)
    try:
        structlog.contextvars.bind_contextvars(request_id="req-1")
        try:
            raise RuntimeError("boom for +7 999 123-45-67")
        except RuntimeError:
            logging.getLogger("workcommunities").exception("unhandled error on GET /x")
        structlog.contextvars.clear_contextvars()
    finally:
        ours = [handler for handler in logging.getLogger().handlers if isinstance(handler, QueueHandler)]
        ours[-1].close()  # stops the listener: every line is written
        configure_logging("INFO", "json")
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert (line["request_id"], line["event"], line["level"]) == ("req-1", "unhandled error on GET /x", "error")
    assert "RuntimeError: boom for ***" in line["exception"] and "999" not in line["exception"]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"event": "call +79991234567 now"}, {"event": f"call {MASK} now"}),
        ({"event": "token eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"}, {"event": f"token {MASK}"}),
        ({"phone": "+7 (999) 123-45-67", "otp_code": 12345}, {"phone": MASK, "otp_code": MASK}),
        ({"event": "call +79991234567."}, {"event": f"call {MASK}."}),
        ({"event": "url ?to=%2B79991234567&x=1"}, {"event": f"url ?to={MASK}&x=1"}),
        ({"event": "to +7\u00a0999\u00a0123-45-67 or 79991234567"}, {"event": f"to {MASK} or {MASK}"}),
        (
            {"access_token": "t", "status_code": 200, "encoded": "x"},
            {"access_token": MASK, "status_code": 200, "encoded": "x"},
        ),
        ({"event": "port 5432 at 2026-11-29 10:00:00+00:00, 1500000 bytes, id 01a226c93de4"}, None),
    ],
)
def test_redaction(event: dict[str, Any], expected: dict[str, Any] | None) -> None:
    assert redact(None, "info", dict(event)) == (expected or event)
