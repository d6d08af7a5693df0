"""Providers of the media slice."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.media.services import MediaService


def provide_media_service(db_session: NamedDependency[AsyncSession], state: State) -> MediaService:
    """The storage is the app's (built once by create_app from its settings)."""
    return MediaService(db_session, state.media_storage, state.settings.max_upload_bytes)


media_service = Provide(provide_media_service, sync_to_thread=False)
