"""Communities: listing, creating and editing (owner and admin share the same rules), membership, cases.

Archive rules (contract §4.4): an archived community leaves every list but stays readable by id and keeps serving
its posts; following it, or adding cases, posts or events to it, is a 409; leaving and deleting stay possible.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from workcommunities.db.models import Case, Community, Role
from workcommunities.domain.communities.repositories import CaseRepository, CommunityRepository
from workcommunities.domain.communities.schemas import (
    CaseCreateIn,
    CaseOut,
    CommunityCreateIn,
    CommunityDetailOut,
    CommunityMemberOut,
    CommunityOut,
    CommunityUpdateIn,
)
from workcommunities.domain.companies.services import CompanyService
from workcommunities.domain.content.repositories import ContentRepository
from workcommunities.domain.content.schemas import PostOut
from workcommunities.domain.media.repositories import MediaRepository
from workcommunities.lib.errors import ARCHIVED, Conflict, Forbidden, NotFound
from workcommunities.lib.pagination import Page, Paged
from workcommunities.lib.repository import Service, Uses
from workcommunities.lib.schema import dedupe, parse_id, present
from workcommunities.lib.security import Principal

ARCHIVED_BY_MODERATOR = "Archived by a moderator"

CASE_NOT_FOUND = "Case not found"


class CommunityService(Service[Community, CommunityRepository]):
    repository_type = CommunityRepository

    cases = Uses(CaseRepository)
    companies = Uses(CompanyService)
    media = Uses(MediaRepository)

    # --- lists ----------------------------------------------------------------------------------------------------

    async def public(self, page: Page) -> Paged[CommunityOut]:
        return await self.repository.live(page)

    async def mine(self, caller: Principal, page: Page) -> list[CommunityOut]:
        """A company sees its own communities; anyone else the communities they are a member of."""
        if caller.role == Role.company:
            company_id = await self.companies.caller_company(caller)
            return await self.repository.of_company(company_id, page)
        return await self.repository.member_of(caller.user_id, CommunityOut, page)

    async def joinable(self, user_id: UUID, page: Page) -> list[CommunityOut]:
        return await self.repository.joinable(user_id, page)

    async def by_company(self, company: str, page: Page) -> list[CommunityOut]:
        """An unknown or malformed company simply has no communities."""
        if (company_id := parse_id(company)) is None:
            return []
        return await self.repository.of_company(company_id, page)

    async def posts(self, community: str, page: Page, viewer: Principal | None) -> Paged[PostOut]:
        """The community's posts, newest first (hidden ones only to its company and admins); archived communities
        still serve them, unknown ones have none."""
        if (community_id := parse_id(community)) is None:
            return Paged([], "")
        return await ContentRepository(session=self.repository.session).community_posts(community_id, page, viewer)

    # --- one community --------------------------------------------------------------------------------------------

    async def detail(self, community_id: UUID, viewer: Principal | None) -> CommunityDetailOut:
        return await self.repository.detail(community_id, viewer)

    async def members(self, community_id: UUID, viewer: Principal | None, page: Page) -> list[CommunityMemberOut]:
        await self.repository.require(community_id)
        return await self.repository.members(community_id, page, viewer)

    # --- create and edit (owner and admin) ------------------------------------------------------------------------

    async def columns(self, values: dict[str, Any]) -> dict[str, Any]:
        """A body's present fields as columns: tags trimmed and deduplicated (null is []), the logo must exist; an
        un-archived community is no longer a moderator's archive."""
        if "tags" in values:
            values["tags"] = dedupe(values["tags"])
        if values.get("is_archived") is False:
            values["archived_by_moderator"] = False
        await self.media.resolve(values, "logo_media_id")
        return values

    async def create_for_company(self, company_id: UUID, data: CommunityCreateIn) -> CommunityOut:
        """`POST /communities`: always the caller's company; a `company_id` in the body is ignored."""
        return await self._create(company_id, data)

    async def create_as_admin(self, data: CommunityCreateIn) -> CommunityOut:
        """`POST /admin/communities`: the body's `company_id` is honoured; null or "" means no company."""
        company_id = None
        if data.company_id:
            company_id = parse_id(data.company_id)
            if company_id is None:
                raise NotFound()
            await self.companies.repository.require(company_id)  # a live company (404 for a deleted one)
        return await self._create(company_id, data)

    async def _create(self, company_id: UUID | None, data: CommunityCreateIn) -> CommunityOut:
        community = await self.create({**present(data), "company_id": company_id, "is_archived": False})
        return await self.repository.out(community.id)

    async def update_owned(self, company_id: UUID, community_id: UUID, data: CommunityUpdateIn) -> CommunityOut:
        """The company's edit; a community a moderator archived stays archived (403), only an admin restores it."""
        community = await self.owned(company_id, community_id)
        if community.archived_by_moderator and data.is_archived is False:
            raise Forbidden(ARCHIVED_BY_MODERATOR)
        return await self.update_any(community_id, data)

    async def update_any(self, community_id: UUID, data: CommunityUpdateIn) -> CommunityOut:
        """An admin's edit (the owner's, once checked): unknown → 404."""
        await self.patch(community_id, data)
        return await self.repository.out(community_id)

    # --- ownership (communities, and the posts, events and cases in them) -----------------------------------------

    async def owned(self, company_id: UUID, community_id: UUID) -> Community:
        """A community of the company: 404 unknown, 403 another company's (or no company's)."""
        community = await self.get(community_id)
        if community.company_id is None or community.company_id != company_id:
            raise Forbidden()
        return community

    async def writable(self, company_id: UUID, community_id: UUID | None) -> UUID:
        """A community the company may publish into (posts, events, cases): 404 unknown (or malformed), 403 another
        company's, 409 archived."""
        if community_id is None:
            raise NotFound()
        if (await self.owned(company_id, community_id)).is_archived:
            raise Conflict(ARCHIVED)
        return community_id

    # --- membership -----------------------------------------------------------------------------------------------

    async def follow(self, community_id: UUID, user_id: UUID) -> None:
        if (await self.get(community_id)).is_archived:
            raise Conflict(ARCHIVED)
        await self.repository.follow(user_id, community_id)

    async def unfollow(self, community_id: UUID, user_id: UUID) -> None:
        await self.repository.require(community_id)
        await self.repository.unfollow(user_id, community_id)

    # --- cases ----------------------------------------------------------------------------------------------------

    async def add_case(self, company_id: UUID, community_id: UUID, data: CaseCreateIn) -> CaseOut:
        await self.writable(company_id, community_id)
        case = await self.cases.add(Case(community_id=community_id, **present(data)))
        return await self.cases.out(case.id)

    async def delete_case(self, company_id: UUID, community_id: UUID, case: str) -> None:
        """Deleting stays possible in an archived community. The case id is text: any id that names no case of
        this community, malformed or not, is 404 `Case not found`."""
        await self.owned(company_id, community_id)
        case_id = parse_id(case)
        if case_id is None or await self.cases.get_one_or_none(id=case_id, community_id=community_id) is None:
            raise NotFound(CASE_NOT_FOUND)
        await self.cases.delete(case_id)  # through the ORM, so the audit log records it (lib/audit.py)
