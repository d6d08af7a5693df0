"""`/content`: the unified feed, posts, the personal feeds and company stories."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.content.schemas import (
    ContentItemOut,
    PostCreateIn,
    PostOut,
    PostUpdateIn,
    StoryCreateIn,
    StoryOut,
)
from workcommunities.domain.content.services import ContentService
from workcommunities.lib.errors import documented
from workcommunities.lib.pagination import Page, page_provider
from workcommunities.lib.schema import StatusOk
from workcommunities.lib.security import BEARER, Principal, require_company, require_user
from workcommunities.settings import Settings

Caller = Request[Principal, Any, Any]


def provide_content_service(db_session: NamedDependency[AsyncSession]) -> ContentService:
    return ContentService(db_session)


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


class ContentController(Controller):
    path = "/content"
    tags = ["content"]
    dependencies = {
        "content": Provide(provide_content_service, sync_to_thread=False),
        "settings": Provide(provide_settings, sync_to_thread=False),
        "page": page_provider(20),
    }

    # --- the unified feed and posts -------------------------------------------------------------------------------

    @get(
        "/posts",
        responses=documented(),
        summary="The unified feed: posts and events of communities that are not archived, newest first",
    )
    async def feed(self, content: NamedDependency[ContentService], page: NamedDependency[Page]) -> list[ContentItemOut]:
        return await content.feed(page)

    @post(
        "/posts",
        status_code=200,
        guards=[require_company],
        security=BEARER,
        responses=documented(400, 401, 403, 404, 409),
        summary="Publish a post into one of the caller's communities",
    )
    async def create_post(
        self, request: Caller, data: JSONBody[PostCreateIn], content: NamedDependency[ContentService]
    ) -> PostOut:
        return await content.create_post(_company(request), data)

    @get("/posts/{post_id:str}", responses=documented(404), summary="One post or event (as a feed item)")
    async def get_post(self, post_id: FromPath[str], content: NamedDependency[ContentService]) -> ContentItemOut:
        return await content.item(post_id)

    @patch(
        "/posts/{post_id:str}",
        guards=[require_company],
        security=BEARER,
        responses=documented(400, 401, 403, 404),
        summary="Change a post of the caller's company (only the fields sent; lists replace)",
    )
    async def update_post(
        self,
        request: Caller,
        post_id: FromPath[str],
        data: JSONBody[PostUpdateIn],
        content: NamedDependency[ContentService],
    ) -> PostOut:
        return await content.update_post(_company(request), post_id, data)

    @delete(
        "/posts/{post_id:str}",
        status_code=200,
        guards=[require_company],
        security=BEARER,
        responses=documented(401, 403, 404),
        summary="Delete a post of the caller's company",
    )
    async def delete_post(
        self, request: Caller, post_id: FromPath[str], content: NamedDependency[ContentService]
    ) -> StatusOk:
        await content.delete_post(_company(request), post_id)
        return StatusOk()

    # --- personal feeds (D-20: "featured" is an alias of "posts from my communities") -----------------------------

    @get(
        ["/me/posts/featured", "/me/posts/from-followed-communities"],
        guards=[require_user],
        security=BEARER,
        responses=documented(401),
        summary="Posts of the caller's communities, newest first (`featured` and `from-followed-communities` "
        "are the same feed)",
    )
    async def my_posts(
        self, request: Caller, content: NamedDependency[ContentService], page: NamedDependency[Page]
    ) -> list[PostOut]:
        return await content.member_posts(request.user.user_id, page)

    @get(
        "/users/{user_id:str}/posts/featured",
        responses=documented(),
        summary="Posts of a user's communities, newest first (public, as in the old service, so it shows which "
        "communities the user belongs to; same feed as /content/me/posts/featured)",
    )
    async def user_posts(
        self, user_id: FromPath[str], content: NamedDependency[ContentService], page: NamedDependency[Page]
    ) -> list[PostOut]:
        return await content.member_posts_of(user_id, page)

    # --- stories ----------------------------------------------------------------------------------------------------

    @post(
        "/stories",
        status_code=200,
        guards=[require_company],
        security=BEARER,
        responses=documented(400, 401, 403),
        summary="Publish a story of the caller's company (`community_id` in the answer carries the company id)",
    )
    async def create_story(
        self,
        request: Caller,
        data: JSONBody[StoryCreateIn],
        content: NamedDependency[ContentService],
        settings: NamedDependency[Settings],
    ) -> StoryOut:
        return await content.create_story(_company(request), data, settings.story_ttl_hours)

    @get("/stories/{story_id:str}", responses=documented(404), summary="One story that has not expired")
    async def get_story(self, story_id: FromPath[str], content: NamedDependency[ContentService]) -> StoryOut:
        return await content.story(story_id)

    @get(
        "/me/stories/from-followed-companies",
        guards=[require_user],
        security=BEARER,
        responses=documented(401),
        summary="Live stories of the companies the caller follows, newest first",
    )
    async def followed_stories(
        self, request: Caller, content: NamedDependency[ContentService], page: NamedDependency[Page]
    ) -> list[StoryOut]:
        return await content.followed_stories(request.user.user_id, page)


def _company(request: Caller) -> UUID:
    """The caller's company id; `require_company` guarantees it is set."""
    company_id = request.user.company_id
    assert company_id is not None
    return company_id
