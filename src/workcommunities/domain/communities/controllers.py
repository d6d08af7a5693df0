"""`/communities` and `/admin/communities`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

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
from workcommunities.lib.pagination import Page, page_provider
from workcommunities.lib.schema import StatusOk
from workcommunities.lib.security import (
    BEARER,
    Principal,
    authenticate,
    optional_principal,
    require_admin,
    require_company,
    require_user,
)

CallerRequest = Request[Principal, Any, Any]


def provide_community_service(db_session: NamedDependency[AsyncSession]) -> CommunityService:
    return CommunityService(db_session)


class CommunityController(Controller):
    path = "/communities"
    tags = ["communities"]
    dependencies = {"communities": Provide(provide_community_service, sync_to_thread=False)}

    # Fixed paths (mine, joinable, by-company) are static segments: they win over `{community_id}`.

    @get(
        "/mine",
        guards=[require_user],
        security=BEARER,
        dependencies={"page": page_provider(100)},
        responses=documented(401, 403),
        summary="Communities of the caller's company (company role) or the ones the caller is a member of",
    )
    async def mine(
        self, request: CallerRequest, communities: NamedDependency[CommunityService], page: NamedDependency[Page]
    ) -> list[CommunityOut]:
        principal, claims = await authenticate(request)
        return await communities.mine(principal, claims.get("company_id"), page)

    @get(
        "/joinable",
        guards=[require_user],
        security=BEARER,
        dependencies={"page": page_provider(20)},
        responses=documented(401),
        summary="Communities the caller is not a member of, by name",
    )
    async def joinable(
        self, request: CallerRequest, communities: NamedDependency[CommunityService], page: NamedDependency[Page]
    ) -> list[CommunityOut]:
        return await communities.joinable(request.user.user_id, page)

    @get(
        "/",
        dependencies={"page": page_provider(100)},
        responses=documented(),
        summary="Every non-archived community, by name",
    )
    async def list_all(
        self, communities: NamedDependency[CommunityService], page: NamedDependency[Page]
    ) -> list[CommunityOut]:
        return await communities.public(page)

    @post(
        "/",
        status_code=200,
        guards=[require_company],
        security=BEARER,
        responses=documented(400, 401, 403),
        summary="Create a community of the caller's company",
    )
    async def create(
        self,
        request: CallerRequest,
        data: JSONBody[CommunityCreateIn],
        communities: NamedDependency[CommunityService],
    ) -> CommunityOut:
        return await communities.create_for_company(data, request.user)

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
        "/{community_id:str}",
        responses=documented(404, validation=False),
        summary="A community with its cases and first 100 members (archived ones too)",
    )
    async def detail(
        self, request: CallerRequest, community_id: FromPath[str], communities: NamedDependency[CommunityService]
    ) -> CommunityDetailOut:
        return await communities.detail(community_id, await optional_principal(request))

    @get(
        "/{community_id:str}/members",
        dependencies={"page": page_provider(100)},
        responses=documented(404),
        summary="A community's members in join order",
    )
    async def members(
        self,
        request: CallerRequest,
        community_id: FromPath[str],
        communities: NamedDependency[CommunityService],
        page: NamedDependency[Page],
    ) -> list[CommunityMemberOut]:
        return await communities.members(community_id, await optional_principal(request), page)

    @patch(
        "/{community_id:str}",
        guards=[require_company],
        security=BEARER,
        responses=documented(400, 401, 403, 404),
        summary="Edit or archive one of the caller's company's communities (only the given fields)",
    )
    async def update(
        self,
        request: CallerRequest,
        community_id: FromPath[str],
        data: JSONBody[CommunityUpdateIn],
        communities: NamedDependency[CommunityService],
    ) -> CommunityOut:
        return await communities.update(community_id, data, owner=request.user)

    @post(
        "/{community_id:str}/follow",
        status_code=200,
        guards=[require_user],
        security=BEARER,
        responses=documented(401, 404, 409, validation=False),
        summary="Become a member (idempotent)",
    )
    async def follow(
        self, request: CallerRequest, community_id: FromPath[str], communities: NamedDependency[CommunityService]
    ) -> StatusOk:
        await communities.follow(community_id, request.user.user_id)
        return StatusOk()

    @delete(
        "/{community_id:str}/follow",
        status_code=200,
        guards=[require_user],
        security=BEARER,
        responses=documented(401, 404, validation=False),
        summary="Stop being a member (idempotent)",
    )
    async def unfollow(
        self, request: CallerRequest, community_id: FromPath[str], communities: NamedDependency[CommunityService]
    ) -> StatusOk:
        await communities.unfollow(community_id, request.user.user_id)
        return StatusOk()

    @get(
        "/{community_id:str}/posts",
        dependencies={"page": page_provider(20)},
        responses=documented(),
        summary="A community's posts, newest first (unknown community: empty list)",
    )
    async def posts(
        self, community_id: FromPath[str], communities: NamedDependency[CommunityService], page: NamedDependency[Page]
    ) -> list[PostOut]:
        return await communities.posts(community_id, page)

    @post(
        "/{community_id:str}/cases",
        status_code=200,
        guards=[require_company],
        security=BEARER,
        responses=documented(401, 403, 404, 409),
        summary="Add a case to one of the caller's company's communities",
    )
    async def add_case(
        self,
        request: CallerRequest,
        community_id: FromPath[str],
        data: JSONBody[CaseCreateIn],
        communities: NamedDependency[CommunityService],
    ) -> CaseOut:
        return await communities.add_case(community_id, data, request.user)

    @delete(
        "/{community_id:str}/cases/{case_id:str}",
        status_code=200,
        guards=[require_company],
        security=BEARER,
        responses=documented(401, 403, 404, validation=False),
        summary="Delete a case of one of the caller's company's communities",
    )
    async def delete_case(
        self,
        request: CallerRequest,
        community_id: FromPath[str],
        case_id: FromPath[str],
        communities: NamedDependency[CommunityService],
    ) -> StatusOk:
        await communities.delete_case(community_id, case_id, request.user)
        return StatusOk()


class AdminCommunityController(Controller):
    path = "/admin/communities"
    tags = ["admin"]
    guards = [require_admin]
    dependencies = {"communities": Provide(provide_community_service, sync_to_thread=False)}

    @post(
        "/",
        status_code=200,
        security=BEARER,
        responses=documented(400, 401, 403, 404),
        summary="Create a community for any company, or for none",
    )
    async def create(
        self, data: JSONBody[CommunityCreateIn], communities: NamedDependency[CommunityService]
    ) -> CommunityOut:
        return await communities.create_as_admin(data)

    @patch(
        "/{community_id:str}",
        security=BEARER,
        responses=documented(400, 401, 403, 404),
        summary="Edit or archive any community (only the given fields)",
    )
    async def update(
        self,
        community_id: FromPath[str],
        data: JSONBody[CommunityUpdateIn],
        communities: NamedDependency[CommunityService],
    ) -> CommunityOut:
        return await communities.update(community_id, data, owner=None)
