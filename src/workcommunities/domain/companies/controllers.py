"""`/companies`: the public directory, the caller's own company, and following companies."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.companies.schemas import CompanyDetailOut, CompanyOut, CompanyUpdateIn
from workcommunities.domain.companies.services import CompanyService
from workcommunities.lib.errors import NotFound, documented
from workcommunities.lib.pagination import Page, page_provider
from workcommunities.lib.schema import StatusOk, parse_id
from workcommunities.lib.security import BEARER, Principal, require_company, require_user


def provide_company_service(db_session: NamedDependency[AsyncSession]) -> CompanyService:
    return CompanyService(db_session)


def _company_id(value: str) -> UUID:
    if (company_id := parse_id(value)) is None:
        raise NotFound()
    return company_id


def _own_company(request: Request[Principal, Any, Any]) -> UUID:
    """The caller's company, set by `require_company`."""
    if (company_id := request.user.company_id) is None:  # pragma: no cover - the guard guarantees it
        raise NotFound()
    return company_id


class CompanyController(Controller):
    path = "/companies"
    tags = ["companies"]
    dependencies = {"companies": Provide(provide_company_service, sync_to_thread=False)}

    # Fixed paths (`me`, `me/followed`) are declared before `{company_id}`; the router prefers them anyway.

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
        "/me",
        guards=[require_company],
        security=BEARER,
        responses=documented(401, 403, validation=False),
        summary="The caller's company with its communities and gallery",
    )
    async def my_company(
        self, request: Request[Principal, Any, Any], companies: NamedDependency[CompanyService]
    ) -> CompanyDetailOut:
        return await companies.detail(_own_company(request))

    @patch(
        "/me",
        guards=[require_company],
        security=BEARER,
        responses=documented(400, 401, 403),
        summary="Update the caller's company (only the fields given)",
    )
    async def update_my_company(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[CompanyUpdateIn],
        companies: NamedDependency[CompanyService],
    ) -> CompanyOut:
        return await companies.update(_own_company(request), data)

    @get(
        "/me/followed",
        guards=[require_user],
        security=BEARER,
        dependencies={"page": page_provider(100)},
        responses=documented(401),
        summary="The companies the caller follows, by name",
    )
    async def followed_companies(
        self,
        request: Request[Principal, Any, Any],
        companies: NamedDependency[CompanyService],
        page: NamedDependency[Page],
    ) -> list[CompanyOut]:
        return await companies.followed(request.user.user_id, page)

    @get(
        "/{company_id:str}",
        responses=documented(404, validation=False),
        summary="A company with its communities and gallery (public)",
    )
    async def company(self, company_id: FromPath[str], companies: NamedDependency[CompanyService]) -> CompanyDetailOut:
        return await companies.detail(_company_id(company_id))

    @post(
        "/{company_id:str}/follow",
        status_code=200,
        guards=[require_user],
        security=BEARER,
        responses=documented(401, 404, validation=False),
        summary="Follow a company (idempotent)",
    )
    async def follow(
        self,
        request: Request[Principal, Any, Any],
        company_id: FromPath[str],
        companies: NamedDependency[CompanyService],
    ) -> StatusOk:
        await companies.follow(request.user.user_id, _company_id(company_id))
        return StatusOk()

    @delete(
        "/{company_id:str}/follow",
        status_code=200,
        guards=[require_user],
        security=BEARER,
        responses=documented(401, 404, validation=False),
        summary="Stop following a company (idempotent)",
    )
    async def unfollow(
        self,
        request: Request[Principal, Any, Any],
        company_id: FromPath[str],
        companies: NamedDependency[CompanyService],
    ) -> StatusOk:
        await companies.unfollow(request.user.user_id, _company_id(company_id))
        return StatusOk()
