"""The media shape every response uses."""

from __future__ import annotations

from workcommunities.lib.schema import Struct


class MediaOut(Struct):
    id: str
    kind: str  # image | video | other
    mime: str
    ext: str
    size: int
    url: str  # always /media/{id}, relative
