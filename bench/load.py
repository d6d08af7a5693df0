"""The load generators: wrk driven by a generated Lua script, or a pure-Python stand-in when wrk cannot be had.

Both run in a process of their own (so the bench process never competes as a client) and read the same scenario
spec (a JSON-able dict):

- `{"kind": "requests", "requests": [...]}`: each request is a random pick from the pool (random pages, random ids,
  random tokens, writes that may repeat);
- `{"kind": "chain", "requests": [...]}`: a connection starts at a random request of the pool and follows the
  `X-Next-Cursor` header with `?cursor=` on the same path until a page comes without one, then starts again;
- `{"kind": "login", "phones": [...], "codes_dir": ...}`: a connection asks for a login code (`request_path`), reads
  the code the SMS sink wrote to `codes_dir/<phone>` once the 204 is in (the code is committed by then) and verifies
  it (`verify_path`); then the next of its phones. A connection with no phone of its own (tiny datasets) logs in
  numbers of `fresh_format`, which become new students.

A request is `{"method", "path", "headers", "body"}`. Every connection is its own wrk thread (`-t` = `-c`), so a
Lua state sees one connection and a chain or a login cannot mix up whose response it reads.

`python -m bench.load SPEC.json URL DURATION CONNECTIONS` is the stand-in: asyncio, one keep-alive HTTP/1.1
connection per simulated client, written against sockets directly (an HTTP library would spend several times the
CPU, which the server under test needs on a small machine).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

RESULT_PREFIX = "BENCH-RESULT "
CURSOR_HEADER = "x-next-cursor"
INSTALL_HINT = "install wrk (Debian/Ubuntu: sudo apt-get install -y wrk; macOS: brew install wrk) or pass --load python"


@dataclass
class LoadResult:
    requests: int  # completed within the duration
    duration_s: float
    p50_ms: float
    p99_ms: float
    non2xx: int  # responses outside 200-299
    socket_errors: int  # connect, read, write errors and timeouts
    statuses: dict[str, int] = field(default_factory=dict)  # the non-2xx ones

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rps": round(self.rps, 1), "errors": self.errors}


# --- wrk ----------------------------------------------------------------------------------------------------------


def ensure_wrk(install: bool = True) -> str | None:
    """The wrk binary, installed with apt-get when missing and allowed (root, or password-less sudo)."""
    if found := shutil.which("wrk"):
        return found
    if not install or not shutil.which("apt-get") or (os.geteuid() != 0 and not shutil.which("sudo")):
        return None
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def apt(*args: str) -> bool:
        return subprocess.run([*sudo, "apt-get", *args], env=env, capture_output=True, check=False).returncode == 0

    print("wrk is missing: apt-get install -y wrk", flush=True)
    # Stale or missing package lists: update once and try again.
    if not apt("install", "-y", "-q", "wrk") and apt("update", "-q"):
        apt("install", "-y", "-q", "wrk")
    return shutil.which("wrk")


def lua(value: Any) -> str:
    """A Lua literal of a JSON-able value; strings as bytes with decimal escapes where needed."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        out = []
        for byte in value.encode():
            char = chr(byte)
            out.append(char if 32 <= byte < 127 and char not in '"\\' else f"\\{byte:03d}")
        return '"' + "".join(out) + '"'
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua(item) for item in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(str(k))}] = {lua(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Lua literal for {type(value).__name__}")


# Globals, not locals: `thread:set` (setup) and `thread:get` (done) reach a thread's globals only.
LUA_BODY = r"""
bad = 0
statuses = {}
local threads = {}
local pool = {}
local next_path, base, phase, phone, mine, fresh, turn = nil, nil, "request", nil, {}, 0, 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(7919 * (tid + 1))
  for i, r in ipairs(spec.requests or {}) do
    pool[i] = r
    r.formatted = wrk.format(r.method, r.path, r.headers, r.body)
  end
  for i, p in ipairs(spec.phones or {}) do
    if (i - 1) % spec.connections == tid then table.insert(mine, p) end
  end
end

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function header(headers, name)
  for k, v in pairs(headers) do
    if string.lower(k) == name then return v end
  end
  return nil
end

local json_headers = {["Content-Type"] = "application/json"}

local function login_request()
  if phase == "verify" then
    local path = spec.codes_dir .. "/" .. phone
    local f = io.open(path, "r")
    if f then
      local code = f:read("*a")
      f:close()
      return wrk.format("POST", spec.verify_path, json_headers, '{"phone":"' .. phone .. '","code":"' .. code .. '"}')
    end
  end
  if #mine > 0 then
    turn = turn % #mine + 1
    phone = mine[turn]
  else
    fresh = fresh + 1
    phone = string.format(spec.fresh_format, tid, fresh)
  end
  os.remove(spec.codes_dir .. "/" .. phone)
  phase = "request"
  return wrk.format("POST", spec.request_path, json_headers, '{"phone":"' .. phone .. '"}')
end

function request()
  if spec.kind == "login" then return login_request() end
  if spec.kind == "chain" and next_path then
    return wrk.format("GET", next_path, base.headers)
  end
  local r = pool[math.random(#pool)]
  base = r
  return r.formatted
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  end
  if spec.kind == "chain" then
    local cursor = status == 200 and header(headers, spec.cursor_header)
    if cursor and cursor ~= "" then
      next_path = string.gsub(base.path, "%?.*$", "") .. "?cursor=" .. encode(cursor)
    else
      next_path = nil
    end
  elseif spec.kind == "login" then
    if phase == "request" and status == 204 then phase = "verify" else phase = "request" end
  end
end

function done(summary, latency, requests)
  local non2xx, codes = 0, {}
  for _, thread in ipairs(threads) do
    non2xx = non2xx + thread:get("bad")
    for code, n in pairs(thread:get("statuses")) do codes[code] = (codes[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, string.format('"%s": %d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %d, "duration_s": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, "non2xx": %d, '
      .. '"socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    non2xx, e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
"""


def lua_script(spec: dict[str, Any], connections: int) -> str:
    return f"spec = {lua({**spec, 'connections': connections, 'cursor_header': CURSOR_HEADER})}\n{LUA_BODY}"


def parse_result(output: str) -> LoadResult:
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            return LoadResult(**json.loads(line.removeprefix(RESULT_PREFIX)))
    raise RuntimeError(f"the load generator printed no result:\n{output[-2000:]}")


def run_wrk(wrk: str, url: str, spec: dict[str, Any], duration: float, connections: int) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="wc-bench-") as script:
        script.write(lua_script(spec, connections))
        script.flush()
        command = [wrk, f"-t{connections}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s"]
        command += ["--latency", "-s", script.name, url]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr.strip() or result.stdout[-2000:]}")
    return parse_result(result.stdout)


