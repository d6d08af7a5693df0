"""Uploading and serving media files.

Upload: the multipart body is parsed as it arrives and the `file` part is streamed straight into the media storage
(never held whole in memory, never spooled by the framework). The type comes from the file's first bytes, never from
the client; the size limit is enforced on the bytes actually received. The row is inserted only after the object is
stored, and the object is removed again if the insert fails.

Download: the row decides (id, mime, size, checksum); the bytes are streamed from the storage, with ETag revalidation
and single byte ranges.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from uuid import UUID, uuid4

import anyio
from litestar.exceptions import ValidationException
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_206_PARTIAL_CONTENT,
    HTTP_304_NOT_MODIFIED,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE,
)
from multipart import (  # type: ignore[import-untyped]  # Litestar's own multipart parser
    MultipartError,
    MultipartSegment,
    PushMultipartParser,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db.models import Media
from workcommunities.domain.media.reads import media_out
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.media.storage import MediaStorage, ObjectMissing
from workcommunities.lib.errors import DomainError, NotFound
from workcommunities.lib.schema import parse_id

FILE_FIELD = "file"
# Room for the multipart framing and small extra fields around a file of the maximum size.
MULTIPART_OVERHEAD = 64 * 1024
SNIFF_BYTES = 32
CACHE_FOREVER = "public, max-age=31536000, immutable"


class FileTooLarge(DomainError):
    status_code = HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "File too large"


class UnsupportedMediaType(DomainError):
    status_code = HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_detail = "Unsupported media type"


class RangeNotSatisfiable(DomainError):
    status_code = HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE
    default_detail = "Range not satisfiable"

    def __init__(self, size: int) -> None:
        super().__init__(headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})


def _invalid_body(message: str, key: str = "") -> ValidationException:
    """A 422 in the contract's list shape (the shared handler builds `loc` from source and key)."""
    return ValidationException(detail=message, extra=[{"message": message, "key": key, "source": "body"}])


# --- type detection -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    mime: str
    ext: str

    @property
    def kind(self) -> str:
        return media_kind(self.mime)


def media_kind(mime: str) -> str:
    prefix = mime.partition("/")[0]
    return prefix if prefix in ("image", "video") else "other"


JPEG = FileType("image/jpeg", "jpg")
PNG = FileType("image/png", "png")
GIF = FileType("image/gif", "gif")
WEBP = FileType("image/webp", "webp")
MP4 = FileType("video/mp4", "mp4")
QUICKTIME = FileType("video/quicktime", "mov")

# ISO base media brands that mean an MP4 video (HEIC/AVIF images and M4A audio share the container: not allowed).
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41", b"mp42", b"mp71"}
    | {b"avc1", b"dash", b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"f4v "}
)


def detect_type(head: bytes) -> FileType | None:
    """The allowed type these first bytes belong to, or None (the client's declared type is never consulted)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and int.from_bytes(head[:4], "big") >= 16:
        brand = head[8:12]
        if brand == b"qt  ":
            return QUICKTIME
        if brand in _MP4_BRANDS:
            return MP4
    return None


# --- streaming multipart --------------------------------------------------------------------------------------------

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


# --- byte ranges and revalidation -------------------------------------------------------------------------------

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


def etag_matches(header: str | None, etag: str) -> bool:
    """`If-None-Match` (weak comparison, lists and `*` allowed)."""
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


@dataclass
class Download:
    """What GET /media/{id} answers: status, headers, and the body stream (None for 304)."""

    status_code: int
    mime: str
    headers: dict[str, str]
    body: AsyncIterator[bytes] | None


# --- the service ----------------------------------------------------------------------------------------------------


class MediaService:
    def __init__(self, session: AsyncSession, storage: MediaStorage, max_upload_bytes: int) -> None:
        self.session = session
        self.storage = storage
        self.max_upload_bytes = max_upload_bytes

    async def upload(self, body: AsyncIterator[bytes], content_type: str, content_length: str) -> MediaOut:
        # The guard's user lookup is the only work so far: end that read transaction, so a slow upload does not
        # keep a pooled connection (idle in transaction) for its whole duration.
        await self.session.rollback()
        upload = UploadStream(body, content_type, content_length, self.max_upload_bytes)
        file_type = detect_type(await upload.start())
        if file_type is None:
            raise UnsupportedMediaType()
        media_id = uuid4()  # random: media are public by id
        key = f"{media_id.hex}.{file_type.ext}"
        try:
            await self.storage.put(key, upload.chunks(), content_type=file_type.mime)
        except BaseException as exc:
            await self._discard(key)
            if upload.error is not None and upload.error is not exc:
                raise upload.error from None
            raise
        media = Media(
            id=media_id,
            kind=file_type.kind,
            mime=file_type.mime,
            ext=file_type.ext,
            size=upload.size,
            storage_key=key,
            checksum=upload.checksum,
        )
        try:
            self.session.add(media)
            await self.session.flush()
        except BaseException:
            await self._discard(key)
            raise
        return media_out(media)

    async def _discard(self, key: str) -> None:
        with anyio.CancelScope(shield=True):
            await self.storage.delete(key)

    async def download(
        self, raw_id: str, *, range_header: str | None, if_none_match: str | None, if_range: str | None
    ) -> Download:
        row = await self._row(parse_id(raw_id))
        etag = f'"{row.checksum}"'
        headers = {
            "ETag": etag,
            "Cache-Control": CACHE_FOREVER,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Accept-Ranges": "bytes",
        }
        if media_kind(row.mime) == "other":
            name = f"{row.id.hex}.{row.ext}" if row.ext else row.id.hex
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        else:
            headers["Content-Disposition"] = "inline"
        if etag_matches(if_none_match, etag):
            return Download(HTTP_304_NOT_MODIFIED, row.mime, headers, None)
        wanted = byte_range(range_header, row.size) if if_range in (None, etag) else None
        start, end = wanted or (0, row.size)
        try:
            body = await self.storage.open(row.storage_key, start, end)
        except ObjectMissing:
            raise NotFound() from None
        headers["Content-Length"] = str(end - start)
        if wanted is None:
            return Download(HTTP_200_OK, row.mime, headers, body)
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{row.size}"
        return Download(HTTP_206_PARTIAL_CONTENT, row.mime, headers, body)

    async def _row(self, media_id: UUID | None) -> Media:
        if media_id is None:
            raise NotFound()
        media = await self.session.scalar(select(Media).where(Media.id == media_id))
        if media is None:
            raise NotFound()
        return media
