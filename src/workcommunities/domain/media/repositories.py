"""Media rows. The row is the source of truth; the bytes live in the media storage under `storage_key`."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, exists, or_, update

from workcommunities.db.models import (
    Community,
    Company,
    CompanyMedia,
    Content,
    ContentMedia,
    Media,
    Story,
    User,
)
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.lib.aggregate import json_object, text_constant, wire_id
from workcommunities.lib.errors import MEDIA_NOT_FOUND
from workcommunities.lib.repository import Repository

# What a MediaOut shows; other slices join these into their page reads (content media, a company's gallery).
MEDIA_COLUMNS = (Media.id, Media.kind, Media.mime, Media.ext, Media.size)
# The same as a JSON object, for the lists PostgreSQL aggregates (MediaOut.of's shape, `url` included).
MEDIA_JSON = json_object(
    MediaOut,
    {
        "id": Media.id,
        "kind": Media.kind,
        "mime": Media.mime,
        "ext": Media.ext,
        "size": Media.size,
        "url": text_constant("/media/").concat(wire_id(Media.id)),
    },
)


class MediaRepository(Repository[Media]):
    model_type = Media
    # Any unknown media id in a body is the same 400 (contract §1.5).
    unknown_ids_detail = MEDIA_NOT_FOUND

    async def remove_unused_uploads(self, user_id: UUID, avatar_id: UUID | None) -> list[str]:
        """Deletes the user's uploads and former avatar (uploaded before uploads had an owner, say) that nothing
        shows (content, a gallery, a logo, a story, an avatar: the user's own is cleared before); their storage
        keys."""
        used = or_(
            exists().where(ContentMedia.media_id == Media.id),
            exists().where(Content.media_id == Media.id),
            exists().where(CompanyMedia.media_id == Media.id),
            exists().where(Company.logo_media_id == Media.id),
            exists().where(Community.logo_media_id == Media.id),
            exists().where(Story.media_id == Media.id),
            exists().where(User.avatar_media_id == Media.id),
        )
        theirs = or_(Media.uploaded_by == user_id, Media.id == avatar_id)
        statement = delete(Media).where(theirs, ~used).returning(Media.storage_key)
        return list(await self.session.scalars(statement))

    async def disown_uploads(self, user_id: UUID) -> None:
        await self.session.execute(update(Media).where(Media.uploaded_by == user_id).values(uploaded_by=None))
