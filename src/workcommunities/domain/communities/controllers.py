"""`/communities` (`/admin/communities` is in domain/admin)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from workcommunities.domain.auth.guards import require_company, require_user
from workcommunities.domain.communities.deps import community_service
from workcommunities.domain.communities.schemas import (
    CaseCreateIn,
    CaseOut,
    CommunityCreateIn,
    CommunityDetailOut,
    CommunityMemberOut,
    CommunityOut,
    CommunityUpdateIn,
)
from workcommunities.domain.communities.services import CommunityService
from workcommunities.domain.content.schemas import PostOut
from workcommunities.lib.errors import documented
from workcommunities.lib.pagination import NEXT_CURSOR_HEADERS, Page, keyset_page, page_provider
from workcommunities.lib.schema import StatusOk
from workcommunities.lib.security import Principal

# Fixed segments (mine, joinable, by-company) win over `{community_id}`.


class CommunityController(Controller):
    path = "/communities"
    tags = ["communities"]
    dependencies = {"communities": community_service}

    @get(
        "/",
        dependencies={"page": page_provider(100)},
        responses=documented(),
        summary="Every non-archived community, by name",
    )
    async def list_all(
        self, communities: NamedDependency[CommunityService], page: NamedDependency[Page]
    ) -> Response[list[CommunityOut]]:
        return (await communities.public(page)).response()

    @get(
        "/by-company/{company_id:str}",
        dependencies={"page": page_provider(100)},
        responses=documented(),
        summary="A company's non-archived communities, by name (unknown company: empty list)",
    )
    async def by_company(
        self, company_id: FromPath[str], communities: NamedDependency[CommunityService], page: NamedDependency[Page]
    ) -> list[CommunityOut]:
        return await communities.by_company(company_id, page)

    @get(
        "/{community_id:str}/posts",
        dependencies=keyset_page(20),
        response_headers=NEXT_CURSOR_HEADERS,
        responses=documented(400),
        summary="A community's posts, newest first, hidden ones only to its company and admins (unknown community: "
        "empty list)",
    )
    async def posts(
        self,
        community_id: FromPath[str],
        communities: NamedDependency[CommunityService],
        page: NamedDependency[Page],
        viewer: NamedDependency[Principal | None],
    ) -> Response[list[PostOut]]:
        return (await communities.posts(community_id, page, viewer)).response()

    @get(
        "/{community_id:uuid}",
        responses=documented(404, validation=False),
        summary="A community with its cases and first 100 members (archived ones too)",
    )
    async def detail(
        self,
        community_id: FromPath[UUID],
        communities: NamedDependency[CommunityService],
        viewer: NamedDependency[Principal | None],
    ) -> CommunityDetailOut:
        return await communities.detail(community_id, viewer)

    @get(
        "/{community_id:uuid}/members",
        dependencies={"page": page_provider(100)},
        responses=documented(404),
        summary="A community's members in join order",
    )
    async def members(
        self,
        community_id: FromPath[UUID],
        communities: NamedDependency[CommunityService],
        viewer: NamedDependency[Principal | None],
        page: NamedDependency[Page],
    ) -> list[CommunityMemberOut]:
        return await communities.members(community_id, viewer, page)

    @get(
        "/mine",
        guards=[require_user],
        dependencies={"page": page_provider(100)},
        responses=documented(401, 403),
        summary="Communities of the caller's company (company role) or the ones the caller is a member of",
    )
    async def mine(
        self,
        caller: NamedDependency[Principal],
        communities: NamedDependency[CommunityService],
        page: NamedDependency[Page],
    ) -> list[CommunityOut]:
        return await communities.mine(caller, page)

    @get(
        "/joinable",
        guards=[require_user],
        dependencies={"page": page_provider(20)},
        responses=documented(401),
        summary="Communities the caller is not a member of, by name",
    )
    async def joinable(
        self,
        caller: NamedDependency[Principal],
        communities: NamedDependency[CommunityService],
        page: NamedDependency[Page],
    ) -> list[CommunityOut]:
        return await communities.joinable(caller.user_id, page)

    @post(
        "/{community_id:uuid}/follow",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 404, 409, validation=False),
        summary="Become a member (idempotent)",
    )
    async def follow(
        self,
        caller: NamedDependency[Principal],
        community_id: FromPath[UUID],
        communities: NamedDependency[CommunityService],
    ) -> StatusOk:
        await communities.follow(community_id, caller.user_id)
        return StatusOk()

    @delete(
        "/{community_id:uuid}/follow",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 404, validation=False),
        summary="Stop being a member (idempotent)",
    )
    async def unfollow(
        self,
        caller: NamedDependency[Principal],
        community_id: FromPath[UUID],
        communities: NamedDependency[CommunityService],
    ) -> StatusOk:
        await communities.unfollow(community_id, caller.user_id)
        return StatusOk()

    @post(
        "/",
        status_code=200,
        guards=[require_company],
        responses=documented(400, 401, 403),
        summary="Create a community of the caller's company",
    )
    async def create(
        self,
        company: NamedDependency[UUID],
        data: JSONBody[CommunityCreateIn],
        communities: NamedDependency[CommunityService],
    ) -> CommunityOut:
        return await communities.create_for_company(company, data)

    @patch(
        "/{community_id:uuid}",
        guards=[require_company],
        responses=documented(400, 401, 403, 404),
        summary="Edit or archive one of the caller's company's communities (only the given fields)",
    )
    async def update(
        self,
        company: NamedDependency[UUID],
        community_id: FromPath[UUID],
        data: JSONBody[CommunityUpdateIn],
        communities: NamedDependency[CommunityService],
    ) -> CommunityOut:
        return await communities.update_owned(company, community_id, data)

    @post(
        "/{community_id:uuid}/cases",
        guards=[require_company],
        status_code=200,
        responses=documented(401, 403, 404, 409),
        summary="Add a case to one of the caller's company's communities",
    )
    async def add_case(
        self,
        company: NamedDependency[UUID],
        community_id: FromPath[UUID],
        data: JSONBody[CaseCreateIn],
        communities: NamedDependency[CommunityService],
    ) -> CaseOut:
        return await communities.add_case(company, community_id, data)

    @delete(
        # The case id stays text: its 404 says `Case not found` (contract §2.6), malformed or unknown alike.
        "/{community_id:uuid}/cases/{case_id:str}",
        guards=[require_company],
        status_code=200,
        responses=documented(401, 403, 404, validation=False),
        summary="Delete a case of one of the caller's company's communities",
    )
    async def delete_case(
        self,
        company: NamedDependency[UUID],
        community_id: FromPath[UUID],
        case_id: FromPath[str],
        communities: NamedDependency[CommunityService],
    ) -> StatusOk:
        await communities.delete_case(company, community_id, case_id)
        return StatusOk()
