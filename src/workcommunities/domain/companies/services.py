"""Company rules shared by `/companies` and `/admin/companies`: reading companies with their skills in a fixed number
of statements, creating and patching them (ids validated before anything is written), and following them."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from msgspec import UNSET, UnsetType
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db import AnyRow, AnySelect, insert_ignore, replace_ordered
from workcommunities.db.models import (
    Community,
    Company,
    CompanyFollow,
    CompanyMedia,
    CompanySkill,
    Media,
    Role,
    User,
)
from workcommunities.domain.auth.services import OTHER_ROLE
from workcommunities.domain.communities.reads import LIST_ORDER, communities_query, list_communities
from workcommunities.domain.companies.schemas import CompanyCreateIn, CompanyDetailOut, CompanyOut, CompanyUpdateIn
from workcommunities.domain.media.reads import MEDIA_COLUMNS, existing_media_id, existing_media_ids, media_out
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.domain.reference.services import existing_skill_ids, ordered_skills
from workcommunities.lib.errors import Conflict, NotFound
from workcommunities.lib.pagination import Page
from workcommunities.lib.schema import hex_id

PHONE_TAKEN = "Phone is registered with another company"

# Only what a response shows: never the phone, the e-mail or the owner.
COMPANY_COLUMNS = (Company.id, Company.name, Company.description, Company.logo_media_id)
# Every company list: by name, the id as tiebreak (index ix_company_name).
NAME_ORDER = (Company.name, Company.id)


class CompanyService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- reads ----------------------------------------------------------------------------------------------------

    async def listing(self, page: Page) -> list[CompanyOut]:
        """Every company by name: two statements per page."""
        return await self._companies(page.apply(select(*COMPANY_COLUMNS).order_by(*NAME_ORDER)))

    async def followed(self, user_id: UUID, page: Page) -> list[CompanyOut]:
        """The companies the user follows, by name: two statements per page."""
        query = (
            select(*COMPANY_COLUMNS)
            .join(CompanyFollow, CompanyFollow.company_id == Company.id)
            .where(CompanyFollow.user_id == user_id)
            .order_by(*NAME_ORDER)
        )
        return await self._companies(page.apply(query))

    async def get(self, company_id: UUID) -> CompanyOut:
        companies = await self._companies(select(*COMPANY_COLUMNS).where(Company.id == company_id))
        if not companies:
            raise NotFound()
        return companies[0]

    async def detail(self, company_id: UUID) -> CompanyDetailOut:
        """The company with its live communities (real member counts) and its gallery: four statements."""
        company = await self.get(company_id)
        communities = await list_communities(
            self.session,
            communities_query()
            .where(Community.company_id == company_id, Community.is_archived.is_(False))
            .order_by(*LIST_ORDER),
        )
        return CompanyDetailOut(
            id=company.id,
            name=company.name,
            description=company.description,
            logo_media_id=company.logo_media_id,
            skills=company.skills,
            communities=communities,
            media=await self._gallery(company_id),
        )

    async def _companies(self, query: AnySelect) -> list[CompanyOut]:
        """Companies from a query over COMPANY_COLUMNS, with their skills loaded in one more statement."""
        rows = list(await self.session.execute(query))
        skills = await self._skills([row.id for row in rows])
        return [_company_out(row, skills.get(row.id, [])) for row in rows]

    async def _skills(self, company_ids: Sequence[UUID]) -> dict[UUID, list[SkillOut]]:
        return await ordered_skills(self.session, CompanySkill.company_id, company_ids)

    async def _gallery(self, company_id: UUID) -> list[MediaOut]:
        query = (
            select(*MEDIA_COLUMNS)
            .join(CompanyMedia, CompanyMedia.media_id == Media.id)
            .where(CompanyMedia.company_id == company_id)
            .order_by(CompanyMedia.position)
        )
        return [media_out(row) for row in await self.session.execute(query)]

    # --- writes ---------------------------------------------------------------------------------------------------

    async def create(self, data: CompanyCreateIn) -> CompanyOut:
        """A company with no owner and no phone (an admin binds a phone later); ids checked first."""
        logo_media_id = await existing_media_id(self.session, data.logo_media_id)
        skill_ids = await existing_skill_ids(self.session, data.tags or [], "tags")
        company = Company(name=data.name, description=data.description or None, logo_media_id=logo_media_id)
        self.session.add(company)
        await self.session.flush()
        await replace_ordered(self.session, CompanySkill.company_id, company.id, CompanySkill.skill_id, skill_ids)
        return await self.get(company.id)

    async def update(
        self, company_id: UUID, data: CompanyUpdateIn, *, phone: str | UnsetType | None = UNSET
    ) -> CompanyOut:
        """Apply the present fields. Every referenced id (logo, skills, media) and the phone are checked before the
        first write, so a refused body changes nothing. An empty body changes nothing and returns the company."""
        company = await self.session.get(Company, company_id)
        if company is None:
            raise NotFound()
        logo: UUID | UnsetType | None = UNSET
        if not isinstance(data.logo_media_id, UnsetType):
            logo = await existing_media_id(self.session, data.logo_media_id)
        skill_ids: list[UUID] | None = None
        if isinstance(data.tags, list):
            skill_ids = await existing_skill_ids(self.session, data.tags, "tags")
        media_ids: list[UUID] | None = None
        if isinstance(data.media_uids, list):
            media_ids = await existing_media_ids(self.session, data.media_uids)
        if isinstance(phone, str) and phone != company.phone:
            await self._check_phone_free(company_id, phone)

        if not isinstance(data.name, UnsetType):
            company.name = data.name
        if not isinstance(data.description, UnsetType):
            company.description = data.description or None
        if not isinstance(logo, UnsetType):
            company.logo_media_id = logo
        if not isinstance(phone, UnsetType):
            company.phone = phone
        try:
            await self.session.flush()
        except IntegrityError as exc:  # a concurrent request took the phone between the check and the write
            raise Conflict(PHONE_TAKEN) from exc
        if skill_ids is not None:
            await replace_ordered(self.session, CompanySkill.company_id, company_id, CompanySkill.skill_id, skill_ids)
        if media_ids is not None:
            await replace_ordered(self.session, CompanyMedia.company_id, company_id, CompanyMedia.media_id, media_ids)
        return await self.get(company_id)

    async def _check_phone_free(self, company_id: UUID, phone: str) -> None:
        """Free for this company: no other company has it, and no student or admin logs in with it (their company
        OTP login would be refused with 409, so the binding could never be used)."""
        taken = await self.session.scalar(select(Company.id).where(Company.phone == phone, Company.id != company_id))
        if taken is not None:
            raise Conflict(PHONE_TAKEN)
        role = await self.session.scalar(select(User.role).where(User.phone == phone))
        if role is not None and role != Role.company:
            raise Conflict(OTHER_ROLE)

    # --- follows --------------------------------------------------------------------------------------------------

    async def follow(self, user_id: UUID, company_id: UUID) -> None:
        """Idempotent: one row per pair, also when two requests race (the loser's insert is a no-op)."""
        await self._require(company_id)
        await insert_ignore(self.session, CompanyFollow, user_id=user_id, company_id=company_id)

    async def unfollow(self, user_id: UUID, company_id: UUID) -> None:
        await self._require(company_id)
        await self.session.execute(
            delete(CompanyFollow).where(CompanyFollow.user_id == user_id, CompanyFollow.company_id == company_id)
        )

    async def _require(self, company_id: UUID) -> None:
        if await self.session.scalar(select(Company.id).where(Company.id == company_id)) is None:
            raise NotFound()


def _company_out(row: AnyRow, skills: list[SkillOut]) -> CompanyOut:
    return CompanyOut(
        id=row.id.hex,
        name=row.name,
        description=row.description or "",
        logo_media_id=hex_id(row.logo_media_id),
        skills=skills,
    )
