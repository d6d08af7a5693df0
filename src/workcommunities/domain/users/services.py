"""Users: the admin's list, and a user's public page.

Neither writes anything. The public page shows the phone only to the user themself and to admins, and never the
e-mail (contract D-05).
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db.models import Profile, User
from workcommunities.domain.communities.reads import community_for_user_out
from workcommunities.domain.profiles.services import member_communities_query, profile_skills, profile_statuses
from workcommunities.domain.users.schemas import UserDetailOut, UserOut
from workcommunities.lib.errors import NotFound
from workcommunities.lib.pagination import Page
from workcommunities.lib.schema import hex_id
from workcommunities.lib.security import Principal

# Newest first, id as tiebreak (index ix_user_account_created).
NEWEST_FIRST = (User.created_at.desc(), User.id.desc())


class UserService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, page: Page) -> list[UserOut]:
        """Every user, newest first, one statement per page (admins only; the guard says so)."""
        query = select(User.id, User.role, User.phone, User.email, User.avatar_media_id, User.created_at).order_by(
            *NEWEST_FIRST
        )
        return [
            UserOut(
                id=row.id.hex,
                role=row.role,
                phone=row.phone or "",
                email=row.email or "",
                avatar_media_id=hex_id(row.avatar_media_id),
                created_at=row.created_at,
            )
            for row in await self.session.execute(page.apply(query))
        ]

    async def detail(self, user_id: UUID, viewer: Principal | None) -> UserDetailOut:
        """A user's page with profile, skills, statuses and membership communities; unknown user → 404."""
        query = (
            select(
                User.id,
                User.role,
                User.phone,
                User.avatar_media_id,
                User.created_at,
                Profile.id.label("profile_id"),
                Profile.full_name,
                Profile.portfolio_url,
                Profile.description,
            )
            .outerjoin(Profile, Profile.user_id == User.id)
            .where(User.id == user_id)
        )
        row = (await self.session.execute(query)).first()
        if row is None:
            raise NotFound
        may_see_phone = viewer is not None and (viewer.user_id == user_id or viewer.is_admin)
        communities = await self.session.execute(member_communities_query(user_id))
        return UserDetailOut(
            id=row.id.hex,
            role=row.role,
            phone=(row.phone or "") if may_see_phone else "",
            full_name=row.full_name or "",
            portfolio_url=row.portfolio_url or "",
            description=row.description or "",
            avatar_media_id=hex_id(row.avatar_media_id),
            skills=await profile_skills(self.session, row.profile_id),
            statuses=await profile_statuses(self.session, row.profile_id),
            created_at=row.created_at,
            communities=[community_for_user_out(community) for community in communities],
        )
