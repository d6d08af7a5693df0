"""Posts and events (one `content` table, as the unified feed reads them) with their ordered media and skills, and
company stories.

A page of content is one statement on PostgreSQL, which answers the whole page as a JSON array in the response's
shape, each item with its media and skills (lib/aggregate.py); msgspec decodes it straight into the Structs. On
SQLite it is three whatever its size: the rows, then every media item of the page, then every skill of the page, and
the Structs are built from the rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    ScalarSelect,
    Subquery,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg
from sqlalchemy.orm import aliased

from workcommunities.db import AnyRow, AnySelect
from workcommunities.db.models import (
    Community,
    Company,
    CompanyFollow,
    Content,
    ContentMedia,
    ContentSkill,
    ContentType,
    Media,
    Membership,
    ModerationStatus,
    Role,
    Story,
    User,
)
from workcommunities.domain.companies.repositories import LIVE as LIVE_COMPANY
from workcommunities.domain.content.schemas import ContentItemOut, PostOut, StoryOut
from workcommunities.domain.media.repositories import MEDIA_COLUMNS, MEDIA_JSON
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.reference.repositories import SkillRepository, ordered_json
from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.lib.aggregate import decode_list, json_list, json_object, text_constant, wire_list
from workcommunities.lib.errors import NotFound
from workcommunities.lib.pagination import KeysetOrder, Page, Paged, paged, pages
from workcommunities.lib.repository import Repository, Uses
from workcommunities.lib.schema import Out
from workcommunities.lib.security import Principal, viewer_params

OutT = TypeVar("OutT", bound=Out)

# Who reads (`content_viewer_params`): a statement that shows a reader more than the public sees takes `viewer_id`
# (None: anonymous); the other two only matter to companies and admins.
VIEWER_ID: BindParameter[UUID] = bindparam("viewer_id", type_=User.id.type)
VIEWER_PHONE: BindParameter[str] = bindparam("viewer_phone", None, type_=Company.phone.type)
VIEWER_ADMIN: BindParameter[bool] = bindparam("viewer_admin", False, type_=Boolean())


def content_viewer_params(viewer: Principal | None) -> dict[str, Any]:
    """The reader's parameters of a statement built with `VIEWER_MANAGES` or `STORY_SEEN`."""
    if viewer is None:
        return viewer_params(viewer)
    phone = viewer.phone if viewer.role == Role.company else None
    return {**viewer_params(viewer), "viewer_phone": phone, "viewer_admin": viewer.is_admin}


def manages(viewer: Principal | None) -> bool:
    """Whether a reader may run some company's content (a company or an admin): only their lists can hold hidden
    content, so everyone else reads the statements without `VIEWER_MANAGES`."""
    return viewer is not None and viewer.role in (Role.company, Role.admin)


def _acts_for(company_id: Any) -> ColumnElement[bool]:
    """The reader is an admin, or acts for that company: owns it, or logs in with its phone (the `company`
    dependency's rule, companies/repositories.py `acting_company`)."""
    company = aliased(Company, name="acting_company")  # apart from any company the outer statement reads
    acts = exists().where(
        company.id == company_id, or_(company.owner_user_id == VIEWER_ID, company.phone == VIEWER_PHONE)
    )
    return or_(VIEWER_ADMIN, acts)


# The reader runs the content row: an admin, or its community's company.
VIEWER_MANAGES = _acts_for(
    select(Community.company_id).where(Community.id == Content.community_id).correlate(Content).scalar_subquery()
)
# Moderation (domain/reports/services.py): hidden content shows to no one else, in no list and by no id.
VISIBLE = Content.moderation_status == text_constant(ModerationStatus.visible)
SEEN = or_(VISIBLE, VIEWER_MANAGES)
STORY_VISIBLE = Story.moderation_status == text_constant(ModerationStatus.visible)
STORY_SEEN = or_(STORY_VISIBLE, _acts_for(Story.company_id))

