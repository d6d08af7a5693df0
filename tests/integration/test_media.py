"""`/media`: authenticated, bounded, type-checked uploads (D-06, D-31) and anonymous downloads by exact id (D-07),
on the local folder and on a real S3-compatible server (moto) on loopback."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import S3_BUCKET, make_settings, s3_settings
from tests.helpers import PNG, Api, bearer, payload, serve, upload
from workcommunities.app import create_app
from workcommunities.db.models import Media, metadata

# Tiny but genuine file headers for every allowed type.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08free"
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00\x00\x00\x08wide"

ALLOWED = {
    "jpg": (JPEG, "image", "image/jpeg"),
    "png": (PNG, "image", "image/png"),
    "gif": (GIF, "image", "image/gif"),
    "webp": (WEBP, "image", "image/webp"),
    "mp4": (MP4, "video", "video/mp4"),
    "mov": (MOV, "video", "video/quicktime"),
}

REFUSED = {
    "html": b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "text": b"just some text, long enough to look like a header",
    "empty": b"",
    "heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",  # same container as MP4, but an image type
    "png-prefix": PNG[:6],
}


async def media_rows(app: Litestar) -> list[Media]:
    async with app.state.db_config.get_session() as session:
        return list(await session.scalars(select(Media)))


def stored_files(root: Path) -> list[str]:
    """Everything in the media folder, hidden temporary files included."""
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


# --- upload ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ext", list(ALLOWED))
async def test_upload_each_allowed_type(client: httpx.AsyncClient, api: Api, app: Litestar, ext: str) -> None:
    content, kind, mime = ALLOWED[ext]
    token = await api.student()
    # The client's name and type are ignored: the server detects the type from the bytes.
    response = await upload(client, token, content, filename="whatever.BIN", content_type="text/html")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"id", "kind", "mime", "ext", "size", "url"}
    assert len(body["id"]) == 32 and int(body["id"], 16) >= 0
    url = f"/media/{body['id']}"
    assert body == {"id": body["id"], "kind": kind, "mime": mime, "ext": ext, "size": len(content), "url": url}
    [row] = await media_rows(app)
    assert row.id.hex == body["id"]
    assert (row.kind, row.mime, row.ext, row.size) == (kind, mime, ext, len(content))
    assert row.checksum == hashlib.sha256(content).hexdigest()
    assert row.storage_key == f"{body['id']}.{ext}"
    root = app.state.settings.resolved_media_root
    assert (root / row.storage_key).read_bytes() == content
    assert await app.state.media_storage.size(row.storage_key) == len(content)
    download = await client.get(body["url"])
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == mime


async def test_upload_needs_a_token_but_any_role(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    files = {"file": ("a.png", PNG, "image/png")}
    for headers in ({}, {"Authorization": "Bearer null"}, {"Authorization": "Basic abc"}):
        response = await client.post("/media/upload", files=files, headers=headers)
        assert response.status_code == 401
        assert response.json()["detail"] in {"Not authenticated", "Invalid token"}
    assert await media_rows(app) == []
    for token in (await api.company(), await api.admin()):
        response = await upload(client, token, PNG)
        assert response.status_code == 200, response.text
    assert len(await media_rows(app)) == 2


@pytest.mark.parametrize("sample", list(REFUSED))
async def test_unsupported_types_are_refused_whatever_the_client_claims(
    client: httpx.AsyncClient, api: Api, app: Litestar, sample: str
) -> None:
    token = await api.student()
    before = stored_files(app.state.settings.resolved_media_root)
    response = await upload(client, token, REFUSED[sample], filename="cat.png", content_type="image/png")
    assert response.status_code == 415
    assert response.json() == {"detail": "Unsupported media type"}
    assert await media_rows(app) == []
    assert stored_files(app.state.settings.resolved_media_root) == before


async def test_upload_without_a_file_is_422(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    headers = bearer(await api.student())
    no_file_part = b'--x\r\nContent-Disposition: form-data; name="other"\r\n\r\nabc\r\n--x--\r\n'
    attempts: list[dict[str, Any]] = [
        {"data": {"other": "value"}, "files": {"picture": ("a.png", PNG, "image/png")}},  # wrong field name
        {"json": {"file": "x"}},  # not a form at all
        {},  # no body
        {"content": no_file_part, "headers": {"Content-Type": "multipart/form-data; boundary=x"}},
        {"content": no_file_part, "headers": {"Content-Type": "multipart/form-data"}},  # no boundary
    ]
    for attempt in attempts:
        response = await client.post("/media/upload", **(attempt | {"headers": headers | attempt.get("headers", {})}))
        assert response.status_code == 422, (attempt, response.text)
        detail = response.json()["detail"]
        assert isinstance(detail, list) and detail[0]["loc"][0] == "body"
    response = await client.post("/media/upload", headers=headers, data={"other": "value"}, files={})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]
    # A truncated multipart body (no closing boundary) is invalid input, not a server error.
    broken = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n' + PNG
    response = await client.post(
        "/media/upload", content=broken, headers=headers | {"Content-Type": "multipart/form-data; boundary=xyz"}
    )
    assert response.status_code == 422
    assert await media_rows(app) == []


async def test_other_form_fields_are_ignored(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    token = await api.student()
    response = await upload(client, token, GIF, data={"caption": "hello", "kind": "other", "ext": "html"})
    assert response.status_code == 200, response.text
    assert (response.json()["kind"], response.json()["ext"]) == ("image", "gif")


async def test_size_limit(client: httpx.AsyncClient, tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url, max_upload_bytes=2048)
    root = settings.resolved_media_root
    app = create_app(settings)
    async with serve(app) as custom:
        token = await Api(custom).student()
        exact = await upload(custom, token, payload(2048))
        assert exact.status_code == 200, exact.text
        assert exact.json()["size"] == 2048
        kept = stored_files(root)
        assert kept == [f"{exact.json()['id']}.png"]
        # One byte over, counted on the bytes received: refused, nothing kept.
        response = await upload(custom, token, payload(2049))
        assert (response.status_code, response.json()) == (413, {"detail": "File too large"})
        # A body announced far too large is refused before it is read.
        response = await upload(custom, token, payload(200_000))
        assert (response.status_code, response.json()) == (413, {"detail": "File too large"})
        # Streamed without a Content-Length (chunked): still counted and refused.
        request = httpx.Request("POST", "/", files={"file": ("a.png", payload(5000), "image/png")})
        body = request.read()
        content_type = request.headers["content-type"]

        async def chunked() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 1000):
                yield body[start : start + 1000]

        response = await custom.post(
            "/media/upload", content=chunked(), headers=bearer(token) | {"Content-Type": content_type}
        )
        assert (response.status_code, response.json()) == (413, {"detail": "File too large"})
        assert stored_files(root) == kept
        assert [row.id.hex for row in await media_rows(app)] == [exact.json()["id"]]


async def test_default_limit_is_ten_mebibytes(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """The framework's own body cap (10,000,000 bytes) must not cut uploads below MAX_UPLOAD_BYTES."""
    limit = app.state.settings.max_upload_bytes
    assert limit == 10 * 1024 * 1024
    token = await api.student()
    content = payload(limit)
    response = await upload(client, token, content)
    assert response.status_code == 200, response.text
    assert response.json()["size"] == limit
    download = await client.get(response.json()["url"])
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(content).hexdigest()
    response = await upload(client, token, payload(limit + 1))
    assert (response.status_code, response.json()) == (413, {"detail": "File too large"})
    assert len(await media_rows(app)) == 1


