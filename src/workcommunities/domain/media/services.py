"""Uploading and serving media files.

Upload: the `file` part streams straight into the media storage (media/multipart.py); its type comes from its first
bytes (media/filetypes.py), never from the client; the row is inserted only after the object is stored, and the
object is removed again if the insert fails.

Download: the row decides (id, mime, size, checksum); the bytes are streamed from the storage, with ETag revalidation
and single byte ranges (media/ranges.py).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import anyio
from litestar.status_codes import HTTP_200_OK, HTTP_206_PARTIAL_CONTENT, HTTP_304_NOT_MODIFIED

from workcommunities.db.engine import after_commit
from workcommunities.db.models import Media
from workcommunities.domain.media.filetypes import SNIFF_BYTES, FileType, detect_type, media_kind
from workcommunities.domain.media.multipart import FileTooLarge, UploadStream
from workcommunities.domain.media.ranges import byte_range
from workcommunities.domain.media.repositories import MediaRepository
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.media.storage import MediaStorage, ObjectMissing, single_chunk
from workcommunities.lib.errors import Conflict, NotFound
from workcommunities.lib.http_headers import etag_matches
from workcommunities.lib.repository import Service, Session

CACHE_FOREVER = "public, max-age=31536000, immutable"


@dataclass
class Download:
    """What GET /media/{id} answers: status, headers, and the body stream (None for 304)."""

    status_code: int
    mime: str
    headers: dict[str, str]
    body: AsyncIterator[bytes] | None


class MediaService(Service[Media, MediaRepository]):
    repository_type = MediaRepository

    def __init__(self, session: Session, storage: MediaStorage, max_upload_bytes: int) -> None:
        super().__init__(session)
        self.storage = storage
        self.max_upload_bytes = max_upload_bytes

    async def upload(
        self, uploader: UUID, body: AsyncIterator[bytes], content_type: str, content_length: str
    ) -> MediaOut:
        # The one transaction step of this service: the guard's user lookup has opened a read transaction and nothing
        # is written yet; end it, so a slow upload does not hold a pooled connection (idle in transaction) while the
        # bytes arrive. The insert below opens a new transaction, which the plugin commits as usual.
        await self.repository.session.rollback()
        upload = UploadStream(body, content_type, content_length, self.max_upload_bytes)
        file_type = detect_type(await upload.start())
        media_id = uuid4()  # random: media are public by id
        key = f"{media_id.hex}.{file_type.ext}"
        try:
            await self.storage.put(key, upload.chunks(), content_type=file_type.mime)
        except BaseException as exc:
            await self._discard(key)
            if upload.error is not None and upload.error is not exc:
                raise upload.error from None
            raise
        return await self._record(media_id, file_type, key, upload.size, upload.checksum, uploader)

    async def add(self, content: bytes, media_id: UUID | None = None) -> MediaOut:
        """A file made on the server (the demo data): the same type check, limit and storage as an upload."""
        file_type = detect_type(content[:SNIFF_BYTES])
        if len(content) > self.max_upload_bytes:
            raise FileTooLarge()
        if media_id is not None and await self.repository.exists(id=media_id):
            raise Conflict("Media already exists")  # before the storage: its file must not be replaced or removed
        media_id = media_id or uuid4()
        key = f"{media_id.hex}.{file_type.ext}"
        await self.storage.put(key, single_chunk(content), content_type=file_type.mime)
        return await self._record(media_id, file_type, key, len(content), hashlib.sha256(content).hexdigest())

    async def _record(
        self, media_id: UUID, file_type: FileType, key: str, size: int, checksum: str, uploader: UUID | None = None
    ) -> MediaOut:
        """The row of a stored object; the object is removed again if the row cannot be written."""
        media = Media(
            id=media_id,
            kind=file_type.kind,
            mime=file_type.mime,
            ext=file_type.ext,
            size=size,
            storage_key=key,
            checksum=checksum,
            uploaded_by=uploader,
        )
        try:
            await self.create(media)
        except BaseException:
            await self._discard(key)
            raise
        return MediaOut.of(media)

    async def erase_uploads(self, user_id: UUID, avatar_id: UUID | None) -> None:
        """An erased user's uploads: those that nothing shows any more go, their rows now and their files once that
        is committed (never the other way round: a row without its file would answer 500s); the others stay,
        no longer theirs."""
        for key in await self.repository.remove_unused_uploads(user_id, avatar_id):
            after_commit(self.repository.session, functools.partial(self._discard, key))
        await self.repository.disown_uploads(user_id)

    async def _discard(self, key: str) -> None:
        with anyio.CancelScope(shield=True):
            await self.storage.delete(key)

    async def download(
        self, media_id: UUID, *, range_header: str | None, if_none_match: str | None, if_range: str | None
    ) -> Download:
        media = await self.get(media_id)
        etag = f'"{media.checksum}"'
        headers = {
            "ETag": etag,
            "Cache-Control": CACHE_FOREVER,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Accept-Ranges": "bytes",
        }
        if media_kind(media.mime) == "other":
            name = f"{media.id.hex}.{media.ext}" if media.ext else media.id.hex
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        else:
            headers["Content-Disposition"] = "inline"
        if etag_matches(if_none_match, etag):
            return Download(HTTP_304_NOT_MODIFIED, media.mime, headers, None)
        wanted = byte_range(range_header, media.size) if if_range in (None, etag) else None
        start, end = wanted or (0, media.size)
        try:
            body = await self.storage.open(media.storage_key, start, end)
        except ObjectMissing:
            raise NotFound() from None
        headers["Content-Length"] = str(end - start)
        if wanted is None:
            return Download(HTTP_200_OK, media.mime, headers, body)
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{media.size}"
        return Download(HTTP_206_PARTIAL_CONTENT, media.mime, headers, body)
