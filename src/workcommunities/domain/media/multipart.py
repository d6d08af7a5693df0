"""Reading the `file` part of a multipart/form-data upload as the network delivers it.

The part is never held whole in memory and never spooled by the framework: it is counted, hashed and refused past
the size limit while it streams into the media storage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from litestar.exceptions import ValidationException
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from multipart import (  # type: ignore[import-untyped]  # Litestar's own multipart parser
    MultipartError,
    MultipartSegment,
    PushMultipartParser,
)

from workcommunities.domain.media.filetypes import SNIFF_BYTES
from workcommunities.lib.errors import DomainError

FILE_FIELD = "file"
# Room for the multipart framing and small extra fields around a file of the maximum size.
MULTIPART_OVERHEAD = 64 * 1024


class FileTooLarge(DomainError):
    status_code = HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "File too large"


def _invalid_body(message: str, key: str = "") -> ValidationException:
    """A 422 in the contract's list shape (the shared handler builds `loc` from source and key)."""
    return ValidationException(detail=message, extra=[{"message": message, "key": key, "source": "body"}])


_BOUNDARY = re.compile(r';\s*boundary=(?:"([^"]+)"|([^\s;]+))', re.IGNORECASE)


@dataclass
class UploadStream:
    """The `file` part of a multipart/form-data body, read as the network delivers it.

    `start()` finds the part and returns its first bytes; `chunks()` then yields the whole part (those bytes first),
    counting the size, hashing, and refusing more than `max_bytes`. The rest of the body is read and discarded after
    the part, within the same overall bound.
    """

    body: AsyncIterator[bytes]
    content_type: str
    content_length: str
    max_bytes: int
    size: int = 0
    error: BaseException | None = None
    _digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    _head: bytes = b""
    _part_done: bool = False
    _received: int = 0
    _events: AsyncIterator[MultipartSegment | bytes | None] | None = None

    @property
    def checksum(self) -> str:
        return self._digest.hexdigest()

    @property
    def body_limit(self) -> int:
        return self.max_bytes + MULTIPART_OVERHEAD

    def _parser(self) -> PushMultipartParser:
        mime, _, _ = self.content_type.partition(";")
        match = _BOUNDARY.search(self.content_type)
        if mime.strip().lower() != "multipart/form-data" or match is None:
            raise _invalid_body("Field required", FILE_FIELD)
        try:
            return PushMultipartParser(match.group(1) or match.group(2), max_segment_count=100)
        except MultipartError as exc:
            raise _invalid_body("Invalid multipart/form-data") from exc

    async def _parse(self, parser: PushMultipartParser) -> AsyncIterator[MultipartSegment | bytes | None]:
        try:
            async for chunk in self.body:
                self._received += len(chunk)
                if self._received > self.body_limit:
                    raise FileTooLarge()
                if not parser.closed:
                    for event in parser.parse(chunk):
                        yield event
            if not parser.closed:
                parser.close()  # raises for a truncated body
        except MultipartError as exc:
            raise _invalid_body("Invalid multipart/form-data") from exc

    async def start(self) -> bytes:
        """Up to SNIFF_BYTES first bytes of the file; 413 early for an announced oversized body, 422 without a file."""
        if self.content_length.strip().isdigit() and int(self.content_length) > self.body_limit:
            raise FileTooLarge()
        self._events = self._parse(self._parser())
        async for event in self._events:
            if isinstance(event, MultipartSegment) and event.name == FILE_FIELD:
                break
        else:
            raise _invalid_body("Field required", FILE_FIELD)
        head = bytearray()
        while len(head) < SNIFF_BYTES and not self._part_done:
            head += await self._next_data()
        self._head = bytes(head)
        return self._head

    async def _next_data(self) -> bytes:
        """The next data chunk of the file part, or b"" at its end."""
        assert self._events is not None
        async for event in self._events:
            if event is None:
                self._part_done = True
                return b""
            if isinstance(event, bytes | bytearray | memoryview):
                return self._count(bytes(event))
        raise _invalid_body("Invalid multipart/form-data")

    def _count(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise FileTooLarge()
        self._digest.update(chunk)
        return chunk

    async def chunks(self) -> AsyncIterator[bytes]:
        """The whole file part. An error raised here is also kept in `error` (a storage may wrap what it sees)."""
        try:
            if self._head:
                yield self._head
            while not self._part_done:
                if chunk := await self._next_data():
                    yield chunk
            assert self._events is not None
            async for _event in self._events:  # the rest of the body: other fields and the closing boundary
                pass
        except BaseException as exc:
            self.error = exc
            raise
