"""A loopback SMS gateway for the run: ENV=prod sends login codes only by SMS (SMS_GATEWAY_URL), so the bench
receives them itself, as `lib/sms.py`'s HttpSmsSender posts them (`{"phone", "text"}`, bearer token).

Each code is kept in memory (for the bench's own logins) and written to `<codes_dir>/<phone>` (for the load
generators, which read it before verifying). The file is replaced atomically and is complete before the gateway
answers, so it exists by the time the server answers the code request.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_CODE = re.compile(r"(\d{4,8})\D*$")  # the message ends with the code ("WorkCommunities code: 12345")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a sender that gave up (the server stopping mid-request): nothing to report


class SmsSink:
    def __init__(self, codes_dir: Path, token: str) -> None:
        self.codes_dir = codes_dir
        self.token = token
        self.codes: dict[str, str] = {}
        self.received = 0
        self.rejected = 0
        self._changed = threading.Condition()
        codes_dir.mkdir(parents=True, exist_ok=True)
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload: Any = json.loads(self.rfile.read(length) or b"null")
                authorized = self.headers.get("Authorization") == f"Bearer {sink.token}"
                match = _CODE.search(str(payload.get("text", ""))) if isinstance(payload, dict) else None
                if not (authorized and match and isinstance(payload.get("phone"), str)):
                    sink.rejected += 1
                    self.send_response(400)
                else:
                    sink.store(payload["phone"], match.group(1))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, name="sms-sink", daemon=True)

    def store(self, phone: str, code: str) -> None:
        path = self.codes_dir / phone
        temporary = path.with_name(f".{phone}.{threading.get_ident()}")
        temporary.write_text(code)
        os.replace(temporary, path)
        with self._changed:
            self.codes[phone] = code
            self.received += 1
            self._changed.notify_all()

    def forget(self, phone: str) -> None:
        with self._changed:
            self.codes.pop(phone, None)

    def take(self, phone: str, timeout: float = 10.0) -> str:
        """The code last sent to `phone`, waiting for it; it is forgotten (a new request sends a new one)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while phone not in self.codes:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no login code reached the SMS sink for {phone}")
                self._changed.wait(left)
            return self.codes.pop(phone)

    def __enter__(self) -> SmsSink:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
