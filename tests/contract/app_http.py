"""Requests written byte for byte, as the mobile app's Ktor client sends them.

httpx (h11) refuses to send a header value that ends in a space, and that is exactly what the app sends after a
logout: `Authorization: Bearer ` (§1.2). So the app's calls are written on a socket to the test server (the one the
`client` fixture talks to), one connection per call, and the answer is read back as it comes.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


def _dechunk(rest: bytes) -> bytes:
    content = b""
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return content
        content, rest = content + rest[:size], rest[size + 2 :]


async def raw_request(
    client: httpx.AsyncClient, method: str, path: str, header_lines: list[str], body: bytes = b""
) -> Answer:
    host, port = client.base_url.host, client.base_url.port
    assert port is not None
    reader, writer = await asyncio.open_connection(host, port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", *header_lines, "Connection: close"]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *raw_headers = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in (h.split(":", 1) for h in raw_headers)}
    if headers.get("transfer-encoding") == "chunked":
        content = _dechunk(rest)
    else:
        content = rest[: int(headers.get("content-length", len(rest)))]
    return Answer(int(status_line.split()[1]), headers, content)


async def app_call(
    client: httpx.AsyncClient, method: str, path: str, *, session: str | None, body: Any = None
) -> Answer:
    """One call as the app makes it: a JSON content type always (GETs without a body included), and
    `Authorization: Bearer $session` unless `session` is None (the calls that send no token)."""
    lines = ["Accept: application/json", "Content-Type: application/json"]
    if session is not None:
        lines.append(f"Authorization: Bearer {session}")
    content = json.dumps(body).encode() if body is not None else b""
    return await raw_request(client, method, path, lines, content)
