"""Company rules shared by `/companies` and `/admin/companies`: reading companies in a fixed number of statements,
creating and patching them (every referenced id checked), binding a phone, and following them."""

from __future__ import annotations

from functools import cached_property
from uuid import UUID

import msgspec
from advanced_alchemy.service import ModelDictT

from workcommunities.db.models import Community, Company, CompanyMedia, CompanySkill, Role
from workcommunities.domain.communities.repositories import CommunityRepository
from workcommunities.domain.companies.repositories import PHONE_TAKEN, CompanyRepository
from workcommunities.domain.companies.schemas import (
    AdminCompanyUpdateIn,
    CompanyCreateIn,
    CompanyDetailOut,
    CompanyOut,
    CompanyUpdateIn,
)
from workcommunities.domain.media.repositories import MediaRepository
from workcommunities.domain.reference.repositories import SkillRepository
from workcommunities.domain.users.repositories import UserRepository
from workcommunities.lib.errors import OTHER_ROLE, Conflict
from workcommunities.lib.pagination import Page
from workcommunities.lib.repository import Service, Session
from workcommunities.lib.schema import present
from workcommunities.lib.security import Principal


class CompanyService(Service[Company, CompanyRepository]):
    repository_type = CompanyRepository

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.media = MediaRepository(session=session)

    @cached_property
    def skills(self) -> SkillRepository:
        return SkillRepository(session=self.repository.session)

    # --- reads ----------------------------------------------------------------------------------------------------

    async def listing(self, page: Page) -> list[CompanyOut]:
        return await self.repository.listing(page)

    async def followed(self, user_id: UUID, page: Page) -> list[CompanyOut]:
        return await self.repository.followed(user_id, page)

    async def detail(self, company_id: UUID) -> CompanyDetailOut:
        """The company with its live communities (real member counts) and its gallery: four statements."""
        company = await self.repository.out(company_id)
        communities = CommunityRepository(session=self.repository.session)
        return CompanyDetailOut(
            **msgspec.structs.asdict(company),
            communities=await communities.live(None, Community.company_id == company_id),
            media=await self.repository.gallery(company_id),
        )

    async def caller_company(self, caller: Principal) -> UUID:
        return await self.repository.caller_company(caller)

    # --- writes ---------------------------------------------------------------------------------------------------

    async def to_model_on_create(self, data: ModelDictT[Company]) -> ModelDictT[Company]:
        return await self._columns(data)

    async def to_model_on_update(self, data: ModelDictT[Company]) -> ModelDictT[Company]:
        return await self._columns(data)

    async def _columns(self, data: ModelDictT[Company]) -> ModelDictT[Company]:
        """A body's present fields as columns: the logo must exist (`tags` and `media_uids` are link lists)."""
        values = present(data)
        if "logo_media_id" in values:
            values["logo_media_id"] = await self.media.existing_id(values["logo_media_id"], "logo_media_id")
        return values

    async def create_company(self, data: CompanyCreateIn) -> CompanyOut:
        """An admin's company: no owner and no phone until an admin binds one (D-32)."""
        skill_ids = await self.skills.existing_ids(data.tags or [], "tags")
        company = await self.create(data)
        await self.repository.replace_ordered(CompanySkill.company_id, company.id, CompanySkill.skill_id, skill_ids)
        return await self.repository.out(company.id)

    async def update_company(self, company_id: UUID, data: CompanyUpdateIn | AdminCompanyUpdateIn) -> CompanyOut:
        """Apply the present fields; lists replace the saved ones (null leaves them). An admin's body may bind or
        unbind the phone. Every referenced id and the phone are checked first; a refusal rolls everything back."""
        values = present(data)
        company = await self.get(company_id)
        skill_ids = media_ids = None
        if values.get("tags") is not None:
            skill_ids = await self.skills.existing_ids(values["tags"], "tags")
        if values.get("media_uids") is not None:
            media_ids = await self.media.existing_ids(values["media_uids"], "media_uids")
        if isinstance(phone := values.get("phone"), str) and phone != company.phone:
            await self._check_phone_free(company_id, phone)
        await self.update(data, item_id=company_id)
        if skill_ids is not None:
            await self.repository.replace_ordered(CompanySkill.company_id, company_id, CompanySkill.skill_id, skill_ids)
        if media_ids is not None:
            await self.repository.replace_ordered(CompanyMedia.company_id, company_id, CompanyMedia.media_id, media_ids)
        return await self.repository.out(company_id)

    async def _check_phone_free(self, company_id: UUID, phone: str) -> None:
        """Free for this company: no other company has it, and no student or admin logs in with it (their company
        OTP login would be refused with 409, so the binding could never be used)."""
        holder = await self.repository.get_one_or_none(phone=phone)
        if holder is not None and holder.id != company_id:
            raise Conflict(PHONE_TAKEN)
        user = await UserRepository(session=self.repository.session).get_one_or_none(phone=phone)
        if user is not None and user.role != Role.company:
            raise Conflict(OTHER_ROLE)

    # --- follows --------------------------------------------------------------------------------------------------

    async def follow(self, user_id: UUID, company_id: UUID) -> None:
        """Idempotent, also when two follows race."""
        await self.repository.require(company_id)
        await self.repository.follow(user_id, company_id)

    async def unfollow(self, user_id: UUID, company_id: UUID) -> None:
        await self.repository.require(company_id)
        await self.repository.unfollow(user_id, company_id)
