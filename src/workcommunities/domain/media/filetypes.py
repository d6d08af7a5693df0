"""What an uploaded file is, told from its first bytes (the client's declared type is never consulted)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

from workcommunities.lib.errors import DomainError

SNIFF_BYTES = 32  # enough for every signature below


class UnsupportedMediaType(DomainError):
    status_code = HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_detail = "Unsupported media type"


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
UPLOAD_TYPES = (JPEG, PNG, GIF, WEBP, MP4, QUICKTIME)

# ISO base media brands that mean an MP4 video (HEIC/AVIF images and M4A audio share the container: not allowed).
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41", b"mp42", b"mp71"}
    | {b"avc1", b"dash", b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"f4v "}
)


def detect_type(head: bytes) -> FileType:
    """The allowed type these first bytes belong to; anything else → 415."""
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
    raise UnsupportedMediaType()
