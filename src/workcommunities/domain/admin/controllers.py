"""`/admin`: companies and communities administration (their rules are the companies and communities services)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from workcommunities.domain.auth.guards import require_admin
from workcommunities.domain.communities.deps import community_service
from workcommunities.domain.communities.schemas import CommunityCreateIn, CommunityOut, CommunityUpdateIn
from workcommunities.domain.communities.services import CommunityService
from workcommunities.domain.companies.deps import company_service
from workcommunities.domain.companies.schemas import AdminCompanyUpdateIn, CompanyCreateIn, CompanyOut
from workcommunities.domain.companies.services import CompanyService
from workcommunities.lib.errors import documented


class AdminCompanyController(Controller):
    path = "/admin"
    tags = ["admin"]
    guards = [require_admin]
    dependencies = {"companies": company_service}

    @post(
        "/companies",
        status_code=200,
        responses=documented(400, 401, 403),
        summary="Create a company (no owner until a phone is bound and logs in)",
    )
    async def create_company(
        self, data: JSONBody[CompanyCreateIn], companies: NamedDependency[CompanyService]
    ) -> CompanyOut:
        return await companies.create_company(data)

    @patch(
        "/companies/{company_id:uuid}",
        responses=documented(400, 401, 403, 404, 409),
        summary="Update any company, including the phone its OTP login binds to",
    )
    async def update_company(
        self,
        company_id: FromPath[UUID],
        data: JSONBody[AdminCompanyUpdateIn],
        companies: NamedDependency[CompanyService],
    ) -> CompanyOut:
        return await companies.update_company(company_id, data)


class AdminCommunityController(Controller):
    path = "/admin/communities"
    tags = ["admin"]
    guards = [require_admin]
    dependencies = {"communities": community_service}

    @post(
        "/",
        status_code=200,
        responses=documented(400, 401, 403, 404),
        summary="Create a community for any company, or for none",
    )
    async def create(
        self, data: JSONBody[CommunityCreateIn], communities: NamedDependency[CommunityService]
    ) -> CommunityOut:
        return await communities.create_as_admin(data)

    @patch(
        "/{community_id:uuid}",
        responses=documented(400, 401, 403, 404),
        summary="Edit or archive any community (only the given fields)",
    )
    async def update(
        self,
        community_id: FromPath[UUID],
        data: JSONBody[CommunityUpdateIn],
        communities: NamedDependency[CommunityService],
    ) -> CommunityOut:
        return await communities.update_any(community_id, data)
