"""Communities: listing, creation and editing (owner and admin share the same rules), membership, cases.

Membership is the one relation behind "follow" and "member" (contract §4.3); archive rules follow §4.4: an archived
community leaves every list but stays readable by id and keeps serving its posts; following it or adding cases to it
is a 409.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from msgspec import UNSET
from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db import AnyRow, AnySelect, insert_ignore
from workcommunities.db.models import Case, Community, Company, Content, ContentType, Membership, Profile, Role, User
from workcommunities.domain.communities.reads import LIST_ORDER, communities_query, community_out, list_communities
from workcommunities.domain.communities.schemas import (
    CaseCreateIn,
    CaseOut,
    CommunityCreateIn,
    CommunityDetailOut,
    CommunityMemberOut,
    CommunityOut,
    CommunityUpdateIn,
)
from workcommunities.domain.content.reads import NEWEST_FIRST, ContentReader, content_query
from workcommunities.domain.content.schemas import PostOut
from workcommunities.domain.media.reads import existing_media_id
from workcommunities.lib.errors import Conflict, Forbidden, NotFound
from workcommunities.lib.pagination import Page
from workcommunities.lib.schema import dedupe, hex_id, parse_id
from workcommunities.lib.security import Principal, resolve_company

ARCHIVED = "Community is archived"
NO_COMPANY = "Company is not set for this user"
CASE_NOT_FOUND = "Case not found"
DETAIL_MEMBERS = 100  # members embedded in the community detail; the rest via /communities/{id}/members

MEMBER_COLUMNS = (
    User.id,
    User.role,
    User.phone,
    User.avatar_media_id,
    User.created_at,
    Profile.full_name,
)
# Cases: latest date first, id as tiebreak (index ix_community_case_order).
CASE_ORDER = (Case.date.desc(), Case.id.desc())
# Members in join order (index ix_membership_community).
MEMBER_ORDER = (Membership.joined_at, Membership.user_id)


def _live(query: AnySelect) -> AnySelect:
    return query.where(Community.is_archived.is_(False))


def case_out(row: AnyRow | Case) -> CaseOut:
    return CaseOut(
        id=row.id.hex,
        community_id=row.community_id.hex,
        title=row.title,
        description=row.description or "",
        date=row.date,
        solutions_count=row.solutions_count,
    )


def member_out(row: AnyRow, viewer: Principal | None) -> CommunityMemberOut:
    """A member row; the phone only for that member themselves or an admin (contract D-05)."""
    sees_phone = viewer is not None and (viewer.is_admin or viewer.user_id == row.id)
    return CommunityMemberOut(
        id=row.id.hex,
        role=row.role,
        phone=(row.phone or "") if sees_phone else "",
        full_name=row.full_name or "",
        avatar_media_id=hex_id(row.avatar_media_id),
        created_at=row.created_at,
    )


class CommunityService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- lists ----------------------------------------------------------------------------------------------------

    async def public(self, page: Page) -> list[CommunityOut]:
        return await list_communities(self.session, page.apply(_live(communities_query()).order_by(*LIST_ORDER)))

    async def mine(self, principal: Principal, claimed_company: object, page: Page) -> list[CommunityOut]:
        """A company sees its own communities; anyone else the communities they are a member of."""
        query = _live(communities_query()).order_by(*LIST_ORDER)
        if principal.role == Role.company:
            company_id = await resolve_company(self.session, principal, claimed_company)
            if company_id is None:
                raise Forbidden(NO_COMPANY)
            query = query.where(Community.company_id == company_id)
        else:
            query = query.join(Membership, Membership.community_id == Community.id).where(
                Membership.user_id == principal.user_id
            )
        return await list_communities(self.session, page.apply(query))

    async def joinable(self, user_id: UUID, page: Page) -> list[CommunityOut]:
        member = exists().where(Membership.community_id == Community.id, Membership.user_id == user_id)
        query = _live(communities_query()).where(~member).order_by(*LIST_ORDER)
        return await list_communities(self.session, page.apply(query))

    async def by_company(self, company: str, page: Page) -> list[CommunityOut]:
        """An unknown or malformed company simply has no communities."""
        company_id = parse_id(company)
        if company_id is None:
            return []
        query = _live(communities_query()).where(Community.company_id == company_id).order_by(*LIST_ORDER)
        return await list_communities(self.session, page.apply(query))

    async def posts(self, community: str, page: Page) -> list[PostOut]:
        """The community's posts, newest first; archived communities still serve them, unknown ones have none."""
        community_id = parse_id(community)
        if community_id is None:
            return []
        query = (
            content_query()
            .where(Content.community_id == community_id, Content.type == ContentType.post)
            .order_by(*NEWEST_FIRST)
        )
        return await ContentReader(self.session).posts(page.apply(query))

    # --- one community --------------------------------------------------------------------------------------------

    async def detail(self, community: str, viewer: Principal | None) -> CommunityDetailOut:
        """Three statements whatever the size: the community with its count, its cases, its first members."""
        row = await self._row(community)
        cases = await self.session.execute(select(Case).where(Case.community_id == row.id).order_by(*CASE_ORDER))
        members = await self.session.execute(self._members_query(row.id, Page(0, DETAIL_MEMBERS)))
        base = community_out(row)
        return CommunityDetailOut(
            id=base.id,
            name=base.name,
            company_id=base.company_id,
            description=base.description,
            telegram_url=base.telegram_url,
            tags=base.tags,
            is_archived=base.is_archived,
            logo_media_id=base.logo_media_id,
            members_count=base.members_count,
            cases=[case_out(case) for case in cases.scalars()],
            members=[member_out(member, viewer) for member in members],
        )

    async def members(self, community: str, viewer: Principal | None, page: Page) -> list[CommunityMemberOut]:
        community_id = await self._existing_id(community)
        return [member_out(row, viewer) for row in await self.session.execute(self._members_query(community_id, page))]

    # --- create and edit (owner and admin) ------------------------------------------------------------------------

    async def create(self, data: CommunityCreateIn, company_id: UUID | None) -> CommunityOut:
        """A new community of `company_id` (the caller's company, or the admin's choice, already checked)."""
        community = Community(
            company_id=company_id,
            name=data.name,
            tags=dedupe(data.tags or []),
            description=data.description,
            telegram_url=data.telegram_url,
            logo_media_id=await existing_media_id(self.session, data.logo_media_id),
            is_archived=False,
        )
        self.session.add(community)
        await self.session.flush()
        return await self._out(community.id)

    async def create_for_company(self, data: CommunityCreateIn, principal: Principal) -> CommunityOut:
        """`POST /communities`: always the caller's company; a `company_id` in the body is ignored."""
        return await self.create(data, _own_company(principal))

    async def create_as_admin(self, data: CommunityCreateIn) -> CommunityOut:
        """`POST /admin/communities`: the body's `company_id` is honoured; null or "" means no company."""
        company_id = None
        if data.company_id:
            company_id = parse_id(data.company_id)
            if company_id is None or await self.session.get(Company, company_id) is None:
                raise NotFound()
        return await self.create(data, company_id)

    async def update(self, community: str, data: CommunityUpdateIn, owner: Principal | None) -> CommunityOut:
        """Apply the present fields. `owner` is the company caller (must own it); None is the admin (no check)."""
        target = await self._community(community)
        if owner is not None:
            _check_owner(target, owner)
        changes: dict[str, Any] = {}
        if data.name is not UNSET:
            changes["name"] = data.name
        if data.tags is not UNSET:
            changes["tags"] = dedupe(data.tags or [])
        if data.description is not UNSET:
            changes["description"] = data.description
        if data.telegram_url is not UNSET:
            changes["telegram_url"] = data.telegram_url
        if data.logo_media_id is not UNSET:
            changes["logo_media_id"] = await existing_media_id(self.session, data.logo_media_id)
        if data.is_archived is not UNSET:
            changes["is_archived"] = data.is_archived
        for name, value in changes.items():
            setattr(target, name, value)
        if changes:
            await self.session.flush()
        return await self._out(target.id)

    # --- membership -----------------------------------------------------------------------------------------------

    async def follow(self, community: str, user_id: UUID) -> None:
        """Become a member, once: a second (or concurrent) follow inserts nothing."""
        target = await self._community(community)
        if target.is_archived:
            raise Conflict(ARCHIVED)
        await insert_ignore(self.session, Membership, user_id=user_id, community_id=target.id, role="member")

    async def unfollow(self, community: str, user_id: UUID) -> None:
        community_id = await self._existing_id(community)
        await self.session.execute(
            delete(Membership).where(Membership.community_id == community_id, Membership.user_id == user_id)
        )

    # --- cases ----------------------------------------------------------------------------------------------------

    async def add_case(self, community: str, data: CaseCreateIn, owner: Principal) -> CaseOut:
        target = await self._community(community)
        _check_owner(target, owner)
        if target.is_archived:
            raise Conflict(ARCHIVED)
        case = Case(
            community_id=target.id,
            title=data.title,
            description=data.description,
            date=data.date,
            solutions_count=data.solutions_count,
        )
        self.session.add(case)
        await self.session.flush()
        return case_out(case)

    async def delete_case(self, community: str, case: str, owner: Principal) -> None:
        target = await self._community(community)
        _check_owner(target, owner)
        case_id = parse_id(case)
        deleted = None
        if case_id is not None:
            deleted = await self.session.scalar(
                delete(Case).where(Case.id == case_id, Case.community_id == target.id).returning(Case.id)
            )
        if deleted is None:
            raise NotFound(CASE_NOT_FOUND)

    # --- helpers --------------------------------------------------------------------------------------------------

    async def _community(self, community: str) -> Community:
        community_id = parse_id(community)
        target = await self.session.get(Community, community_id) if community_id is not None else None
        if target is None:
            raise NotFound()
        return target

    async def _existing_id(self, community: str) -> UUID:
        community_id = parse_id(community)
        if (
            community_id is None
            or await self.session.scalar(select(Community.id).where(Community.id == community_id)) is None
        ):
            raise NotFound()
        return community_id

    async def _row(self, community: str) -> AnyRow:
        community_id = parse_id(community)
        row = None
        if community_id is not None:
            row = (await self.session.execute(communities_query().where(Community.id == community_id))).first()
        if row is None:
            raise NotFound()
        return row

    async def _out(self, community_id: UUID) -> CommunityOut:
        return community_out(await self._row(community_id.hex))

    @staticmethod
    def _members_query(community_id: UUID, page: Page) -> AnySelect:
        query = (
            select(*MEMBER_COLUMNS)
            .join(Membership, Membership.user_id == User.id)
            .outerjoin(Profile, Profile.user_id == User.id)
            .where(Membership.community_id == community_id)
            .order_by(*MEMBER_ORDER)
        )
        return page.apply(query)


def _own_company(principal: Principal) -> UUID:
    """The company `require_company` resolved for the caller."""
    if principal.company_id is None:
        raise Forbidden(NO_COMPANY)
    return principal.company_id


def _check_owner(community: Community, principal: Principal) -> None:
    if community.company_id is None or community.company_id != _own_company(principal):
        raise Forbidden()
