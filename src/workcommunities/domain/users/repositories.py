"""Users and their one profile (unique `profile.user_id`): the aggregate behind /users, /profiles and the guards."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import exists, select

from workcommunities.db import AnyRow
from workcommunities.db.models import Profile, User
from workcommunities.domain.users.schemas import UserOut
from workcommunities.lib.pagination import Page
from workcommunities.lib.repository import Repository, repository_errors

ACCOUNT_EXISTS = "Account already exists"

# The admin's list: newest first, id as tiebreak (index ix_user_account_created).
USER_LIST = select(User.id, User.role, User.phone, User.email, User.avatar_media_id, User.created_at).order_by(
    User.created_at.desc(), User.id.desc()
)
# A user's public page: the user with the profile (outer join: imported users may have none yet).
PUBLIC_USER = select(
    User.id,
    User.role,
    User.phone,
    User.avatar_media_id,
    User.created_at,
    Profile.id.label("profile_id"),
    Profile.full_name,
    Profile.portfolio_url,
    Profile.description,
).outerjoin(Profile, Profile.user_id == User.id)
OWN_PROFILE = select(
    Profile.id, Profile.full_name, Profile.portfolio_url, Profile.description, User.avatar_media_id
).join(User, User.id == Profile.user_id)


class UserRepository(Repository[User]):
    model_type = User
    # A signup that races another one with the same phone or e-mail loses with a 409.
    error_messages = repository_errors(duplicate_key=ACCOUNT_EXISTS)

    async def role_and_phone(self, user_id: UUID) -> AnyRow | None:
        """What a request's guard needs of its caller: one indexed lookup."""
        return await self.row(select(User.role, User.phone).where(User.id == user_id))

    async def email_taken(self, email: str) -> bool:
        return bool(await self.session.scalar(select(exists().where(User.email == email))))

    async def listing(self, page: Page) -> list[UserOut]:
        return [UserOut.from_row(row) for row in await self.rows(page.apply(USER_LIST))]

    async def public(self, user_id: UUID) -> AnyRow | None:
        return await self.row(PUBLIC_USER.where(User.id == user_id))


class ProfileRepository(Repository[Profile]):
    model_type = Profile

    async def own(self, user_id: UUID) -> AnyRow | None:
        """The profile's columns with the user's avatar."""
        return await self.row(OWN_PROFILE.where(Profile.user_id == user_id))

    async def create_missing(self, user_id: UUID) -> None:
        """A user without a profile (imported data) gets an empty one; a racing request that created it first
        simply wins (unique profile.user_id)."""
        await self.insert_ignore(Profile, user_id=user_id)

    async def id_for_update(self, user_id: UUID) -> UUID | None:
        """The profile's id, its row locked until commit: concurrent PATCHes of one profile apply one by one."""
        return await self.session.scalar(select(Profile.id).where(Profile.user_id == user_id).with_for_update())
