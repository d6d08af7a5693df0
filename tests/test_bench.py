"""`make bench` works end to end (a short run), and its load generators do what the scenarios need.

No figure is judged here (the targets are `make bench`'s printed PASS/FAIL lines, never timed tests): only that every
scenario ran, answered 2xx throughout, had its SQL statements counted, and that the results file and chart exist.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bench import load, scenarios
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a load generator stopping drops its connections mid-request: not worth a traceback


class Recorder:
    """A keep-alive HTTP server that records requests: `/list` pages linked by X-Next-Cursor (c1, c2, then none),
    and login codes written to `codes_dir/<phone>` as the SMS sink writes them."""

    def __init__(self, codes_dir: Path) -> None:
        self.paths: list[str] = []
        self.verified: list[tuple[str, bool]] = []
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self, status: int, headers: dict[str, str] | None = None, body: bytes = b"[]") -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                with recorder.lock:
                    recorder.paths.append(self.path)
                cursor = parse_qs(urlsplit(self.path).query).get("cursor", [""])[0]
                following = {"": "c1", "c1": "c2"}.get(cursor)
                self.answer(200, {"X-Next-Cursor": following} if following else None)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path == scenarios.LOGIN_PATHS[0]:
                    (codes_dir / body["phone"]).write_text(str(abs(hash(body["phone"])) % 100000).zfill(5))
                    self.answer(204, body=b"")
                else:
                    expected = (codes_dir / body["phone"]).read_text()
                    with recorder.lock:
                        recorder.verified.append((body["phone"], body["code"] == expected))
                    self.answer(200 if body["code"] == expected else 400, body=b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[Recorder]:
    server = Recorder(tmp_path)
    yield server
    server.server.shutdown()
    server.server.server_close()


def generator(kind: str) -> Callable[[str, dict[str, Any]], load.LoadResult]:
    if kind == "python":
        return lambda url, spec: load.run_python(url, spec, 1, 4)
    wrk = load.ensure_wrk()
    if wrk is None:
        pytest.skip(f"wrk could not be installed: {load.INSTALL_HINT}")
    return lambda url, spec: load.run_wrk(wrk, url, spec, 1, 4)


@pytest.mark.parametrize("kind", ["wrk", "python"])
def test_load_generators_follow_cursors_and_log_in(kind: str, recorder: Recorder, tmp_path: Path) -> None:
    run = generator(kind)
    chain = {"kind": "chain", "requests": [scenarios.request("GET", "/list?limit=20")]}
    result = run(recorder.url, chain)
    assert result.requests > 0 and result.errors == 0
    # Each connection walks the pages in order: page 1, then the cursors, then page 1 again.
    assert {"/list?limit=20", "/list?cursor=c1", "/list?cursor=c2"} <= set(recorder.paths)
    assert not any("limit" in path and "cursor" in path for path in recorder.paths)

    phones = ["+79990000001", "+79990000002"]  # two of the four connections log in fresh numbers
    login = {
        "kind": "login",
        "phones": phones,
        "codes_dir": str(tmp_path),
        "request_path": scenarios.LOGIN_PATHS[0],
        "verify_path": scenarios.LOGIN_PATHS[1],
        "fresh_format": scenarios.FRESH_PHONE,
    }
    result = run(recorder.url, login)
    assert result.requests > 0 and result.errors == 0
    assert recorder.verified and all(ok for _, ok in recorder.verified)
    verified = {phone for phone, _ in recorder.verified}
    assert set(phones) <= verified and any(p.startswith(scenarios.FRESH_PREFIX) for p in verified)


def test_make_bench_runs_end_to_end(make_pg_database: Callable[[], str], pg_server_url: str, tmp_path: Path) -> None:
    """A short `python -m bench` on a tiny dataset: every scenario of --quick under load, on both servers."""
    name = make_url(make_pg_database()).database  # dropped with the session's databases, whatever happens here
    assert name
    command = [sys.executable, "-m", "bench", "--quick", "--scale", "0.02", "--duration", "1"]
    command += ["--database-url", pg_server_url, "--database-name", name, "--drop"]
    command += ["--results-dir", str(tmp_path / "results"), "--work-dir", str(tmp_path / "work")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    [results_file] = (tmp_path / "results").glob("*-scale0.02-quick.json")
    results = json.loads(results_file.read_text())
    rows = {row["key"]: row for row in results["scenarios"]}
    assert list(rows) == scenarios.QUICK
    for row in rows.values():
        assert "error" not in row, row
        assert row["load"]["requests"] > 0 and row["load"]["errors"] == 0, row
        assert isinstance(row["statements"], int) and row["statements"] > 0, row
        if row["key"] in ("feed_page1", "feed_random", "followed_feed"):
            assert row["minimal"]["requests"] > 0 and row["minimal"]["errors"] == 0, row
    assert results["worker_rss_mb"] and all(mb > 0 for mb in results["worker_rss_mb"])
    assert results["served_from"] == "runtime dependencies only"  # as the Containerfile installs it
    assert any(line.startswith(("PASS", "FAIL")) for line in results["targets"])
    assert results_file.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    assert "SQL" in done.stdout and "results:" in done.stdout
