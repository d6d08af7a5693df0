"""Users and their one profile (unique `profile.user_id`): the aggregate behind /users, /profiles and the guards."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BindParameter, bindparam, delete, exists, select

from workcommunities.db import AnyRow, AnySelect
from workcommunities.db.models import (
    CompanyFollow,
    Membership,
    OtpCode,
    Profile,
    ProfileSkill,
    ProfileStatus,
    Status,
    User,
)
from workcommunities.domain.communities.repositories import CommunityRepository, ShapeT, communities_json, with_member
from workcommunities.domain.communities.schemas import CommunityForUserOut
from workcommunities.domain.events.repositories import EventRepository, joined_json
from workcommunities.domain.events.schemas import EventOut
from workcommunities.domain.reference.repositories import SkillRepository, StatusRepository, ordered_json
from workcommunities.domain.reference.schemas import SkillOut, StatusOut
from workcommunities.domain.users.schemas import UserOut
from workcommunities.lib.aggregate import decode_list
from workcommunities.lib.pagination import Page, pages
from workcommunities.lib.repository import Repository, Uses, repository_errors

ACCOUNT_EXISTS = "Account already exists"
ERASED_HERE = "erased_account"  # session.info: the account this transaction erases

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
USER_ID: BindParameter[UUID] = bindparam("user_id")  # the statements below are built once, the user bound per request
# An erased account's tokens authenticate no more (the guards read this on every request but a student's reads).
ROLE_AND_PHONE = select(User.role, User.phone).where(User.id == USER_ID, User.erased_at.is_(None))
USER_PAGES = pages(USER_LIST)
OWN_PROFILE = select(
    Profile.id, Profile.full_name, Profile.portfolio_url, Profile.description, User.avatar_media_id
).join(User, User.id == Profile.user_id)


def live_account(user_id: UUID) -> AnySelect:
    """The account's id unless it is erased, its row locked FOR KEY SHARE until commit (PostgreSQL): what a write
    that must not outlive its account reads. An erasure locks the row FOR UPDATE first (`locked_for_erasure`), so
    the two wait for each other; other changes to the row (a new avatar) neither wait for it nor hold it up."""
    return (
        select(User.id).where(User.id == user_id, User.erased_at.is_(None)).with_for_update(read=True, key_share=True)
    )


def skills_and_statuses_json() -> tuple[Any, ...]:
    """A profile's ordered skills and statuses as JSON columns of a statement that reads the profile (PostgreSQL)."""
    return (
        ordered_json(ProfileSkill.profile_id, Profile.id).label("skills_json"),
        ordered_json(ProfileStatus.profile_id, Profile.id, Status).label("statuses_json"),
    )


class UserRepository(Repository[User]):
    model_type = User
    # A signup that races another one with the same phone or e-mail loses with a 409.
    error_messages = repository_errors(duplicate_key=ACCOUNT_EXISTS)

    async def role_and_phone(self, user_id: UUID) -> AnyRow | None:
        """What a request's guard needs of its caller: one indexed lookup, on most authenticated requests (so
        straight to the driver; `role` comes back as text)."""
        return await self.driver_row(ROLE_AND_PHONE, {"user_id": user_id})

    async def email_taken(self, email: str) -> bool:
        return bool(await self.session.scalar(select(exists().where(User.email == email))))

    async def listing(self, page: Page) -> list[UserOut]:
        return [UserOut.from_row(row) for row in await self.rows(USER_PAGES[page.shape], page.params())]

    async def public(self, user_id: UUID) -> AnyRow | None:
        """The user's page; on PostgreSQL with its lists as JSON columns (one statement)."""

        def build() -> AnySelect:
            query = PUBLIC_USER.where(User.id == USER_ID, User.erased_at.is_(None))
            if not self.on_postgresql:
                return query
            communities = communities_json(with_member(USER_ID), shape=CommunityForUserOut)
            return query.add_columns(*skills_and_statuses_json(), communities.label("communities_json"))

        return await self.prepared_row(self.prepared("public_user", build), {"user_id": user_id})

    async def still_live(self, user_id: UUID) -> bool:
        """Whether the account is not erased (or is erased by this very transaction), `live_account`'s lock held
        until commit: an erasure in flight is waited for and then seen."""
        if self.session.info.get(ERASED_HERE) == user_id:
            return True
        return await self.session.scalar(live_account(user_id)) is not None

    async def locked_for_erasure(self, user_id: UUID) -> User | None:
        """A live (not erased) user, the row locked until commit, to be erased by this transaction."""
        query = select(User).where(User.id == user_id, User.erased_at.is_(None)).with_for_update()
        if (user := (await self.session.scalars(query)).first()) is not None:
            self.session.info[ERASED_HERE] = user_id
        return user

    async def erase_links(self, user_id: UUID, phone: str | None) -> None:
        """What an erased account leaves behind besides its row and its event places: memberships, company follows,
        the profile (its skills and statuses go with it), and the login codes sent to its phone."""
        await self.session.execute(delete(Membership).where(Membership.user_id == user_id))
        await self.session.execute(delete(CompanyFollow).where(CompanyFollow.user_id == user_id))
        await self.session.execute(delete(Profile).where(Profile.user_id == user_id))
        if phone is not None:
            await self.session.execute(delete(OtpCode).where(OtpCode.phone == phone))


