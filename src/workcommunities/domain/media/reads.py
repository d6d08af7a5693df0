"""Media lookups shared by every slice that references media: batch loading and existence checks."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db import AnyRow
from workcommunities.db.models import Media
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.lib.errors import BadRequest
from workcommunities.lib.schema import dedupe, parse_id

MEDIA_NOT_FOUND = "Media not found"
MEDIA_COLUMNS = (Media.id, Media.kind, Media.mime, Media.ext, Media.size)


def media_out(row: AnyRow | Media) -> MediaOut:
    """From a Media row or any row carrying MEDIA_COLUMNS."""
    return MediaOut(id=row.id.hex, kind=row.kind, mime=row.mime, ext=row.ext, size=row.size, url=f"/media/{row.id.hex}")


async def load_media(session: AsyncSession, ids: Iterable[UUID]) -> dict[UUID, MediaOut]:
    """The given media in one statement, keyed by id (unknown ids are absent)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(select(*MEDIA_COLUMNS).where(Media.id.in_(wanted)))
    return {row.id: media_out(row) for row in rows}


async def existing_media_ids(session: AsyncSession, values: Iterable[str]) -> list[UUID]:
    """Body media ids → UUIDs in the given order, duplicates dropped; any unknown id → 400 `Media not found`."""
    ids = [parse_id(value) for value in dedupe(list(values))]
    if any(media_id is None for media_id in ids):
        raise BadRequest(MEDIA_NOT_FOUND)
    found = set(await session.scalars(select(Media.id).where(Media.id.in_(ids)))) if ids else set()
    if len(found) != len(ids):
        raise BadRequest(MEDIA_NOT_FOUND)
    return [media_id for media_id in ids if media_id is not None]


async def existing_media_id(session: AsyncSession, value: str | None) -> UUID | None:
    """A single optional media reference: None or blank clears it, an unknown id → 400."""
    ids = await existing_media_ids(session, [value or ""])
    return ids[0] if ids else None
