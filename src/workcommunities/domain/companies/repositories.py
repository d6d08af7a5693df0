"""Companies with their ordered skills and gallery, who follows them, and whose company a caller acts for.

On PostgreSQL a page of companies, and a company's page with its communities and gallery, is one statement (the
lists as JSON columns, lib/aggregate.py); on SQLite one more per list.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import bindparam, delete, or_, select

from workcommunities.db import AnySelect
from workcommunities.db.models import Community, Company, CompanyFollow, CompanyMedia, CompanySkill, Media
from workcommunities.domain.communities.repositories import CommunityRepository, communities_json
from workcommunities.domain.communities.schemas import CommunityOut
from workcommunities.domain.companies.schemas import CompanyDetailOut, CompanyOut
from workcommunities.domain.media.repositories import MEDIA_COLUMNS, MEDIA_JSON
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.reference.repositories import SkillRepository, ordered_json
from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.lib.aggregate import decode_list, json_list
from workcommunities.lib.errors import NotFound
from workcommunities.lib.pagination import Page, paged
from workcommunities.lib.repository import Repository, Uses, repository_errors
from workcommunities.lib.security import Principal

PHONE_TAKEN = "Phone is registered with another company"

LIVE = Company.deleted_at.is_(None)  # a deleted company's account leaves every read
# Only what a response shows: never the phone, the e-mail or the owner. By name, id as tiebreak (ix_company_name).
COMPANIES = (
    select(Company.id, Company.name, Company.description, Company.logo_media_id)
    .where(LIVE)
    .order_by(Company.name, Company.id)
)
GALLERY = select(*MEDIA_COLUMNS).join(CompanyMedia, CompanyMedia.media_id == Media.id).order_by(CompanyMedia.position)
# The same lists as JSON columns of the company row (PostgreSQL).
SKILLS_JSON = ordered_json(CompanySkill.company_id, Company.id).label("skills_json")
DETAIL_JSON = (
    communities_json(Community.company_id == Company.id).label("communities_json"),
    select(json_list(MEDIA_JSON, CompanyMedia.position))
    .select_from(CompanyMedia)
    .join(Media, Media.id == CompanyMedia.media_id)
    .where(CompanyMedia.company_id == Company.id)
    .scalar_subquery()
    .label("media_json"),
)
BY_ID = Company.id == bindparam("id")  # a prepared statement's company (`Repository.prepared`)
# A user's companies, the oldest first: the one a company user acts for.
OWNED = select(Company.id).where(LIVE).order_by(Company.created_at, Company.id)


class CompanyRepository(Repository[Company]):
    model_type = Company
    # The unique phone: binding one that another company has is a 409 (contract D-32).
    error_messages = repository_errors(duplicate_key=PHONE_TAKEN)

    skills = Uses(SkillRepository)
    communities = Uses(CommunityRepository)

    async def listing(self, page: Page) -> list[CompanyOut]:
        """Every company by name: one statement per page on PostgreSQL, two on SQLite."""
        return await self.with_skills(
            ("companies", page.shape), lambda: paged(COMPANIES, shape=page.shape), page.params()
        )

    async def followed(self, user_id: UUID, page: Page) -> list[CompanyOut]:
        def build() -> AnySelect:
            follows = CompanyFollow.user_id == bindparam("user_id")
            followed = COMPANIES.join(CompanyFollow, CompanyFollow.company_id == Company.id).where(follows)
            return paged(followed, shape=page.shape)

        return await self.with_skills(("followed_companies", page.shape), build, {**page.params(), "user_id": user_id})

    async def out(self, company_id: UUID) -> CompanyOut:
        """One company with its skills; unknown → 404."""
        if not (companies := await self.with_skills("company", lambda: COMPANIES.where(BY_ID), {"id": company_id})):
            raise NotFound()
        return companies[0]

    async def detail(self, company_id: UUID) -> CompanyDetailOut:
        """The company with its skills, its live communities (real member counts) and its gallery; unknown → 404."""
        if self.on_postgresql:
            query = self.prepared(
                "company_detail", lambda: COMPANIES.add_columns(SKILLS_JSON, *DETAIL_JSON).where(BY_ID)
            )
            if (row := await self.prepared_row(query, {"id": company_id})) is None:
                raise NotFound()
            return CompanyDetailOut.from_row(
                row,
                skills=decode_list(row.skills_json, SkillOut),
                communities=decode_list(row.communities_json, CommunityOut),
                media=decode_list(row.media_json, MediaOut),
            )
        company = await self.out(company_id)
        gallery = await self.rows(GALLERY.where(CompanyMedia.company_id == company_id))
        return CompanyDetailOut(
            **msgspec.structs.asdict(company),
            communities=await self.communities.of_company(company_id),
            media=[MediaOut.of(row) for row in gallery],
        )

    async def with_skills(
        self, key: Hashable, query: Callable[[], AnySelect], params: dict[str, Any]
    ) -> list[CompanyOut]:
        """The companies of `query()` (built once per `key`, see `Repository.prepared`) with their skills, in its order
        (the search reads its matches through it too)."""
        statement = self.prepared(key, lambda: query().add_columns(SKILLS_JSON) if self.on_postgresql else query())
        rows = await self.rows(statement, params)
        if self.on_postgresql:
            return [CompanyOut.from_row(row, skills=decode_list(row.skills_json, SkillOut)) for row in rows]
        skills = await self.skills.ordered(CompanySkill.company_id, [row.id for row in rows])
        return [CompanyOut.from_row(row, skills=skills.get(row.id, [])) for row in rows]

    async def require(self, item_id: UUID) -> None:
        """404 unless a live company has this id."""
        if await self.session.scalar(select(Company.id).where(Company.id == item_id, LIVE)) is None:
            raise NotFound()

    async def live(self, company_id: UUID) -> Company:
        """A live company, its row locked for a write; 404 otherwise."""
        query = select(Company).where(Company.id == company_id, LIVE).with_for_update()
        if (company := (await self.session.scalars(query)).first()) is None:
            raise NotFound()
        return company

    async def follow(self, user_id: UUID, company_id: UUID) -> None:
        await self.insert_ignore(CompanyFollow, user_id=user_id, company_id=company_id)

    async def unfollow(self, user_id: UUID, company_id: UUID) -> None:
        await self.session.execute(
            delete(CompanyFollow).where(CompanyFollow.user_id == user_id, CompanyFollow.company_id == company_id)
        )

    async def oldest_owned(self, user_id: UUID) -> UUID | None:
        return await self.session.scalar(OWNED.where(Company.owner_user_id == user_id).limit(1))

    async def acting_company(self, caller: Principal) -> UUID | None:
        """The company a company user acts for (contract §1.4): the oldest one they own; else the token's
        `company_id`, only when the caller owns it or its phone is the caller's (never a bare claim)."""
        company_id = await self.oldest_owned(caller.user_id)
        if company_id is None and caller.claimed_company_id is not None:
            bound = Company.owner_user_id == caller.user_id
            if caller.phone:
                bound = or_(bound, Company.phone == caller.phone)
            company_id = await self.session.scalar(
                select(Company.id).where(Company.id == caller.claimed_company_id, bound, LIVE)
            )
        return company_id
