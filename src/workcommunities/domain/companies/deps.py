"""Providers of the companies slice, and `company`: the caller's company on company routes."""

from __future__ import annotations

from uuid import UUID

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.domain.companies.services import CompanyService
from workcommunities.lib.security import Principal


def provide_company_service(db_session: NamedDependency[AsyncSession]) -> CompanyService:
    return CompanyService(db_session)


async def provide_company(caller: NamedDependency[Principal], db_session: NamedDependency[AsyncSession]) -> UUID:
    """The company the caller acts for, or 403 `Company is not set for this user` (declared once, in app.py)."""
    return await CompanyService(db_session).caller_company(caller)


company_service = Provide(provide_company_service, sync_to_thread=False)
