"""The media shape every response uses."""

from __future__ import annotations

from typing import Self

from workcommunities.db import AnyRow
from workcommunities.db.models import Media
from workcommunities.lib.schema import Out


class MediaOut(Out):
    id: str
    kind: str  # image | video | other
    mime: str
    ext: str
    size: int
    url: str  # always /media/{id}, relative

    @classmethod
    def of(cls, row: AnyRow | Media) -> Self:
        """From a Media model or any row carrying MEDIA_COLUMNS (media/repositories.py)."""
        return cls(id=row.id.hex, kind=row.kind, mime=row.mime, ext=row.ext, size=row.size, url=f"/media/{row.id.hex}")
