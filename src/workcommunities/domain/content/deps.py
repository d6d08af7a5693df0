"""Providers of the content slice."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.content.services import ContentService, StoryService
from workcommunities.lib.dependencies import app_state


def provide_content_service(db_session: NamedDependency[AsyncSession]) -> ContentService:
    return ContentService(db_session)


def provide_story_service(db_session: NamedDependency[AsyncSession], scope: Scope) -> StoryService:
    return StoryService(db_session, app_state(scope).settings.story_ttl_hours)


content_service = Provide(provide_content_service, sync_to_thread=False)
story_service = Provide(provide_story_service, sync_to_thread=False)
