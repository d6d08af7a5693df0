"""`/admin`: company administration (the admin community routes live in domain/communities)."""

from __future__ import annotations

from litestar import Controller, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.admin.schemas import AdminCompanyUpdateIn, CompanyCreateIn
from workcommunities.domain.admin.services import AdminCompanyService
from workcommunities.domain.companies.schemas import CompanyOut
from workcommunities.lib.errors import NotFound, documented
from workcommunities.lib.schema import parse_id
from workcommunities.lib.security import BEARER, require_admin


def provide_admin_company_service(db_session: NamedDependency[AsyncSession]) -> AdminCompanyService:
    return AdminCompanyService(db_session)


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]
    dependencies = {"admin_companies": Provide(provide_admin_company_service, sync_to_thread=False)}

    @post(
        "/companies",
        status_code=200,
        guards=[require_admin],
        security=BEARER,
        responses=documented(400, 401, 403),
        summary="Create a company (no owner until a phone is bound and logs in)",
    )
    async def create_company(
        self, data: JSONBody[CompanyCreateIn], admin_companies: NamedDependency[AdminCompanyService]
    ) -> CompanyOut:
        return await admin_companies.create_company(data)

    @patch(
        "/companies/{company_id:str}",
        guards=[require_admin],
        security=BEARER,
        responses=documented(400, 401, 403, 404, 409),
        summary="Update any company, including the phone its OTP login binds to",
    )
    async def update_company(
        self,
        company_id: FromPath[str],
        data: JSONBody[AdminCompanyUpdateIn],
        admin_companies: NamedDependency[AdminCompanyService],
    ) -> CompanyOut:
        if (parsed := parse_id(company_id)) is None:
            raise NotFound()
        return await admin_companies.update_company(parsed, data)