# --- download -------------------------------------------------------------------------------------------------------


async def _uploaded(client: httpx.AsyncClient, api: Api, content: bytes = PNG) -> dict[str, Any]:
    response = await upload(client, await api.student(), content)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_download_is_anonymous_with_safe_headers(client: httpx.AsyncClient, api: Api) -> None:
    media = await _uploaded(client, api)
    # The mobile client sends garbage tokens to public routes: they must be ignored.
    for headers in ({}, {"Authorization": "Bearer null"}, {"Authorization": "Basic abc"}, {"Authorization": "xyz"}):
        response = await client.get(f"/media/{media['id']}", headers=headers)
        assert response.status_code == 200
        assert response.content == PNG
        assert response.headers["content-type"] == "image/png"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["etag"] == f'"{hashlib.sha256(PNG).hexdigest()}"'
        assert response.headers["accept-ranges"] == "bytes"
        assert response.headers["content-length"] == str(len(PNG))
        assert "attachment" not in response.headers.get("content-disposition", "")


async def test_conditional_get(client: httpx.AsyncClient, api: Api) -> None:
    media = await _uploaded(client, api)
    url = f"/media/{media['id']}"
    etag = (await client.get(url)).headers["etag"]
    for value in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = await client.get(url, headers={"If-None-Match": value})
        assert response.status_code == 304, value
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    response = await client.get(url, headers={"If-None-Match": '"something-else"'})
    assert response.status_code == 200
    assert response.content == PNG