def run_python(url: str, spec: dict[str, Any], duration: float, connections: int) -> LoadResult:
    """The stand-in, in a process of its own like wrk."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="wc-bench-") as file:
        json.dump(spec, file)
        file.flush()
        command = [sys.executable, "-m", "bench.load", file.name, url, str(duration), str(connections)]
        root = Path(__file__).resolve().parents[1]
        result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=root)
    if result.returncode != 0:
        raise RuntimeError(f"the Python load generator failed: {result.stderr.strip()[-2000:]}")
    return parse_result(result.stdout)


# --- the pure-Python stand-in -------------------------------------------------------------------------------------

_STATUS = re.compile(rb"HTTP/1\.[01] (\d{3})")


class Connection:
    """One keep-alive HTTP/1.1 connection; answers are read by Content-Length or chunked encoding."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(self, r: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        body = (r.get("body") or "").encode()
        lines = [f"{r['method']} {r['path']} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (r.get("headers") or {}).items()]
        if body or r["method"] in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        match = _STATUS.match(status_line.encode())
        if match is None:
            raise ConnectionError(f"not an HTTP answer: {status_line!r}")
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")  # the empty trailer
            content = b"".join(chunks)
        else:
            content = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return int(match.group(1)), headers, content


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0


async def _client(number: int, url: str, spec: dict[str, Any], deadline: float, tally: Tally) -> None:
    parts = urlsplit(url)
    connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
    rng = random.Random(7919 * (number + 1))  # noqa: S311 - load pattern, not security
    pool = spec.get("requests") or []
    phones = [p for i, p in enumerate(spec.get("phones") or []) if i % spec["connections"] == number]
    turn = fresh = 0
    json_headers = {"Content-Type": "application/json"}
    follow: dict[str, Any] | None = None  # chain: the next request

    async def timed(request: dict[str, Any]) -> tuple[int, dict[str, str]] | None:
        """Send `request`, counting its latency and a non-2xx status (within the run); None on a socket error."""
        start = time.perf_counter()
        try:
            status, headers, _ = await connection.request(request)
        except (OSError, asyncio.IncompleteReadError, ConnectionError, ValueError):
            tally.socket_errors += 1
            await connection.close()
            return None
        if time.monotonic() <= deadline:
            tally.latencies.append(time.perf_counter() - start)
            if not 200 <= status <= 299:
                tally.statuses[str(status)] = tally.statuses.get(str(status), 0) + 1
        return status, headers

    while time.monotonic() < deadline:
        if spec["kind"] == "login":
            if phones:
                phone, turn = phones[turn % len(phones)], turn + 1
            else:
                fresh += 1
                phone = spec["fresh_format"] % (number, fresh)
            code_file = Path(spec["codes_dir"]) / phone
            code_file.unlink(missing_ok=True)
            body = json.dumps({"phone": phone})
            r = {"method": "POST", "path": spec["request_path"], "headers": json_headers, "body": body}
        elif follow is not None:
            r = follow
        else:
            r = rng.choice(pool)
        answer = await timed(r)
        if answer is None:
            follow = None
            continue
        status, headers = answer
        if time.monotonic() > deadline:
            break
        if spec["kind"] == "chain":
            cursor = headers.get(CURSOR_HEADER) if status == 200 else None
            path = r["path"].split("?", 1)[0]
            follow = {**r, "path": f"{path}?cursor={cursor}"} if cursor else None
        elif spec["kind"] == "login" and status == 204:
            try:
                code = code_file.read_text()
            except FileNotFoundError:  # counted as it is in wrk: the next request asks again
                continue
            verify = {"method": "POST", "path": spec["verify_path"], "headers": json_headers}
            verify["body"] = json.dumps({"phone": phone, "code": code})
            await timed(verify)
    await connection.close()


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


async def generate(url: str, spec: dict[str, Any], duration: float, connections: int) -> LoadResult:
    spec = {**spec, "connections": connections}
    tally = Tally()
    began = time.monotonic()
    deadline = began + duration
    await asyncio.gather(*(_client(n, url, spec, deadline, tally) for n in range(connections)))
    latencies = sorted(tally.latencies)
    return LoadResult(
        requests=len(latencies),
        duration_s=min(duration, time.monotonic() - began),
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        non2xx=sum(tally.statuses.values()),
        socket_errors=tally.socket_errors,
        statuses=tally.statuses,
    )


def main(argv: list[str]) -> int:
    spec_path, url, duration, connections = argv
    spec = json.loads(Path(spec_path).read_text())
    result = asyncio.run(generate(url, spec, float(duration), int(connections)))
    print(RESULT_PREFIX + json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
