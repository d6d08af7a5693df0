"""Company rules shared by `/companies` and `/admin/companies`: reading companies in a fixed number of statements,
creating and patching them (every referenced id checked), binding a phone, and following them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from workcommunities.db.models import Company, CompanyMedia, CompanySkill, Role
from workcommunities.domain.communities.repositories import CommunityRepository
from workcommunities.domain.companies.repositories import CompanyRepository
from workcommunities.domain.companies.schemas import (
    AdminCompanyUpdateIn,
    CompanyCreateIn,
    CompanyDetailOut,
    CompanyOut,
    CompanyUpdateIn,
)
from workcommunities.domain.media.repositories import MediaRepository
from workcommunities.domain.media.storage import MediaStorage
from workcommunities.domain.reference.repositories import SkillRepository
from workcommunities.domain.users.repositories import UserRepository
from workcommunities.domain.users.services import UserService
from workcommunities.lib.errors import NO_COMPANY, OTHER_ROLE, Conflict, Forbidden
from workcommunities.lib.pagination import Page
from workcommunities.lib.repository import Service, Uses
from workcommunities.lib.schema import present
from workcommunities.lib.security import Principal, RecentCallers


class CompanyService(Service[Company, CompanyRepository]):
    repository_type = CompanyRepository

    media = Uses(MediaRepository)
    skills = Uses(SkillRepository)
    communities = Uses(CommunityRepository)
    users = Uses(UserRepository)

    # --- reads ----------------------------------------------------------------------------------------------------

    async def listing(self, page: Page) -> list[CompanyOut]:
        return await self.repository.listing(page)

    async def followed(self, user_id: UUID, page: Page) -> list[CompanyOut]:
        return await self.repository.followed(user_id, page)

    async def detail(self, company_id: UUID) -> CompanyDetailOut:
        return await self.repository.detail(company_id)

    async def caller_company(self, caller: Principal) -> UUID:
        """The company a company user acts for; none → 403 (the `company` dependency of company routes)."""
        if (company_id := await self.repository.acting_company(caller)) is None:
            raise Forbidden(NO_COMPANY)
        return company_id

    # --- writes ---------------------------------------------------------------------------------------------------

    async def columns(self, values: dict[str, Any]) -> dict[str, Any]:
        """A body's present fields as columns: the logo must exist (`tags` and `media_uids` are link lists)."""
        await self.media.resolve(values, "logo_media_id")
        return values

    async def create_company(self, data: CompanyCreateIn) -> CompanyOut:
        """An admin's company: no owner and no phone until an admin binds one (D-32)."""
        company = await self.create(data)
        skill_ids = await self.skills.existing_ids(data.tags or [], "tags")
        await self.repository.replace_ordered(
            CompanySkill.company_id, company.id, CompanySkill.skill_id, skill_ids, audited="company"
        )
        return await self.repository.out(company.id)

    async def update_company(self, company_id: UUID, data: CompanyUpdateIn | AdminCompanyUpdateIn) -> CompanyOut:
        """Apply the present fields; lists replace the saved ones (null leaves them). An admin's body may bind or
        unbind the phone: one another company has is a 409 by its unique key, one a student or admin logs in with is
        a 409 too (their company login would be refused, so the binding could never be used)."""
        values = present(data)
        await self.repository.require(company_id)  # a deleted company is gone for admins too
        phone_before = (await self.get(company_id)).phone if "phone" in values else None
        await self.patch(company_id, values)
        if values.get("tags") is not None:
            skill_ids = await self.skills.existing_ids(values["tags"], "tags")
            await self.repository.replace_ordered(
                CompanySkill.company_id, company_id, CompanySkill.skill_id, skill_ids, audited="company"
            )
        if values.get("media_uids") is not None:
            media_ids = await self.media.existing_ids(values["media_uids"], "media_uids")
            await self.repository.replace_ordered(
                CompanyMedia.company_id, company_id, CompanyMedia.media_id, media_ids, audited="company"
            )
        if isinstance(phone := values.get("phone"), str) and phone != phone_before:
            user = await self.users.get_one_or_none(phone=phone)
            if user is not None and user.role != Role.company:
                raise Conflict(OTHER_ROLE)
        return await self.repository.out(company_id)

    async def delete_company(
        self, company_id: UUID, accounts: UserService, storage: MediaStorage, callers: RecentCallers
    ) -> None:
        """An admin deletes a company's account: its communities are archived, the company leaves every read with
        its phone and e-mail cleared (the row stays, so its archived communities keep their company), and its owner's
        account is erased as a student's would be (`UserService.erase`) unless they own another live company.
        Unknown or deleted: 404."""
        company = await self.repository.live(company_id)
        for community in await self.communities.owned_by(company_id):
            community.is_archived = True  # one flush for all of them (and their audit entries)
        owner = company.owner_user_id
        await self.update(
            Company(id=company_id, phone=None, email=None, owner_user_id=None, deleted_at=datetime.now(UTC))
        )
        if owner is not None and await self.repository.oldest_owned(owner) is None:
            await accounts.erase(owner, storage, callers, missing_ok=True)

    # --- follows --------------------------------------------------------------------------------------------------

    async def follow(self, user_id: UUID, company_id: UUID) -> None:
        """Idempotent, also when two follows race."""
        await self.repository.require(company_id)
        await self.repository.follow(user_id, company_id)

    async def unfollow(self, user_id: UUID, company_id: UUID) -> None:
        await self.repository.require(company_id)
        await self.repository.unfollow(user_id, company_id)
