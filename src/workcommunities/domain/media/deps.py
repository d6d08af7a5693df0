"""Providers of the media slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.media.services import MediaService
from workcommunities.lib.dependencies import app_state


def provide_media_service(db_session: NamedDependency[AsyncSession], scope: Scope) -> MediaService:
    """The storage is the app's (built once by create_app from its settings)."""
    state = app_state(scope)
    return MediaService(db_session, state.media_storage, state.settings.max_upload_bytes)


media_service = Provide(provide_media_service, sync_to_thread=False)
