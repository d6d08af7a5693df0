"""Posts, the unified feed, the personal feeds and company stories.

Rules live here: a post belongs to its community's company (403 `Not allowed` for anyone else), archived communities
take no new posts (409) and drop out of every feed, referenced media and skills must exist (400), and a list in a body
keeps its order with duplicates dropped. Every list is one page in a fixed number of statements.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from msgspec import UNSET
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db import AnyRow, AnySelect
from workcommunities.db.models import (
    CompanyFollow,
    Content,
    ContentType,
    Media,
    Membership,
    Story,
)
from workcommunities.domain.content.publishing import owned_content, publishable_community, replace_links
from workcommunities.domain.content.reads import NEWEST_FIRST, ContentReader, content_query, live_communities
from workcommunities.domain.content.schemas import (
    ContentItemOut,
    PostCreateIn,
    PostOut,
    PostUpdateIn,
    StoryCreateIn,
    StoryOut,
)
from workcommunities.domain.media.reads import MEDIA_NOT_FOUND, existing_media_ids
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.reference.services import existing_skill_ids
from workcommunities.lib.errors import BadRequest, Forbidden, NotFound
from workcommunities.lib.pagination import Page
from workcommunities.lib.schema import dedupe, parse_id

SKILL_FIELD = "skill_ids"

# A story row with its media (outer join: a story whose media row is gone still reads, with `media: null`).
STORY_COLUMNS = (
    Story.id,
    Story.company_id,
    Story.title,
    Story.media_id,
    Media.kind.label("media_kind"),
    Media.mime.label("media_mime"),
    Media.ext.label("media_ext"),
    Media.size.label("media_size"),
)


def _story_out(row: AnyRow) -> StoryOut:
    media = None
    if row.media_id is not None and row.media_kind is not None:
        media = MediaOut(
            id=row.media_id.hex,
            kind=row.media_kind,
            mime=row.media_mime,
            ext=row.media_ext or "",
            size=row.media_size,
            url=f"/media/{row.media_id.hex}",
        )
    return StoryOut(
        id=row.id.hex,
        community_id=row.company_id.hex,
        company_id=row.company_id.hex,
        title=row.title,
        media_url=f"/media/{row.media_id.hex}" if row.media_id is not None else "",
        media=media,
    )


class ContentService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.reader = ContentReader(session)

    # --- reads ----------------------------------------------------------------------------------------------------

    async def feed(self, page: Page) -> list[ContentItemOut]:
        """Posts and events of communities that are not archived, newest first."""
        query = live_communities(content_query()).order_by(*NEWEST_FIRST)
        return await self.reader.items(page.apply(query))

    async def item(self, raw_id: str) -> ContentItemOut:
        """A post or an event by id; an archived community still serves it."""
        content_id = parse_id(raw_id)
        if content_id is None:
            raise NotFound()
        items = await self.reader.items(content_query().where(Content.id == content_id))
        if not items:
            raise NotFound()
        return items[0]

    async def member_posts(self, user_id: UUID | None, page: Page) -> list[PostOut]:
        """Posts of the communities `user_id` is a member of (what the old "featured" and "from followed
        communities" feeds both meant), newest first; archived communities are left out."""
        if user_id is None:
            return []
        query = (
            live_communities(content_query())
            .join(Membership, Membership.community_id == Content.community_id)
            .where(Membership.user_id == user_id, Content.type == ContentType.post)
            .order_by(*NEWEST_FIRST)
        )
        return await self.reader.posts(page.apply(query))

    async def member_posts_of(self, raw_user_id: str, page: Page) -> list[PostOut]:
        """The public variant: an unknown or malformed user id is simply an empty feed."""
        return await self.member_posts(parse_id(raw_user_id), page)

    # --- posts ----------------------------------------------------------------------------------------------------

    async def create_post(self, company_id: UUID, data: PostCreateIn) -> PostOut:
        community_id = await publishable_community(self.session, company_id, parse_id(data.community_id.strip()))
        media_ids = await existing_media_ids(self.session, data.media_uids)
        skill_ids = await existing_skill_ids(self.session, data.skill_ids or [], SKILL_FIELD)
        post = Content(
            community_id=community_id,
            type=ContentType.post,
            title=data.title,
            body=data.body,
            tags=dedupe(data.tags or []),
            cost=data.cost,
            participant_payout=data.participant_payout,
        )
        self.session.add(post)
        await self.session.flush()
        await replace_links(self.session, post.id, media_ids=media_ids, skill_ids=skill_ids)
        return await self._post(post.id)

    async def update_post(self, company_id: UUID, raw_id: str, data: PostUpdateIn) -> PostOut:
        post = await owned_content(self.session, company_id, parse_id(raw_id), ContentType.post)
        # An archived community's content is read-only (as for events); deleting stays possible.
        await publishable_community(self.session, company_id, post.community_id)
        # Validate every referenced id before anything changes.
        media_ids = None
        if data.media_uids is not UNSET:
            media_ids = await existing_media_ids(self.session, data.media_uids or [])
        skill_ids = None
        if data.skill_ids is not UNSET:
            skill_ids = await existing_skill_ids(self.session, data.skill_ids or [], SKILL_FIELD)

        changes: dict[str, Any] = {}
        if data.title is not UNSET:
            changes["title"] = data.title
        if data.body is not UNSET:
            changes["body"] = data.body or ""
        if data.tags is not UNSET:
            changes["tags"] = dedupe(data.tags or [])
        if data.cost is not UNSET:
            changes["cost"] = data.cost
        if data.participant_payout is not UNSET:
            changes["participant_payout"] = data.participant_payout
        for field, value in changes.items():
            setattr(post, field, value)
        await self.session.flush()
        await replace_links(self.session, post.id, media_ids=media_ids, skill_ids=skill_ids)
        return await self._post(post.id)

    async def delete_post(self, company_id: UUID, raw_id: str) -> None:
        post = await owned_content(self.session, company_id, parse_id(raw_id), ContentType.post)
        await self.session.execute(delete(Content).where(Content.id == post.id))  # links go by ON DELETE CASCADE

    async def _post(self, post_id: UUID) -> PostOut:
        """The response of a write, through the same reader as every list."""
        [post] = await self.reader.posts(content_query().where(Content.id == post_id))
        return post

    # --- stories --------------------------------------------------------------------------------------------------

    async def create_story(self, company_id: UUID, data: StoryCreateIn, ttl_hours: int) -> StoryOut:
        """A story of the caller's own company (any other `company_id`, known or not, is 403), live for `ttl_hours`."""
        if parse_id(data.company_id.strip()) != company_id:
            raise Forbidden()
        media_ids = await existing_media_ids(self.session, [data.media_uid])
        if not media_ids:  # a blank id
            raise BadRequest(MEDIA_NOT_FOUND)
        story = Story(
            company_id=company_id,
            title=data.title,
            media_id=media_ids[0],
            expires_at=datetime.now(UTC) + timedelta(hours=ttl_hours),
        )
        self.session.add(story)
        await self.session.flush()
        return await self.story(story.id.hex)

    async def story(self, raw_id: str) -> StoryOut:
        """A story that has not expired; 404 otherwise."""
        story_id = parse_id(raw_id)
        if story_id is None:
            raise NotFound()
        query = self._stories().where(Story.id == story_id)
        row = (await self.session.execute(query)).first()
        if row is None:
            raise NotFound()
        return _story_out(row)

    async def followed_stories(self, user_id: UUID, page: Page) -> list[StoryOut]:
        """Live stories of the companies the user follows, newest first, in one statement."""
        query = (
            self._stories()
            .join(CompanyFollow, CompanyFollow.company_id == Story.company_id)
            .where(CompanyFollow.user_id == user_id)
            .order_by(Story.created_at.desc(), Story.id.desc())
        )
        return [_story_out(row) for row in await self.session.execute(page.apply(query))]

    @staticmethod
    def _stories() -> AnySelect:
        return (
            select(*STORY_COLUMNS)
            .outerjoin(Media, Media.id == Story.media_id)
            .where(Story.expires_at > datetime.now(UTC))
        )
