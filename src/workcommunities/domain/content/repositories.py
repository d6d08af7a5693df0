"""Posts and events (one `content` table, as the unified feed reads them) with their ordered media and skills, and
company stories.

A page of content is one statement on PostgreSQL: the rows (only the columns the response shows), each with its
media and skills as JSON arrays (lib/aggregate.py). On SQLite it is three whatever its size: the rows, then every
media item of the page, then every skill of the page. The response Structs are built directly from the rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from sqlalchemy import BindParameter, Text, bindparam, case, cast, literal, select, union_all

from workcommunities.db import AnyRow, AnySelect
from workcommunities.db.models import (
    Community,
    CompanyFollow,
    Content,
    ContentMedia,
    ContentSkill,
    ContentType,
    Media,
    Membership,
    Story,
)
from workcommunities.domain.content.schemas import ContentItemOut, PostOut, StoryOut
from workcommunities.domain.media.repositories import MEDIA_COLUMNS, MEDIA_JSON
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.reference.repositories import SkillRepository, ordered_json
from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.lib.aggregate import decode_list, json_list
from workcommunities.lib.errors import NotFound
from workcommunities.lib.pagination import KeysetOrder, Page, Paged, paged
from workcommunities.lib.repository import Repository, Uses
from workcommunities.lib.schema import Out

OutT = TypeVar("OutT", bound=Out)

# What posts and feed items share; a feed item's `body` is an event's description.
# (created_at: the key of a keyset page.)
_SHARED = (
    Content.id,
    Content.community_id,
    Content.title,
    Content.tags,
    Content.cost,
    Content.participant_payout,
    Content.created_at,
)
POSTS = select(*_SHARED, Content.body).where(Content.type == ContentType.post)
ITEMS = select(
    *_SHARED,
    Content.type,
    case((Content.type == ContentType.event, Content.description), else_=Content.body).label("body"),
    Content.event_date,
)
# Newest first with the id as tiebreak: the order of every post list and of the feed (index ix_content_feed).
NEWEST = KeysetOrder("newest", Content.created_at, Content.id, descending=True)


def in_live_communities(query: AnySelect) -> AnySelect:
    """Only content of communities that are not archived (feeds and upcoming lists)."""
    return query.join(Community, Community.id == Content.community_id).where(Community.is_archived.is_(False))


def _page_media() -> AnySelect:
    """Every media item of a page of content ids (`ids`), built once: attached ones, and an event's legacy one first
    (position -1)."""
    ids: BindParameter[list[UUID]] = bindparam("ids", expanding=True)
    attached = (
        select(ContentMedia.content_id, ContentMedia.position, *MEDIA_COLUMNS)
        .join(Media, Media.id == ContentMedia.media_id)
        .where(ContentMedia.content_id.in_(ids))
    )
    legacy = (
        select(Content.id.label("content_id"), literal(-1).label("position"), *MEDIA_COLUMNS)
        .join(Media, Media.id == Content.media_id)
        .where(Content.id.in_(ids))
    )
    both = union_all(attached, legacy).subquery()
    return select(both).order_by(both.c.content_id, both.c.position)


PAGE_MEDIA = _page_media()

# The same lists as JSON columns of each row (PostgreSQL): the legacy media as an object, the attached ones without
# it, and the skills, each in saved order.
LEGACY_MEDIA_JSON = select(cast(MEDIA_JSON, Text)).where(Media.id == Content.media_id).scalar_subquery()
ATTACHED_MEDIA_JSON = (
    select(json_list(MEDIA_JSON, ContentMedia.position))
    .select_from(ContentMedia)
    .join(Media, Media.id == ContentMedia.media_id)
    .where(ContentMedia.content_id == Content.id, ContentMedia.media_id.is_distinct_from(Content.media_id))
    .scalar_subquery()
)
SKILLS_JSON = ordered_json(ContentSkill.content_id, Content.id)
MEDIA_LISTS = (LEGACY_MEDIA_JSON.label("legacy_media_json"), ATTACHED_MEDIA_JSON.label("media_json"))


def media_from_json(row: AnyRow) -> list[MediaOut]:
    attached = decode_list(row.media_json, MediaOut)
    if row.legacy_media_json is None:
        return attached
    return [decode_media(row.legacy_media_json), *attached]


decode_media = msgspec.json.Decoder(MediaOut).decode


def _shows_media(out: type[Out]) -> bool:
    return "media" in out.__struct_fields__


class ContentRepository(Repository[Content]):
    model_type = Content

    skills = Uses(SkillRepository)

    # --- reads ----------------------------------------------------------------------------------------------------

    async def feed(self, page: Page) -> Paged[ContentItemOut]:
        """Posts and events of communities that are not archived, newest first."""
        return await self.page_of(ContentItemOut, page, "feed", lambda: in_live_communities(ITEMS))

    async def item(self, content_id: UUID) -> ContentItemOut:
        """A post or an event by id (an archived community still serves it); unknown → 404."""
        if (item := await self.one(ContentItemOut, ITEMS.where(Content.id == content_id))) is None:
            raise NotFound()
        return item

    async def community_posts(self, community_id: UUID, page: Page) -> Paged[PostOut]:
        return await self.page_of(
            PostOut,
            page,
            "community_posts",
            lambda: POSTS.where(Content.community_id == bindparam("community_id")),
            community_id=community_id,
        )

    async def member_posts(self, user_id: UUID, page: Page) -> Paged[PostOut]:
        """Posts of the communities the user is a member of, newest first; archived communities are left out."""
        return await self.page_of(
            PostOut,
            page,
            "member_posts",
            lambda: (
                in_live_communities(POSTS)
                .join(Membership, Membership.community_id == Content.community_id)
                .where(Membership.user_id == bindparam("user_id"))
            ),
            user_id=user_id,
        )

    async def post(self, post_id: UUID) -> PostOut:
        """A post as every list shows it (the answer of a write)."""
        post = await self.one(PostOut, POSTS.where(Content.id == post_id))
        assert post is not None, "read back in the transaction that wrote it"
        return post

    async def one(self, out: type[OutT], query: AnySelect) -> OutT | None:
        """The row of `query` as `out` with its lists, or None."""
        items, _ = await self.read(out, self.with_lists(query, out))
        return items[0] if items else None

    async def page_of(
        self,
        out: type[OutT],
        page: Page,
        name: str,
        query: Callable[[], AnySelect],
        *,
        order: KeysetOrder = NEWEST,
        **values: Any,
    ) -> Paged[OutT]:
        """A keyset page of `query()` as `out`: the statement, lists included, is built once per list `name` and
        page shape (`Repository.prepared`); the page's place and `values` are its bind parameters."""
        after = page.after is not None
        statement = self.prepared((name, page.shape), lambda: self.with_lists(paged(query(), order, after=after), out))
        items, rows = await self.read(out, statement, {**page.params(order), **values})
        return Paged(items, page.next_cursor(rows, order))

    def with_lists(self, query: AnySelect, out: type[Out]) -> AnySelect:
        """On PostgreSQL, `query` with each row's skills (and media, when `out` shows them) as JSON columns; as it is
        on SQLite."""
        if not self.aggregates_json:
            return query
        return query.add_columns(*(MEDIA_LISTS if _shows_media(out) else ()), SKILLS_JSON.label("skills_json"))

    async def read(
        self, out: type[OutT], query: AnySelect, params: dict[str, Any] | None = None
    ) -> tuple[list[OutT], Sequence[AnyRow]]:
        """The rows of a content `query` made `with_lists` as `out`, with their skills (and media), and the rows
        themselves."""
        lists: Callable[[AnyRow], dict[str, Any]]
        media = _shows_media(out)
        rows = await self.rows(query, params)
        if self.aggregates_json:

            def lists(row: AnyRow) -> dict[str, Any]:
                skills = decode_list(row.skills_json, SkillOut)
                return {"skills": skills, "media": media_from_json(row)} if media else {"skills": skills}

        else:
            skills_by_id = await self.skills_of(rows)
            media_by_id = await self.media_of(rows) if media else None

            def lists(row: AnyRow) -> dict[str, Any]:
                skills = skills_by_id.get(row.id, [])
                return (
                    {"skills": skills, "media": media_by_id[row.id]} if media_by_id is not None else {"skills": skills}
                )

        return [out.from_row(row, **lists(row)) for row in rows], rows

    async def media_of(self, rows: Sequence[AnyRow]) -> defaultdict[UUID, list[MediaOut]]:
        """The media of a page of content rows, each list in order, without repeats."""
        result: defaultdict[UUID, list[MediaOut]] = defaultdict(list)
        if rows:
            for row in await self.rows(PAGE_MEDIA, {"ids": [row.id for row in rows]}):
                media = result[row.content_id]
                if all(existing.id != row.id.hex for existing in media):
                    media.append(MediaOut.of(row))
        return result

    async def skills_of(self, rows: Sequence[AnyRow]) -> dict[UUID, list[SkillOut]]:
        return await self.skills.ordered(ContentSkill.content_id, [row.id for row in rows])

    # --- writes ---------------------------------------------------------------------------------------------------

    async def locked(self, content_id: UUID, kind: ContentType) -> tuple[Content, UUID | None] | None:
        """A post or event with its community's company, locked for a write (concurrent edits of one row wait for
        each other instead of colliding on its links); None when there is none of that kind."""
        query = (
            select(Content, Community.company_id)
            .join(Community, Community.id == Content.community_id)
            .where(Content.id == content_id, Content.type == kind)
            .with_for_update(of=Content)
        )
        found = (await self.session.execute(query)).first()
        return None if found is None else (found[0], found[1])

    async def replace_links(
        self, content_id: UUID, *, media_ids: list[UUID] | None, skill_ids: list[UUID] | None
    ) -> None:
        """Replace the ordered media and/or skills of a content row (None leaves that list as it is)."""
        if media_ids is not None:
            await self.replace_ordered(ContentMedia.content_id, content_id, ContentMedia.media_id, media_ids)
        if skill_ids is not None:
            await self.replace_ordered(ContentSkill.content_id, content_id, ContentSkill.skill_id, skill_ids)


