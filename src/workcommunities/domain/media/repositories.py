"""Media rows. The row is the source of truth; the bytes live in the media storage under `storage_key`."""

from __future__ import annotations

from workcommunities.db.models import Media
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