# What posts and feed items share; a feed item's `body` is an event's description.
# (created_at: the key of a keyset page; media_id: an event's legacy media, first of its media.)
_SHARED = (
    Content.id,
    Content.community_id,
    Content.title,
    Content.tags,
    Content.cost,
    Content.participant_payout,
    Content.created_at,
    Content.media_id,
    Content.moderation_status,
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
    """Only content that shows to anyone: of communities that are not archived, and not hidden (the feeds, upcoming
    lists, search and calendars; hidden content is left out of them for its company too)."""
    return query.join(Community, Community.id == Content.community_id).where(Community.is_archived.is_(False), VISIBLE)


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


def _media_json(page: Subquery) -> ScalarSelect[Any]:
    """A row's media as JSON (PostgreSQL), for each row of `page`: an event's legacy one first and not repeated, then
    the attached ones in saved order."""
    legacy = select(MEDIA_JSON.label("item"), literal(-1).label("position")).where(Media.id == page.c.media_id)
    attached = (
        select(MEDIA_JSON.label("item"), ContentMedia.position)
        .join(Media, Media.id == ContentMedia.media_id)
        .where(ContentMedia.content_id == page.c.id, ContentMedia.media_id.is_distinct_from(page.c.media_id))
    )
    both = union_all(legacy.correlate(page), attached.correlate(page)).subquery()
    return select(json_list(both.c.item, both.c.position)).scalar_subquery()


def _shows_media(out: type[Out]) -> bool:
    return "media" in out.__struct_fields__


def page_json(query: AnySelect, out: type[Out], order: KeysetOrder | None) -> AnySelect:
    """A page of content `query` in one row (PostgreSQL): `items`, the JSON array of `out` in `order`, its `size`,
    and the `order` key of its last row (`last_at`, `last_id`: the next cursor). Each item's media and skills are
    read for the rows of the page only: an OFFSET skips rows before these lists are built."""
    page = query.subquery("page")
    fields: dict[str, Any] = {**page.c, "skills": ordered_json(ContentSkill.content_id, page.c.id)}
    if _shows_media(out):
        fields["media"] = _media_json(page)
    item = json_object(out, fields)
    if order is None:
        return select(json_list(item).label("items"))
    at, row_id = page.c[order.at.key], page.c.id
    ascending, descending = (at, row_id), (at.desc(), row_id.desc())
    forwards, backwards = (descending, ascending) if order.descending else (ascending, descending)
    return select(
        json_list(item, *forwards).label("items"),
        func.count().label("size"),
        array_agg(aggregate_order_by(at, *backwards))[1].label("last_at"),
        array_agg(aggregate_order_by(row_id, *backwards))[1].label("last_id"),
    )


class ContentRepository(Repository[Content]):
    model_type = Content

    skills = Uses(SkillRepository)

    # --- reads ----------------------------------------------------------------------------------------------------

    async def feed(self, page: Page) -> Paged[ContentItemOut]:
        """Posts and events of communities that are not archived, newest first."""
        return await self.page_of(ContentItemOut, page, "feed", lambda: in_live_communities(ITEMS))

    async def item(self, content_id: UUID, viewer: Principal | None) -> ContentItemOut:
        """A post or an event by id (an archived community still serves it); unknown or hidden from `viewer` →
        404."""
        statement = self.prepared(
            "item", lambda: self.listing(ITEMS.where(Content.id == bindparam("item_id"), SEEN), ContentItemOut)
        )
        items, _ = await self.read(ContentItemOut, statement, {"item_id": content_id, **content_viewer_params(viewer)})
        if not items:
            raise NotFound()
        return items[0]

    async def community_posts(self, community_id: UUID, page: Page, viewer: Principal | None) -> Paged[PostOut]:
        """Its hidden posts too for its company and admins."""
        of_community = Content.community_id == bindparam("community_id")
        managed = manages(viewer)
        return await self.page_of(
            PostOut,
            page,
            "community_posts_managed" if managed else "community_posts",
            lambda: POSTS.where(of_community, SEEN if managed else VISIBLE),
            community_id=community_id,
            **(content_viewer_params(viewer) if managed else {}),
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
        """A keyset page of `query()` as `out`: the statement is built once per list `name` and page shape
        (`Repository.prepared`); the page's place and `values` are its bind parameters."""
        shape = page.shape
        statement = self.prepared((name, shape), lambda: self.listing(paged(query(), order, shape=shape), out, order))
        params = {**page.params(order), **values}
        if self.on_postgresql:  # the page as PostgreSQL wrote it, straight to the wire
            row = await self.driver_row(statement, params)
            assert row is not None, "an aggregate answers one row"
            return Paged(wire_list(row.items), page.next_cursor(order, row.size, (row.last_at, row.last_id)))
        items, last = await self.read(out, statement, params, order)
        return Paged(items, page.next_cursor(order, len(items), last))

    async def one(self, out: type[OutT], query: AnySelect) -> OutT | None:
        """The row of `query` as `out` with its lists, or None."""
        items, _ = await self.read(out, self.listing(query, out))
        return items[0] if items else None

    def listing(self, query: AnySelect, out: type[Out], order: KeysetOrder | None = None) -> AnySelect:
        """The statement that reads `query` as `out`: on PostgreSQL the whole page as JSON (`page_json`), on SQLite
        the rows, whose lists `read` adds."""
        return page_json(query, out, order) if self.on_postgresql else query

    async def read(
        self,
        out: type[OutT],
        statement: AnySelect,
        params: dict[str, Any] | None = None,
        order: KeysetOrder | None = None,
    ) -> tuple[list[OutT], tuple[datetime, UUID] | None]:
        """The items of a `listing` statement, and the `order` key of the last one."""
        if self.on_postgresql:
            row = await self.row(statement, params)
            assert row is not None, "an aggregate answers one row"
            items = decode_list(row.items, out)
            return items, (row.last_at, row.last_id) if order is not None and items else None
        rows = await self.rows(statement, params)
        skills = await self.skills_of(rows)
        media = await self.media_of(rows) if _shows_media(out) else None
        items = [
            out.from_row(row, skills=skills.get(row.id, []), **({"media": media[row.id]} if media is not None else {}))
            for row in rows
        ]
        last = rows[-1] if rows else None
        return items, (getattr(last, order.at.key), last.id) if order is not None and last is not None else None

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
        self, content_id: UUID, kind: ContentType, *, media_ids: list[UUID] | None, skill_ids: list[UUID] | None
    ) -> None:
        """Replace the ordered media and/or skills of a content row (None leaves that list as it is)."""
        if media_ids is not None:
            await self.replace_ordered(
                ContentMedia.content_id, content_id, ContentMedia.media_id, media_ids, audited=kind
            )
        if skill_ids is not None:
            await self.replace_ordered(
                ContentSkill.content_id, content_id, ContentSkill.skill_id, skill_ids, audited=kind
            )


# A story with its media (outer join: a story whose media row is gone still reads, with `media: null`); a deleted
# company's stories are gone with it.
STORIES = (
    select(Story.id.label("story_id"), Story.company_id, Story.title, Story.moderation_status, *MEDIA_COLUMNS)
    .join(Company, Company.id == Story.company_id)
    .outerjoin(Media, Media.id == Story.media_id)
    .where(LIVE_COMPANY)
)

FOLLOWED_STORIES = pages(
    STORIES.join(CompanyFollow, CompanyFollow.company_id == Story.company_id)
    .where(CompanyFollow.user_id == bindparam("user_id"), Story.expires_at > bindparam("now"), STORY_VISIBLE)
    .order_by(Story.created_at.desc(), Story.id.desc())
)
LIVE_STORY = STORIES.where(Story.id == bindparam("story_id"), Story.expires_at > bindparam("now"), STORY_SEEN)


def story_out(row: AnyRow) -> StoryOut:
    has_media = row.id is not None
    return StoryOut(
        id=row.story_id.hex,
        community_id=row.company_id.hex,
        company_id=row.company_id.hex,
        title=row.title,
        media_url=f"/media/{row.id.hex}" if has_media else "",
        media=MediaOut.of(row) if has_media else None,
        moderation_status=row.moderation_status,
    )


class StoryRepository(Repository[Story]):
    model_type = Story

    async def live(self, story_id: UUID, now: datetime, viewer: Principal | None) -> StoryOut:
        """A story that has not expired and shows to `viewer`; 404 otherwise."""
        params = {"story_id": story_id, "now": now, **content_viewer_params(viewer)}
        if (row := await self.row(LIVE_STORY, params)) is None:
            raise NotFound()
        return story_out(row)

    async def followed(self, user_id: UUID, now: datetime, page: Page) -> list[StoryOut]:
        """Live stories of the companies the user follows, newest first, in one statement."""
        rows = await self.rows(FOLLOWED_STORIES[page.shape], {**page.params(), "user_id": user_id, "now": now})
        return [story_out(row) for row in rows]