# A story with its media (outer join: a story whose media row is gone still reads, with `media: null`).
STORIES = select(Story.id.label("story_id"), Story.company_id, Story.title, *MEDIA_COLUMNS).outerjoin(
    Media, Media.id == Story.media_id
)

FOLLOWED_STORIES_PAGE = paged(
    STORIES.join(CompanyFollow, CompanyFollow.company_id == Story.company_id)
    .where(CompanyFollow.user_id == bindparam("user_id"), Story.expires_at > bindparam("now"))
    .order_by(Story.created_at.desc(), Story.id.desc())
)


def story_out(row: AnyRow) -> StoryOut:
    has_media = row.id is not None
    return StoryOut(
        id=row.story_id.hex,
        community_id=row.company_id.hex,
        company_id=row.company_id.hex,
        title=row.title,
        media_url=f"/media/{row.id.hex}" if has_media else "",
        media=MediaOut.of(row) if has_media else None,
    )


class StoryRepository(Repository[Story]):
    model_type = Story

    async def live(self, story_id: UUID, now: datetime) -> StoryOut:
        """A story that has not expired; 404 otherwise."""
        if (row := await self.row(STORIES.where(Story.id == story_id, Story.expires_at > now))) is None:
            raise NotFound()
        return story_out(row)

    async def followed(self, user_id: UUID, now: datetime, page: Page) -> list[StoryOut]:
        """Live stories of the companies the user follows, newest first, in one statement."""
        rows = await self.rows(FOLLOWED_STORIES_PAGE, {**page.params(), "user_id": user_id, "now": now})
        return [story_out(row) for row in rows]