async def test_byte_ranges(client: httpx.AsyncClient, api: Api) -> None:
    content = payload(1000)
    media = await _uploaded(client, api, content)
    url = f"/media/{media['id']}"
    cases = {
        "bytes=0-3": (0, 3),
        "bytes=10-19": (10, 19),
        "bytes=990-": (990, 999),
        "bytes=-5": (995, 999),
        "bytes=-5000": (0, 999),  # a suffix longer than the file is the whole file
        "bytes=500-100000": (500, 999),  # the end is clamped
        "bytes=999-999": (999, 999),
    }
    for header, (first, last) in cases.items():
        response = await client.get(url, headers={"Range": header})
        assert response.status_code == 206, header
        assert response.content == content[first : last + 1], header
        assert response.headers["content-range"] == f"bytes {first}-{last}/1000"
        assert response.headers["content-length"] == str(last - first + 1)
        assert response.headers["accept-ranges"] == "bytes"
        assert response.headers["content-type"] == "image/png"
    for header in ("bytes=1000-", "bytes=5000-6000", "bytes=-0"):
        response = await client.get(url, headers={"Range": header})
        assert response.status_code == 416, header
        assert response.headers["content-range"] == "bytes */1000"
    # Invalid or multiple ranges are ignored (RFC 9110): the whole file.
    for header in ("bytes=9-2", "bytes=0-1,5-6", "items=0-3", "bytes=x-y", "bytes=" + "9" * 40 + "-"):
        response = await client.get(url, headers={"Range": header})
        assert response.status_code == 200, header
        assert response.content == content
    # If-Range with another validator: the range is ignored; with ours it applies.
    response = await client.get(url, headers={"Range": "bytes=0-3", "If-Range": '"stale"'})
    assert (response.status_code, len(response.content)) == (200, 1000)
    etag = response.headers["etag"]
    response = await client.get(url, headers={"Range": "bytes=0-3", "If-Range": etag})
    assert (response.status_code, response.content) == (206, content[:4])


async def test_unknown_and_malformed_ids_are_404(
    client: httpx.AsyncClient, api: Api, create_media: Callable[..., Any]
) -> None:
    media = await _uploaded(client, api)
    without_file = await create_media()  # a row whose bytes are missing from storage
    for path in (
        "/media/" + "0" * 32,
        f"/media/{media['id'][:5]}",  # a prefix no longer matches (the old service globbed)
        f"/media/{media['id']}.png",
        f"/media/{media['id']}*",
        "/media/*",
        "/media/%2A",
        "/media/" + "g" * 32,
        f"/media/{without_file}",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found"}, path
    response = await client.get("/media/upload")
    assert response.status_code in {404, 405}
    # Traversal attempts do not even reach a route.
    for path in ("/media/..%2F..%2Fetc%2Fpasswd", "/media/%2E%2E/x"):
        assert (await client.get(path)).status_code == 404


async def test_other_kinds_are_sent_as_attachments(client: httpx.AsyncClient, app: Litestar) -> None:
    """Only images and videos can be uploaded, but a row of another kind (older data) must never render inline."""
    async with app.state.db_config.get_session() as session:
        media = Media(kind="other", mime="text/html", ext="html", size=11, storage_key="x", checksum="c" * 64)
        session.add(media)
        await session.flush()
        media.storage_key = f"{media.id.hex}.html"
        await session.commit()
    root = anyio.Path(app.state.settings.resolved_media_root)
    await root.mkdir(parents=True, exist_ok=True)
    await (root / media.storage_key).write_bytes(b"<b>hi</b>!!")
    response = await client.get(f"/media/{media.id.hex}")
    assert response.status_code == 200
    assert response.content == b"<b>hi</b>!!"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"


# --- a failing insert leaves no file -------------------------------------------------------------------------------


@asynccontextmanager
async def app_on_fresh_database(
    backend: str, make_pg_database: Callable[[], str], tmp_path: Path, **overrides: Any
) -> AsyncIterator[tuple[Litestar, httpx.AsyncClient]]:
    """An app on its own empty database, where every insert into `media` is refused by a trigger."""
    if backend == "postgresql":
        url = await asyncio.to_thread(make_pg_database)  # it runs its own event loop
        trigger = [
            "CREATE FUNCTION refuse_media() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'media inserts refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_media BEFORE INSERT ON media FOR EACH ROW EXECUTE FUNCTION refuse_media()",
        ]
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
        trigger = [
            "CREATE TRIGGER refuse_media BEFORE INSERT ON media BEGIN SELECT RAISE(ABORT, 'media inserts refused'); END"
        ]
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for statement in trigger:
            await conn.execute(text(statement))
    await engine.dispose()
    app = create_app(make_settings(tmp_path, url, **overrides))
    async with serve(app) as client:
        yield app, client


async def test_failed_insert_removes_the_stored_file(
    backend: str, make_pg_database: Callable[[], str], tmp_path: Path
) -> None:
    async with app_on_fresh_database(backend, make_pg_database, tmp_path) as (app, fresh):
        root = app.state.settings.resolved_media_root
        token = await Api(fresh).student()
        response = await upload(fresh, token, payload(300_000))
        assert response.status_code == 500
        assert response.json() == {"detail": "Internal Server Error"}
        assert stored_files(root) == []  # the file was written (the folder exists), then removed
        assert root.is_dir()
        async with app.state.db_config.get_session() as session:
            assert await session.scalar(select(func.count()).select_from(Media)) == 0


# --- S3-compatible storage ------------------------------------------------------------------------------------------


def bucket_keys(s3: Any) -> list[str]:
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=S3_BUCKET).get("Contents", []))


