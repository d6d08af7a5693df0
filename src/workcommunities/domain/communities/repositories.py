"""Communities with their membership (the one relation behind "follow" and "member", contract §4.3) and cases.

Every list is one statement: the community columns with the true member count, counted per row by the membership
index (community_id, joined_at, user_id). So is a community's page on PostgreSQL, its cases and first members as
JSON columns (lib/aggregate.py); SQLite reads those two lists with one statement each.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

import msgspec
from sqlalchemy import BindParameter, ColumnElement, ScalarSelect, bindparam, delete, exists, select

from workcommunities.db import AnySelect
from workcommunities.db.models import Case, Community, Membership, Profile, User
from workcommunities.domain.communities.schemas import (
    CaseOut,
    CommunityDetailOut,
    CommunityForUserOut,
    CommunityMemberOut,
    CommunityOut,
)
from workcommunities.lib.aggregate import decode_list, json_list, json_object, json_page, json_row, wire_list
from workcommunities.lib.errors import NotFound
from workcommunities.lib.pagination import Page, Paged, pages
from workcommunities.lib.repository import Repository, count_per_row
from workcommunities.lib.security import Principal, phone_privacy, viewer_kind, viewer_params, visible_phone

ShapeT = TypeVar("ShapeT", CommunityOut, CommunityForUserOut)

COMMUNITIES = select(
    Community.id,
    Community.name,
    Community.company_id,
    Community.description,
    Community.telegram_url,
    Community.tags,
    Community.is_archived,
    Community.logo_media_id,
    count_per_row(Membership.community_id, Community.id).label("members_count"),
)
LIVE = Community.is_archived.is_(False)
# Lists: by name, id as tiebreak (index ix_community_listing / ix_community_company).
BY_NAME = (Community.name, Community.id)


def communities_json(*where: ColumnElement[bool], shape: type[ShapeT] = CommunityOut) -> ScalarSelect[str]:
    """The live communities matching `where` (correlated to an enclosing statement), by name, as a JSON array."""
    item = json_row(shape, COMMUNITIES)
    return select(json_list(item, *BY_NAME)).where(LIVE, *where).scalar_subquery()


def with_member(user: UUID | ColumnElement[Any]) -> ColumnElement[bool]:
    """The communities the user (an id or a bind parameter) is a member of (membership's primary key, user first)."""
    return Community.id.in_(select(Membership.community_id).where(Membership.user_id == user))


# Cases: latest date first, id as tiebreak (index ix_community_case_order).
CASE_ORDER = (Case.date.desc(), Case.id.desc())
CASES = select(Case.id, Case.community_id, Case.title, Case.description, Case.date, Case.solutions_count).order_by(
    *CASE_ORDER
)
DETAIL_MEMBERS = 100  # members embedded in the community detail; the rest via /communities/{id}/members
# Members in join order (index ix_membership_community).
MEMBERS = (
    select(
        User.id, User.role, User.phone, User.avatar_media_id, User.created_at, Profile.full_name, Membership.joined_at
    )
    .join(Membership, Membership.user_id == User.id)
    .outerjoin(Profile, Profile.user_id == User.id)
    .order_by(Membership.joined_at, Membership.user_id)
)


def _whole_or_paged(query: AnySelect) -> tuple[AnySelect, dict[str, AnySelect]]:
    return query, pages(query)


# The statements of the lists, built once; their values come in as bind parameters.
COMMUNITY_ID: BindParameter[UUID] = bindparam("community_id")
COMMUNITY = COMMUNITIES.where(Community.id == COMMUNITY_ID)
LIVE_PAGES = pages(COMMUNITIES.where(LIVE).order_by(*BY_NAME))
# Lists read whole or by page: (all, a page).
COMPANY_LIVE = _whole_or_paged(
    COMMUNITIES.where(LIVE, Community.company_id == bindparam("company_id")).order_by(*BY_NAME)
)
MEMBER_OF = _whole_or_paged(COMMUNITIES.where(with_member(bindparam("user_id")), LIVE).order_by(*BY_NAME))
JOINABLE_PAGES = pages(
    COMMUNITIES.where(
        LIVE, ~exists().where(Membership.community_id == Community.id, Membership.user_id == bindparam("user_id"))
    ).order_by(*BY_NAME)
)
MEMBERS_PAGES = pages(MEMBERS.where(Membership.community_id == COMMUNITY_ID))


def _detail(viewer: str) -> AnySelect:
    """A community's page in one statement (PostgreSQL): its cases and first members as JSON columns, the members'
    phones as `viewer` (a `viewer_kind`) may see them."""
    cases = select(json_list(json_row(CaseOut, CASES), *CASE_ORDER)).where(Case.community_id == COMMUNITY_ID)
    first = MEMBERS.where(Membership.community_id == COMMUNITY_ID).limit(DETAIL_MEMBERS).subquery()
    member = json_object(
        CommunityMemberOut, {**dict(first.c.items()), "phone": visible_phone(viewer, first.c.id, first.c.phone)}
    )
    members = select(json_list(member, first.c.joined_at, first.c.id))
    return COMMUNITY.add_columns(
        cases.scalar_subquery().label("cases_json"), members.scalar_subquery().label("members_json")
    )


class CommunityRepository(Repository[Community]):
    model_type = Community

    async def live(self, page: Page) -> Paged[CommunityOut]:
        """A page of the communities that are not archived, by name (on PostgreSQL as it goes out: the list every
        client opens with)."""
        if not self.on_postgresql:
            return Paged([CommunityOut.from_row(row) for row in await self.rows(LIVE_PAGES[page.shape], page.params())])
        statement = self.prepared(
            ("live_json", page.shape), lambda: json_page(LIVE_PAGES[page.shape], CommunityOut, "name", "id")
        )
        row = await self.driver_row(statement, page.params())
        assert row is not None, "an aggregate answers one row"
        return Paged(wire_list(row.items))

    async def owned_by(self, company_id: UUID) -> list[Community]:
        """Every community of a company, archived ones too, as rows to change."""
        query = select(Community).where(Community.company_id == company_id).order_by(Community.id)
        return list(await self.session.scalars(query))

    async def of_company(self, company_id: UUID, page: Page | None = None) -> list[CommunityOut]:
        """A company's communities that are not archived, by name: a page, or all (on the company's own page)."""
        return await self._maybe_paged(COMPANY_LIVE, CommunityOut, page, company_id=company_id)

    async def joinable(self, user_id: UUID, page: Page) -> list[CommunityOut]:
        rows = await self.rows(JOINABLE_PAGES[page.shape], {**page.params(), "user_id": user_id})
        return [CommunityOut.from_row(row) for row in rows]

    async def member_of(self, user_id: UUID, shape: type[ShapeT], page: Page | None = None) -> list[ShapeT]:
        """The user's membership communities that are not archived, by name, in the given shape."""
        return await self._maybe_paged(MEMBER_OF, shape, page, user_id=user_id)

    async def _maybe_paged(
        self, statements: tuple[AnySelect, dict[str, AnySelect]], shape: type[ShapeT], page: Page | None, **values: Any
    ) -> list[ShapeT]:
        """A `_whole_or_paged` list: whole without a `page`."""
        whole, one_page = statements
        if page is None:
            rows = await self.rows(whole, values)
        else:
            rows = await self.rows(one_page[page.shape], {**page.params(), **values})
        return [shape.from_row(row) for row in rows]

    async def out(self, community_id: UUID) -> CommunityOut:
        """One community (archived ones too) with its member count; unknown → 404."""
        if (row := await self.row(COMMUNITY, {"community_id": community_id})) is None:
            raise NotFound()
        return CommunityOut.from_row(row)

    async def detail(self, community_id: UUID, viewer: Principal | None) -> CommunityDetailOut:
        """The community with its count, its cases and its first members; unknown → 404."""
        if not self.on_postgresql:
            return CommunityDetailOut(
                **msgspec.structs.asdict(await self.out(community_id)),
                cases=await CaseRepository(session=self.session).listing(community_id),
                members=await self.members(community_id, Page(0, DETAIL_MEMBERS), viewer),
            )
        kind = viewer_kind(viewer)
        query = self.prepared(("community_detail", kind), lambda: _detail(kind))
        if (row := await self.prepared_row(query, {"community_id": community_id, **viewer_params(viewer)})) is None:
            raise NotFound()
        return CommunityDetailOut.from_row(
            row,
            cases=decode_list(row.cases_json, CaseOut),
            members=decode_list(row.members_json, CommunityMemberOut),
        )

    async def members(self, community_id: UUID, page: Page, viewer: Principal | None) -> list[CommunityMemberOut]:
        rows = await self.rows(MEMBERS_PAGES[page.shape], {**page.params(), "community_id": community_id})
        return [CommunityMemberOut.from_row(row, **phone_privacy(viewer, row.id)) for row in rows]

    async def follow(self, user_id: UUID, community_id: UUID) -> None:
        """Become a member, once: a second (or concurrent) follow inserts nothing."""
        await self.insert_ignore(Membership, user_id=user_id, community_id=community_id, role="member")

    async def unfollow(self, user_id: UUID, community_id: UUID) -> None:
        await self.session.execute(
            delete(Membership).where(Membership.community_id == community_id, Membership.user_id == user_id)
        )


class CaseRepository(Repository[Case]):
    model_type = Case

    async def listing(self, community_id: UUID) -> list[CaseOut]:
        return [CaseOut.from_row(row) for row in await self.rows(CASES.where(Case.community_id == community_id))]

    async def out(self, case_id: UUID) -> CaseOut:
        row = await self.row(CASES.where(Case.id == case_id))
        assert row is not None, "read back in the transaction that wrote it"
        return CaseOut.from_row(row)
