"""Partial downloads: single byte ranges (RFC 9110; revalidation is `lib.http_headers.etag_matches`)."""

from __future__ import annotations

import re

from litestar.status_codes import HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE

from workcommunities.lib.errors import DomainError


class RangeNotSatisfiable(DomainError):
    status_code = HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE
    default_detail = "Range not satisfiable"

    def __init__(self, size: int) -> None:
        super().__init__(headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d{0,18})\s*-\s*(\d{0,18})\s*$", re.IGNORECASE)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """`Range` as `(start, end_exclusive)`, or None to send everything (no header, several ranges, or an invalid
    one, which RFC 9110 says to ignore). A valid range that starts past the end → 416."""
    match = _RANGE.match(header or "")
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # suffix: the last n bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return max(0, size - length), size
    start = int(first)
    if last != "" and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(size)
    return start, size if last == "" else min(int(last) + 1, size)
