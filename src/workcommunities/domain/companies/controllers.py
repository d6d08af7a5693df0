"""`/companies`: the public directory, the caller's own company, and following companies. Fixed paths (`me`,
`me/followed`) win over `{company_id}`."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from workcommunities.domain.auth.guards import require_company, require_user
from workcommunities.domain.companies.deps import company_service
from workcommunities.domain.companies.schemas import CompanyDetailOut, CompanyOut, CompanyUpdateIn
from workcommunities.domain.companies.services import CompanyService
from workcommunities.lib.errors import documented
from workcommunities.lib.pagination import Page, page_provider
from workcommunities.lib.schema import StatusOk
from workcommunities.lib.security import Principal


class CompanyController(Controller):
    path = "/companies"
    tags = ["companies"]
    dependencies = {"companies": company_service}

    @get(
        "/",
        dependencies={"page": page_provider(100)},
        responses=documented(),
        summary="Every company, by name (public)",
    )
    async def list_companies(
        self, companies: NamedDependency[CompanyService], page: NamedDependency[Page]
    ) -> list[CompanyOut]:
        return await companies.listing(page)

    @get(
        "/{company_id:uuid}",
        responses=documented(404, validation=False),
        summary="A company with its communities and gallery (public)",
    )
    async def company(self, company_id: FromPath[UUID], companies: NamedDependency[CompanyService]) -> CompanyDetailOut:
        return await companies.detail(company_id)

    @get(
        "/me",
        guards=[require_company],
        responses=documented(401, 403, validation=False),
        summary="The caller's company with its communities and gallery",
    )
    async def my_company(
        self, company: NamedDependency[UUID], companies: NamedDependency[CompanyService]
    ) -> CompanyDetailOut:
        return await companies.detail(company)

    @patch(
        "/me",
        guards=[require_company],
        responses=documented(400, 401, 403),
        summary="Update the caller's company (only the fields given)",
    )
    async def update_my_company(
        self,
        company: NamedDependency[UUID],
        data: JSONBody[CompanyUpdateIn],
        companies: NamedDependency[CompanyService],
    ) -> CompanyOut:
        return await companies.update_company(company, data)

    @get(
        "/me/followed",
        guards=[require_user],
        dependencies={"page": page_provider(100)},
        responses=documented(401),
        summary="The companies the caller follows, by name",
    )
    async def followed_companies(
        self,
        caller: NamedDependency[Principal],
        companies: NamedDependency[CompanyService],
        page: NamedDependency[Page],
    ) -> list[CompanyOut]:
        return await companies.followed(caller.user_id, page)

    @post(
        "/{company_id:uuid}/follow",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 404, validation=False),
        summary="Follow a company (idempotent)",
    )
    async def follow(
        self,
        caller: NamedDependency[Principal],
        company_id: FromPath[UUID],
        companies: NamedDependency[CompanyService],
    ) -> StatusOk:
        await companies.follow(caller.user_id, company_id)
        return StatusOk()

    @delete(
        "/{company_id:uuid}/follow",
        guards=[require_user],
        status_code=200,
        responses=documented(401, 404, validation=False),
        summary="Stop following a company (idempotent)",
    )
    async def unfollow(
        self,
        caller: NamedDependency[Principal],
        company_id: FromPath[UUID],
        companies: NamedDependency[CompanyService],
    ) -> StatusOk:
        await companies.unfollow(caller.user_id, company_id)
        return StatusOk()
