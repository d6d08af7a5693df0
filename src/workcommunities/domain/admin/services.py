"""Admin company operations: the company rules of `CompanyService`, without the ownership of `/companies/me`."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.admin.schemas import AdminCompanyUpdateIn
from workcommunities.domain.companies.schemas import CompanyCreateIn, CompanyOut
from workcommunities.domain.companies.services import CompanyService


class AdminCompanyService:
    def __init__(self, session: AsyncSession) -> None:
        self.companies = CompanyService(session)

    async def create_company(self, data: CompanyCreateIn) -> CompanyOut:
        return await self.companies.create(data)

    async def update_company(self, company_id: UUID, data: AdminCompanyUpdateIn) -> CompanyOut:
        return await self.companies.update(company_id, data, phone=data.phone)
