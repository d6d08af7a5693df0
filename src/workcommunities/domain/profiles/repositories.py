"""The SQL of the data export: one statement per section, whatever their sizes."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import literal, select, union_all

from workcommunities.db import AnyRow
from workcommunities.db.models import (
    Case,
    Community,
    Company,
    CompanyFollow,
    Content,
    EventParticipant,
    Media,
    Membership,
    Profile,
    Report,
    Story,
    User,
)
from workcommunities.domain.reports.repositories import REPORT
from workcommunities.lib.aggregate import text_constant
from workcommunities.lib.repository import Repository


class ExportRepository(Repository[User]):
    model_type = User

    async def account(self, user_id: UUID) -> AnyRow | None:
        query = (
            select(
                User.id,
                User.role,
                User.phone,
                User.email,
                User.avatar_media_id,
                User.created_at,
                User.updated_at,
                Profile.full_name,
                Profile.portfolio_url,
                Profile.description,
                Profile.id.label("profile_id"),
            )
            .outerjoin(Profile, Profile.user_id == User.id)
            .where(User.id == user_id, User.erased_at.is_(None))
        )
        return await self.row(query)

    async def memberships(self, user_id: UUID) -> Sequence[AnyRow]:
        query = (
            select(Membership.community_id, Community.name, Membership.role, Membership.joined_at)
            .join(Community, Community.id == Membership.community_id)
            .where(Membership.user_id == user_id)
            .order_by(Membership.joined_at, Membership.community_id)
        )
        return await self.rows(query)

    async def follows(self, user_id: UUID) -> Sequence[AnyRow]:
        query = (
            select(CompanyFollow.company_id, Company.name, CompanyFollow.created_at.label("followed_at"))
            .join(Company, Company.id == CompanyFollow.company_id)
            .where(CompanyFollow.user_id == user_id)
            .order_by(CompanyFollow.created_at, CompanyFollow.company_id)
        )
        return await self.rows(query)

    async def participations(self, user_id: UUID) -> Sequence[AnyRow]:
        query = (
            select(
                EventParticipant.content_id.label("event_id"),
                Content.title,
                Content.event_date,
                EventParticipant.status,
                EventParticipant.joined_at,
                EventParticipant.checked_in_at,
            )
            .join(Content, Content.id == EventParticipant.content_id)
            .where(EventParticipant.user_id == user_id)
            .order_by(Content.event_date, Content.id)
        )
        return await self.rows(query)

    async def uploads(self, user_id: UUID) -> Sequence[AnyRow]:
        query = (
            select(Media.id, Media.mime, Media.size, Media.created_at)
            .where(Media.uploaded_by == user_id)
            .order_by(Media.created_at, Media.id)
        )
        return await self.rows(query)

    async def reports(self, user_id: UUID) -> Sequence[AnyRow]:
        query = REPORT.where(Report.reporter_id == user_id)  # as `POST /reports` answers them
        return await self.rows(query.order_by(Report.updated_at, Report.id))

    async def companies(self, user_id: UUID) -> Sequence[AnyRow]:
        query = select(
            Company.id, Company.name, Company.description, Company.phone, Company.email, Company.created_at
        ).where(Company.owner_user_id == user_id)
        return await self.rows(query.order_by(Company.created_at, Company.id))

    async def published(self, user_id: UUID) -> Sequence[AnyRow]:
        """What the companies the user owns published, oldest first, with the company's id."""
        owned = select(Company.id).where(Company.owner_user_id == user_id).scalar_subquery()
        nothing = literal(None, Community.id.type)
        communities = select(
            Community.company_id,
            Community.id,
            text_constant("community").label("kind"),
            Community.name.label("title"),
            nothing.label("community_id"),
            Community.created_at,
        ).where(Community.company_id.in_(owned))
        content = (
            select(
                Community.company_id, Content.id, Content.type, Content.title, Content.community_id, Content.created_at
            )
            .join(Community, Community.id == Content.community_id)
            .where(Community.company_id.in_(owned))
        )
        cases = (
            select(Community.company_id, Case.id, text_constant("case"), Case.title, Case.community_id, Case.created_at)
            .join(Community, Community.id == Case.community_id)
            .where(Community.company_id.in_(owned))
        )
        stories = select(
            Story.company_id, Story.id, text_constant("story"), Story.title, nothing, Story.created_at
        ).where(Story.company_id.in_(owned))
        every = union_all(communities, content, cases, stories).subquery()
        return await self.rows(select(every).order_by(every.c.created_at, every.c.id))