class ProfileRepository(Repository[Profile]):
    model_type = Profile

    skills = Uses(SkillRepository)
    statuses = Uses(StatusRepository)
    communities = Uses(CommunityRepository)
    events = Uses(EventRepository)

    async def lists(
        self, row: AnyRow, profile_id: UUID | None, user_id: UUID, communities: type[ShapeT]
    ) -> dict[str, Any]:
        """A profile's skills, statuses and membership communities for its response: decoded from the JSON columns
        of `row` (PostgreSQL: `skills_and_statuses_json`, `communities_json`), or read with a statement each
        (SQLite)."""
        if self.on_postgresql:
            return {
                "skills": decode_list(row.skills_json, SkillOut),
                "statuses": decode_list(row.statuses_json, StatusOut),
                "communities": decode_list(row.communities_json, communities),
            }
        skills: list[SkillOut] = []
        statuses: list[StatusOut] = []
        if profile_id is not None:  # an imported user may have no profile yet
            skills = (await self.skills.ordered(ProfileSkill.profile_id, [profile_id])).get(profile_id, [])
            statuses = (await self.statuses.ordered(ProfileStatus.profile_id, [profile_id])).get(profile_id, [])
        return {
            "skills": skills,
            "statuses": statuses,
            "communities": await self.communities.member_of(user_id, communities),
        }

    async def joined_events(self, row: AnyRow, user_id: UUID, now: datetime, limit: int) -> list[EventOut]:
        """The joined upcoming events of an `own` row: its JSON column (PostgreSQL), or one more statement."""
        if self.on_postgresql:
            return decode_list(row.events_json, EventOut)
        return await self.events.joined_by(user_id, now, limit)

    async def own(self, user_id: UUID, now: datetime, events: int) -> AnyRow | None:
        """The profile's columns with the user's avatar; on PostgreSQL with its lists as JSON columns (one
        statement), `events` joined upcoming events at most."""

        def build() -> AnySelect:
            query = OWN_PROFILE.where(Profile.user_id == USER_ID)
            if not self.on_postgresql:
                return query
            return query.add_columns(
                *skills_and_statuses_json(),
                communities_json(with_member(USER_ID)).label("communities_json"),
                joined_json(events).label("events_json"),
            )

        # The joined events as their participant sees them (`my_participation`).
        params = {"user_id": user_id, "now": now, "viewer_id": user_id}
        return await self.prepared_row(self.prepared(("own_profile", events), build), params)

    async def create_missing(self, user_id: UUID) -> None:
        """A user without a profile (imported data) gets an empty one; a racing request that created it first
        simply wins (unique profile.user_id). Only for a live account: a read made with the token of an account
        erased meanwhile (a caller read before the erasure, `RecentCallers`) puts nothing back (`live_account`: an
        erasure in flight is waited for and then seen)."""
        await self.session.execute(
            self.insert_into(Profile).from_select([Profile.user_id], live_account(user_id)).on_conflict_do_nothing()
        )

    async def id_for_update(self, user_id: UUID) -> UUID | None:
        """The profile's id, its row locked until commit: concurrent PATCHes of one profile apply one by one."""
        return await self.session.scalar(select(Profile.id).where(Profile.user_id == user_id).with_for_update())
