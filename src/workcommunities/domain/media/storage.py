"""Where uploaded bytes live: a local folder or an S3-compatible bucket, behind one small interface.

Keys are chosen by the service (`<media id hex>.<ext>`), never by a client. Every method streams: nothing holds a
whole file in memory. `build_storage(settings)` picks the backend; the app keeps one instance (see controllers).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import anyio
import obstore
from obstore.store import S3Store

from workcommunities.settings import Settings

if TYPE_CHECKING:
    from obstore import GetOptions, GetResult

CHUNK_SIZE = 64 * 1024
PART_SIZE = 5 * 1024 * 1024  # the smallest part S3 accepts
PUT_CONCURRENCY = 2
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


class ObjectMissing(Exception):
    """The key has no stored object."""


@runtime_checkable
class MediaStorage(Protocol):
    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> None:
        """Store the chunks under `key`, all or nothing: a failure (also one raised by `chunks`) leaves no object."""
        ...

    async def open(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes `[start, end)` (to the end when `end` is None) as chunks; ObjectMissing before any byte."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is fine."""
        ...

    async def size(self, key: str) -> int | None:
        """The stored size in bytes, or None when there is no object."""
        ...


async def single_chunk(content: bytes) -> AsyncIterator[bytes]:
    """Bytes already in memory as chunks (what `MediaStorage.put` takes and `open` gives)."""
    yield content


def _checked(key: str) -> str:
    """Keys are single file names: no folders, no hidden or temporary names."""
    if not _KEY.match(key):
        raise ObjectMissing(key)
    return key


async def _unlink(path: Path) -> None:
    with anyio.CancelScope(shield=True):
        await anyio.Path(path).unlink(missing_ok=True)


def _read_range(path: Path, start: int, end: int) -> bytes:
    with path.open("rb") as file:
        file.seek(start)
        return file.read(end - start)


class LocalStorage:
    """Files in one folder. Writes go to a hidden temporary name and are renamed into place once complete."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> None:
        final = self._path(key)
        await anyio.Path(self.root).mkdir(parents=True, exist_ok=True)
        temp = self.root / f".{key}.{secrets.token_hex(8)}.part"
        try:
            async with await anyio.open_file(temp, "xb") as file:
                async for chunk in chunks:
                    await file.write(chunk)
                await file.flush()
                await anyio.to_thread.run_sync(os.fsync, file.wrapped.fileno())
            await anyio.to_thread.run_sync(os.replace, temp, final)
        except BaseException:
            await _unlink(temp)
            raise

    async def open(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        try:
            if end is not None and end - start <= CHUNK_SIZE:
                # A small file (or range), the usual case: one read in a worker thread rather than an open, a read
                # and a close in three.
                return single_chunk(await anyio.to_thread.run_sync(_read_range, self._path(key), start, end))
            file = await anyio.open_file(self._path(key), "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectMissing(key) from exc
        return self._read(file, start, end)

    @staticmethod
    async def _read(file: anyio.AsyncFile[bytes], start: int, end: int | None) -> AsyncIterator[bytes]:
        async with file:
            if start:
                await file.seek(start)
            left = None if end is None else end - start
            while left is None or left > 0:
                chunk = await file.read(CHUNK_SIZE if left is None else min(CHUNK_SIZE, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    async def delete(self, key: str) -> None:
        try:
            await _unlink(self._path(key))
        except ObjectMissing:
            return

    async def size(self, key: str) -> int | None:
        try:
            stat = await anyio.Path(self._path(key)).stat()
        except (ObjectMissing, FileNotFoundError, NotADirectoryError):
            return None
        return stat.st_size


class S3Storage:
    """Objects in one bucket of any S3-compatible service (through obstore; uploads are streamed as multipart)."""

    def __init__(self, store: S3Store) -> None:
        self.store = store

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        options = {}
        if settings.s3_endpoint_url:
            options["endpoint"] = settings.s3_endpoint_url
        if settings.s3_access_key_id:
            options["access_key_id"] = settings.s3_access_key_id
            options["secret_access_key"] = settings.s3_secret_access_key
        store = S3Store(
            settings.s3_bucket,
            region=settings.s3_region,
            client_options={"allow_http": settings.s3_endpoint_url.startswith("http://")},
            **options,  # type: ignore[arg-type]
        )
        return cls(store)

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> None:
        # Always a multipart upload (the input is a stream); obstore aborts it when `chunks` or a part fails.
        # S3 parts are at least 5 MiB, so about (1 + PUT_CONCURRENCY) parts are buffered, whatever the file size.
        await obstore.put_async(
            self.store,
            _checked(key),
            chunks,
            attributes={"Content-Type": content_type},
            chunk_size=PART_SIZE,
            max_concurrency=PUT_CONCURRENCY,
        )

    async def open(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        options: GetOptions = {}
        if end is not None:
            options["range"] = (start, end)
        elif start:
            options["range"] = {"offset": start}
        try:
            result = await obstore.get_async(self.store, _checked(key), options=options)
        except FileNotFoundError as exc:  # obstore's not-found error
            raise ObjectMissing(key) from exc
        return self._read(result)

    @staticmethod
    async def _read(result: GetResult) -> AsyncIterator[bytes]:
        async for chunk in result.stream(min_chunk_size=CHUNK_SIZE):
            yield bytes(chunk)

    async def delete(self, key: str) -> None:
        with anyio.CancelScope(shield=True):
            try:
                await obstore.delete_async(self.store, _checked(key))
            except (FileNotFoundError, ObjectMissing):
                return

    async def size(self, key: str) -> int | None:
        try:
            meta = await obstore.head_async(self.store, _checked(key))
        except (FileNotFoundError, ObjectMissing):
            return None
        return meta["size"]


def build_storage(settings: Settings) -> MediaStorage:
    if settings.media_storage == "s3":
        return S3Storage.from_settings(settings)
    return LocalStorage(settings.resolved_media_root)