def open_multipart_uploads(s3: Any) -> list[Any]:
    return list(s3.list_multipart_uploads(Bucket=S3_BUCKET).get("Uploads", []))


async def test_s3_upload_and_download(
    client: httpx.AsyncClient, tmp_path: Path, database_url: str, s3_server: str, bucket: Any
) -> None:
    settings = make_settings(tmp_path, database_url, **s3_settings(s3_server), max_upload_bytes=8 * 1024 * 1024)
    app = create_app(settings)
    content = payload(6 * 1024 * 1024 + 123, MP4)  # more than one multipart part
    async with serve(app) as s3_client:
        token = await Api(s3_client).company()
        response = await upload(s3_client, token, content, filename="clip", content_type="application/octet-stream")
        assert response.status_code == 200, response.text
        media = response.json()
        assert media == {
            "id": media["id"],
            "kind": "video",
            "mime": "video/mp4",
            "ext": "mp4",
            "size": len(content),
            "url": f"/media/{media['id']}",
        }
        key = f"{media['id']}.mp4"
        assert bucket_keys(bucket) == [key]
        stored = bucket.get_object(Bucket=S3_BUCKET, Key=key)
        assert stored["Body"].read() == content
        assert stored["ContentType"] == "video/mp4"
        assert await app.state.media_storage.size(key) == len(content)
        assert not settings.resolved_media_root.exists()  # nothing went to the local folder

        response = await s3_client.get(media["url"], headers={"Authorization": "Bearer null"})
        assert response.status_code == 200
        assert response.content == content
        assert response.headers["content-type"] == "video/mp4"
        assert response.headers["x-content-type-options"] == "nosniff"
        etag = response.headers["etag"]
        assert etag == f'"{hashlib.sha256(content).hexdigest()}"'
        response = await s3_client.get(media["url"], headers={"If-None-Match": etag})
        assert response.status_code == 304
        response = await s3_client.get(media["url"], headers={"Range": "bytes=100-199"})
        assert response.status_code == 206
        assert response.content == content[100:200]
        assert response.headers["content-range"] == f"bytes 100-199/{len(content)}"
        response = await s3_client.get(media["url"], headers={"Range": "bytes=-10"})
        assert (response.status_code, response.content) == (206, content[-10:])
        response = await s3_client.get(media["url"], headers={"Range": f"bytes={len(content) - 5}-"})
        assert (response.status_code, response.content) == (206, content[-5:])

        # Too large, and the wrong type: nothing reaches the bucket, no multipart upload is left open.
        response = await upload(s3_client, token, payload(8 * 1024 * 1024 + 1, MP4))
        assert (response.status_code, response.json()) == (413, {"detail": "File too large"})
        response = await upload(s3_client, token, REFUSED["svg"])
        assert response.status_code == 415
        assert bucket_keys(bucket) == [key]
        assert open_multipart_uploads(bucket) == []

        # An object missing from the bucket is a 404, not a 500.
        bucket.delete_object(Bucket=S3_BUCKET, Key=key)
        assert await app.state.media_storage.size(key) is None
        response = await s3_client.get(media["url"])
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"})


async def test_s3_failed_insert_removes_the_object(
    backend: str,
    make_pg_database: Callable[[], str],
    tmp_path: Path,
    s3_server: str,
    bucket: Any,
) -> None:
    async with app_on_fresh_database(backend, make_pg_database, tmp_path, **s3_settings(s3_server)) as (app, fresh):
        token = await Api(fresh).student()
        response = await upload(fresh, token, payload(1000, JPEG))
        assert response.status_code == 500
        assert bucket_keys(bucket) == []
        assert open_multipart_uploads(bucket) == []
        async with app.state.db_config.get_session() as session:
            assert await session.scalar(select(func.count()).select_from(Media)) == 0
