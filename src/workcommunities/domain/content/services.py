"""Posts, the unified feed, the personal feeds, and company stories.

A post belongs to its community's company (403 `Not allowed` for anyone else); archived communities take no new posts
(409) and drop out of every feed; referenced media and skills must exist (400); a list in a body keeps its order with
duplicates dropped (content/publishing.py). Every list is one page in a fixed number of statements.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from workcommunities.db.models import ContentType, Story
from workcommunities.domain.content.publishing import PublishingService
from workcommunities.domain.content.repositories import ContentRepository, StoryRepository
from workcommunities.domain.content.schemas import (
    ContentItemOut,
    PostCreateIn,
    PostOut,
    PostUpdateIn,
    StoryCreateIn,
    StoryOut,
)
from workcommunities.domain.media.repositories import MediaRepository
from workcommunities.lib.errors import MEDIA_NOT_FOUND, BadRequest, Forbidden
from workcommunities.lib.pagination import Page, Paged
from workcommunities.lib.repository import Service, Session, Uses
from workcommunities.lib.schema import parse_id
from workcommunities.lib.security import Principal


class ContentService(PublishingService[ContentRepository]):
    repository_type = ContentRepository

    async def feed(self, page: Page) -> Paged[ContentItemOut]:
        return await self.repository.feed(page)

    async def item(self, content_id: UUID, viewer: Principal | None) -> ContentItemOut:
        return await self.repository.item(content_id, viewer)

    async def member_posts(self, user_id: UUID, page: Page) -> Paged[PostOut]:
        """Posts of the caller's communities: what the old "featured" and "from followed communities" feeds both
        meant (D-20)."""
        return await self.repository.member_posts(user_id, page)

    async def member_posts_of(self, user: str, page: Page) -> Paged[PostOut]:
        """The public variant: an unknown or malformed user id is simply an empty feed."""
        if (user_id := parse_id(user)) is None:
            return Paged([], "")
        return await self.repository.member_posts(user_id, page)

    async def create_post(self, company_id: UUID, data: PostCreateIn) -> PostOut:
        return await self.repository.post(await self.publish(company_id, ContentType.post, data))

    async def update_post(self, company_id: UUID, post_id: UUID, data: PostUpdateIn) -> PostOut:
        await self.revise(company_id, ContentType.post, post_id, data)
        return await self.repository.post(post_id)

    async def delete_post(self, company_id: UUID, post_id: UUID) -> None:
        await self.remove(company_id, ContentType.post, post_id)


class StoryService(Service[Story, StoryRepository]):
    repository_type = StoryRepository

    def __init__(self, session: Session, ttl_hours: int) -> None:
        super().__init__(session)
        self.ttl = timedelta(hours=ttl_hours)

    media = Uses(MediaRepository)

    async def create_story(self, company_id: UUID, data: StoryCreateIn) -> StoryOut:
        """A story of the caller's own company (any other `company_id`, known or not, is 403), live for the
        configured time (STORY_TTL_HOURS)."""
        if parse_id(data.company_id.strip()) != company_id:
            raise Forbidden()
        media_id = await self.media.existing_id(data.media_uid, "media_uid")
        if media_id is None:  # a blank id
            raise BadRequest(MEDIA_NOT_FOUND)
        now = datetime.now(UTC)
        story = await self.create(
            Story(company_id=company_id, title=data.title, media_id=media_id, expires_at=now + self.ttl)
        )
        return await self.repository.live(story.id, now, None)

    async def story(self, story_id: UUID, viewer: Principal | None) -> StoryOut:
        return await self.repository.live(story_id, datetime.now(UTC), viewer)

    async def followed(self, user_id: UUID, page: Page) -> list[StoryOut]:
        return await self.repository.followed(user_id, datetime.now(UTC), page)
