"""`/content`: the unified feed, posts, the personal feeds (D-20: "featured" is an alias of "posts from my
communities") and company stories."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from workcommunities.domain.auth.guards import require_company, require_user
from workcommunities.domain.content.deps import content_service, story_service
from workcommunities.domain.content.schemas import (
    ContentItemOut,
    PostCreateIn,
    PostOut,
    PostUpdateIn,
    StoryCreateIn,
    StoryOut,
)
from workcommunities.domain.content.services import ContentService, StoryService
from workcommunities.lib.errors import documented
from workcommunities.lib.pagination import NEXT_CURSOR_HEADERS, Page, keyset_page, page_provider
from workcommunities.lib.schema import StatusOk
from workcommunities.lib.security import Principal

DEPENDENCIES = {"content": content_service, "stories": story_service, "page": page_provider(20)}


class ContentController(Controller):
    path = "/content"
    tags = ["content"]
    dependencies = DEPENDENCIES

    @get(
        "/posts",
        dependencies=keyset_page(20),
        response_headers=NEXT_CURSOR_HEADERS,
        responses=documented(400),
        summary="The unified feed: posts and events of communities that are not archived, newest first",
    )
    async def feed(
        self, content: NamedDependency[ContentService], page: NamedDependency[Page]
    ) -> Response[list[ContentItemOut]]:
        return (await content.feed(page)).response()

    @get(
        "/posts/{post_id:uuid}",
        responses=documented(404),
        summary="One post or event (as a feed item); a hidden one only to its company and admins",
    )
    async def get_post(
        self,
        post_id: FromPath[UUID],
        content: NamedDependency[ContentService],
        viewer: NamedDependency[Principal | None],
    ) -> ContentItemOut:
        return await content.item(post_id, viewer)

    @get(
        "/users/{user_id:str}/posts/featured",
        dependencies=keyset_page(20),
        response_headers=NEXT_CURSOR_HEADERS,
        responses=documented(400),
        summary="Posts of a user's communities, newest first (public, as in the old service, so it shows which "
        "communities the user belongs to; same feed as /content/me/posts/featured; unknown user: empty list)",
    )
    async def user_posts(
        self, user_id: FromPath[str], content: NamedDependency[ContentService], page: NamedDependency[Page]
    ) -> Response[list[PostOut]]:
        return (await content.member_posts_of(user_id, page)).response()

    @get(
        "/stories/{story_id:uuid}",
        responses=documented(404),
        summary="One story that has not expired; a hidden one only to its company and admins",
    )
    async def get_story(
        self,
        story_id: FromPath[UUID],
        stories: NamedDependency[StoryService],
        viewer: NamedDependency[Principal | None],
    ) -> StoryOut:
        return await stories.story(story_id, viewer)

    @get(
        ["/me/posts/featured", "/me/posts/from-followed-communities"],
        guards=[require_user],
        dependencies=keyset_page(20),
        response_headers=NEXT_CURSOR_HEADERS,
        responses=documented(400, 401),
        summary="Posts of the caller's communities, newest first (`featured` and `from-followed-communities` "
        "are the same feed)",
    )
    async def my_posts(
        self, caller: NamedDependency[Principal], content: NamedDependency[ContentService], page: NamedDependency[Page]
    ) -> Response[list[PostOut]]:
        return (await content.member_posts(caller.user_id, page)).response()

    @get(
        "/me/stories/from-followed-companies",
        guards=[require_user],
        responses=documented(401),
        summary="Live stories of the companies the caller follows, newest first",
    )
    async def followed_stories(
        self, caller: NamedDependency[Principal], stories: NamedDependency[StoryService], page: NamedDependency[Page]
    ) -> list[StoryOut]:
        return await stories.followed(caller.user_id, page)

    @post(
        "/posts",
        guards=[require_company],
        status_code=200,
        responses=documented(400, 401, 403, 404, 409),
        summary="Publish a post into one of the caller's communities",
    )
    async def create_post(
        self, company: NamedDependency[UUID], data: JSONBody[PostCreateIn], content: NamedDependency[ContentService]
    ) -> PostOut:
        return await content.create_post(company, data)

    @patch(
        "/posts/{post_id:uuid}",
        guards=[require_company],
        responses=documented(400, 401, 403, 404, 409),
        summary="Change a post of the caller's company (only the fields sent; lists replace)",
    )
    async def update_post(
        self,
        company: NamedDependency[UUID],
        post_id: FromPath[UUID],
        data: JSONBody[PostUpdateIn],
        content: NamedDependency[ContentService],
    ) -> PostOut:
        return await content.update_post(company, post_id, data)

    @delete(
        "/posts/{post_id:uuid}",
        guards=[require_company],
        status_code=200,
        responses=documented(401, 403, 404, validation=False),
        summary="Delete a post of the caller's company",
    )
    async def delete_post(
        self, company: NamedDependency[UUID], post_id: FromPath[UUID], content: NamedDependency[ContentService]
    ) -> StatusOk:
        await content.delete_post(company, post_id)
        return StatusOk()

    @post(
        "/stories",
        guards=[require_company],
        status_code=200,
        responses=documented(400, 401, 403),
        summary="Publish a story of the caller's company (`community_id` in the answer carries the company id)",
    )
    async def create_story(
        self, company: NamedDependency[UUID], data: JSONBody[StoryCreateIn], stories: NamedDependency[StoryService]
    ) -> StoryOut:
        return await stories.create_story(company, data)
