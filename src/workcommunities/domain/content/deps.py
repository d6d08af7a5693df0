"""Providers of the content slice."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.content.services import ContentService, StoryService


def provide_content_service(db_session: NamedDependency[AsyncSession]) -> ContentService:
    return ContentService(db_session)


def provide_story_service(db_session: NamedDependency[AsyncSession], state: State) -> StoryService:
    return StoryService(db_session, state.settings.story_ttl_hours)


content_service = Provide(provide_content_service, sync_to_thread=False)
story_service = Provide(provide_story_service, sync_to_thread=False)
