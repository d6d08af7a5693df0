"""The caller's profile: reading it with everything it shows, and changing it.

Every user has exactly one profile (unique `profile.user_id`). The auth service creates it at signup; a user without
one (imported data) gets it on first use through an insert that is safe when two requests race.

Reading a profile costs a fixed number of statements, whatever the number of skills, statuses, communities and events.
The readers below are shared with `/users/{id}`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from msgspec import UNSET, UnsetType
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db import AnyRow, AnySelect, insert_ignore, replace_ordered
from workcommunities.db.models import (
    Community,
    Content,
    ContentType,
    EventParticipant,
    Membership,
    Profile,
    ProfileSkill,
    ProfileStatus,
    Status,
    User,
)
from workcommunities.domain.communities.reads import LIST_ORDER, communities_query, community_out
from workcommunities.domain.communities.schemas import CommunityOut
from workcommunities.domain.content.reads import SOONEST_FIRST, ContentReader, events_query, live_communities
from workcommunities.domain.events.schemas import EventOut
from workcommunities.domain.media.reads import existing_media_id
from workcommunities.domain.profiles.schemas import ProfileOut, ProfileUpdateIn
from workcommunities.domain.reference.schemas import SkillOut, StatusOut
from workcommunities.domain.reference.services import existing_ids, existing_skill_ids, ordered_skills
from workcommunities.lib.errors import NotFound
from workcommunities.lib.schema import hex_id

JOINED_EVENTS_LIMIT = 50
PROFILE_COLUMNS = (Profile.id, Profile.full_name, Profile.portfolio_url, Profile.description)
TEXT_FIELDS = ("full_name", "portfolio_url", "description")


# --- readers shared with /users --------------------------------------------------------------------------------------


async def profile_skills(session: AsyncSession, profile_id: UUID | None) -> list[SkillOut]:
    """The profile's skills in saved order, in the one skill shape (with sphere_id and sphere)."""
    if profile_id is None:
        return []
    return (await ordered_skills(session, ProfileSkill.profile_id, [profile_id])).get(profile_id, [])


async def profile_statuses(session: AsyncSession, profile_id: UUID | None) -> list[StatusOut]:
    """The profile's statuses in saved order."""
    if profile_id is None:
        return []
    query = (
        select(Status.id, Status.title)
        .join(ProfileStatus, ProfileStatus.status_id == Status.id)
        .where(ProfileStatus.profile_id == profile_id)
        .order_by(ProfileStatus.position, Status.id)
    )
    return [StatusOut(id=row.id.hex, title=row.title) for row in await session.execute(query)]


def member_communities_query(user_id: UUID) -> AnySelect:
    """The user's membership communities that are not archived, by name (with their true members_count)."""
    return (
        communities_query()
        .join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == user_id, Community.is_archived.is_(False))
        .order_by(*LIST_ORDER)
    )


async def member_communities(session: AsyncSession, user_id: UUID) -> list[CommunityOut]:
    return [community_out(row) for row in await session.execute(member_communities_query(user_id))]


async def joined_events(session: AsyncSession, user_id: UUID) -> list[EventOut]:
    """Upcoming events the user joined (event_date ≥ now, UTC) in live communities, soonest first, at most 50."""
    query = (
        live_communities(events_query())
        .join(EventParticipant, EventParticipant.content_id == Content.id)
        .where(
            EventParticipant.user_id == user_id,
            Content.type == ContentType.event,
            Content.event_date >= datetime.now(UTC),
        )
        .order_by(*SOONEST_FIRST)
        .limit(JOINED_EVENTS_LIMIT)
    )
    return await ContentReader(session).events(query)


# --- the service -----------------------------------------------------------------------------------------------------


class ProfileService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: UUID) -> ProfileOut:
        """The caller's profile (created empty if missing), with skills, statuses, communities and joined events."""
        row = await self._row(user_id)
        if row is None:
            await self._create(user_id)
            row = await self._row(user_id)
        if row is None:  # the user itself is gone (deleted in a racing request)
            raise NotFound
        return ProfileOut(
            id=row.id.hex,
            user_id=user_id.hex,
            full_name=row.full_name or "",
            portfolio_url=row.portfolio_url or "",
            description=row.description or "",
            skills=await profile_skills(self.session, row.id),
            statuses=await profile_statuses(self.session, row.id),
            communities=await member_communities(self.session, user_id),
            joined_events=await joined_events(self.session, user_id),
            avatar_media_id=hex_id(row.avatar_media_id),
        )

    async def update(self, user_id: UUID, data: ProfileUpdateIn) -> ProfileOut:
        """Apply the fields present in the body; every referenced id is checked before anything is written, so a
        400 leaves the profile as it was. An empty body changes nothing."""
        skill_ids = None
        if data.skill_uids is not UNSET and data.skill_uids is not None:
            skill_ids = await existing_skill_ids(self.session, data.skill_uids, "skill_uids")
        status_ids = None
        if data.status_uids is not UNSET and data.status_uids is not None:
            status_ids = await existing_ids(self.session, Status.id, data.status_uids, "status_uids")
        avatar: UUID | UnsetType | None = UNSET
        if data.avatar_media_id is not UNSET:
            avatar = await existing_media_id(self.session, data.avatar_media_id)
        texts = {field: getattr(data, field) for field in TEXT_FIELDS if getattr(data, field) is not UNSET}

        if texts or skill_ids is not None or status_ids is not None:
            # Locks the profile row until commit, so concurrent PATCHes of one profile apply one after the other.
            profile_id = await self._profile_id_for_update(user_id)
            if texts:
                await self.session.execute(update(Profile).where(Profile.id == profile_id).values(**texts))
            if skill_ids is not None:
                await replace_ordered(
                    self.session, ProfileSkill.profile_id, profile_id, ProfileSkill.skill_id, skill_ids
                )
            if status_ids is not None:
                await replace_ordered(
                    self.session, ProfileStatus.profile_id, profile_id, ProfileStatus.status_id, status_ids
                )
        if avatar is not UNSET:
            await self.session.execute(update(User).where(User.id == user_id).values(avatar_media_id=avatar))
        return await self.get(user_id)

    # --- helpers --------------------------------------------------------------------------------------------------

    async def _row(self, user_id: UUID) -> AnyRow | None:
        query = (
            select(*PROFILE_COLUMNS, User.avatar_media_id)
            .join(User, User.id == Profile.user_id)
            .where(Profile.user_id == user_id)
        )
        return (await self.session.execute(query)).first()

    async def _create(self, user_id: UUID) -> None:
        """A racing request that created it first simply wins (unique profile.user_id)."""
        await insert_ignore(self.session, Profile, user_id=user_id)

    async def _profile_id_for_update(self, user_id: UUID) -> UUID:
        query = select(Profile.id).where(Profile.user_id == user_id).with_for_update()
        profile_id = await self.session.scalar(query)
        if profile_id is None:
            await self._create(user_id)
            profile_id = await self.session.scalar(query)
        if profile_id is None:
            raise NotFound
        return profile_id
