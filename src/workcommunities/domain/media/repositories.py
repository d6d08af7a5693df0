"""Media rows. The row is the source of truth; the bytes live in the media storage under `storage_key`."""

from __future__ import annotations

from workcommunities.db.models import Media
from workcommunities.lib.errors import MEDIA_NOT_FOUND
from workcommunities.lib.repository import Repository

# What a MediaOut shows; other slices join these into their page reads (content media, a company's gallery).
MEDIA_COLUMNS = (Media.id, Media.kind, Media.mime, Media.ext, Media.size)


class MediaRepository(Repository[Media]):
    model_type = Media
    # Any unknown media id in a body is the same 400 (contract §1.5).
    unknown_ids_detail = MEDIA_NOT_FOUND
