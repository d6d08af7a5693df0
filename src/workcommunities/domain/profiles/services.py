"""The caller's profile: reading it with everything it shows, changing it, and the export of everything the service
holds about the caller.

Every user has exactly one profile. The signup creates it; a user without one (imported data) gets it on first use.
Reading costs a fixed number of statements, whatever the number of skills, statuses, communities and events.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from litestar.exceptions import NotAuthorizedException

from workcommunities.db import AnyRow
from workcommunities.db.models import Profile, ProfileSkill, ProfileStatus, User
from workcommunities.domain.communities.schemas import CommunityOut
from workcommunities.domain.media.repositories import MediaRepository
from workcommunities.domain.profiles.repositories import ExportRepository
from workcommunities.domain.profiles.schemas import (
    DataExport,
    ExportAccount,
    ExportCompany,
    ExportFollow,
    ExportMembership,
    ExportParticipation,
    ExportProfile,
    ExportPublished,
    ExportReport,
    ExportUpload,
    ProfileOut,
    ProfileUpdateIn,
)
from workcommunities.domain.reference.repositories import SkillRepository, StatusRepository
from workcommunities.domain.reference.schemas import SkillOut, StatusOut
from workcommunities.domain.users.repositories import ProfileRepository, UserRepository
from workcommunities.lib.errors import USER_NOT_FOUND, NotFound
from workcommunities.lib.repository import Service, Uses
from workcommunities.lib.schema import present, wire_datetime

JOINED_EVENTS_LIMIT = 50
TEXT_FIELDS = {"full_name", "portfolio_url", "description"}  # the profile's own columns; the rest are lists


class ProfileService(Service[Profile, ProfileRepository]):
    repository_type = ProfileRepository

    skills = Uses(SkillRepository)
    statuses = Uses(StatusRepository)
    users = Uses(UserRepository)
    media = Uses(MediaRepository)

    async def me(self, user_id: UUID) -> ProfileOut:
        """The caller's profile (created empty if missing), with skills, statuses, communities and joined events:
        one statement on PostgreSQL, six on SQLite."""
        now = datetime.now(UTC)
        row = await self._own(user_id, now)
        lists = await self.repository.lists(row, row.id, user_id, CommunityOut)
        events = await self.repository.joined_events(row, user_id, now, JOINED_EVENTS_LIMIT)
        return ProfileOut.from_row(row, user_id=user_id.hex, joined_events=events, **lists)

    async def update_me(self, user_id: UUID, data: ProfileUpdateIn) -> ProfileOut:
        """Apply the fields present in the body: text through the repository's update, lists replaced, the avatar on
        the user. Every referenced id is checked first; a 400 rolls everything back."""
        values = present(data)
        skill_ids = status_ids = None
        if values.get("skill_uids") is not None:  # null leaves a list as it is
            skill_ids = await self.skills.existing_ids(values["skill_uids"], "skill_uids")
        if values.get("status_uids") is not None:
            status_ids = await self.statuses.existing_ids(values["status_uids"], "status_uids")
        if "avatar_media_id" in values:
            avatar = await self.media.existing_id(values["avatar_media_id"], "avatar_media_id")
            await self.users.update(User(id=user_id, avatar_media_id=avatar))
        if values.keys() & TEXT_FIELDS or skill_ids is not None or status_ids is not None:
            profile_id = await self._profile_id_for_update(user_id)
            if values.keys() & TEXT_FIELDS:
                await self.patch(profile_id, values)
            if skill_ids is not None:
                await self.repository.replace_ordered(
                    ProfileSkill.profile_id, profile_id, ProfileSkill.skill_id, skill_ids
                )
            if status_ids is not None:
                await self.repository.replace_ordered(
                    ProfileStatus.profile_id, profile_id, ProfileStatus.status_id, status_ids
                )
        return await self.me(user_id)

    async def _own(self, user_id: UUID, now: datetime) -> AnyRow:
        if (row := await self.repository.own(user_id, now, JOINED_EVENTS_LIMIT)) is None:
            await self.repository.create_missing(user_id)
            row = await self.repository.own(user_id, now, JOINED_EVENTS_LIMIT)
        if row is None:  # the caller's account is gone (erased by a racing request): no profile is put back
            raise NotAuthorizedException(USER_NOT_FOUND)
        return row

    async def _profile_id_for_update(self, user_id: UUID) -> UUID:
        if (profile_id := await self.repository.id_for_update(user_id)) is None:
            await self.repository.create_missing(user_id)
            profile_id = await self.repository.id_for_update(user_id)
        if profile_id is None:  # as in `_own`
            raise NotAuthorizedException(USER_NOT_FOUND)
        return profile_id


class ExportService(Service[User, ExportRepository]):
    """The caller's data, whole (GET /profiles/me/export): a fixed number of statements whatever its size."""

    repository_type = ExportRepository

    skills = Uses(SkillRepository)
    statuses = Uses(StatusRepository)

    async def export(self, user_id: UUID) -> DataExport:
        if (account := await self.repository.account(user_id)) is None:
            raise NotFound()
        skills: list[SkillOut] = []
        statuses: list[StatusOut] = []
        if (profile_id := account.profile_id) is not None:
            skills = (await self.skills.ordered(ProfileSkill.profile_id, [profile_id])).get(profile_id, [])
            statuses = (await self.statuses.ordered(ProfileStatus.profile_id, [profile_id])).get(profile_id, [])
        published: dict[UUID, list[ExportPublished]] = {}
        for row in await self.repository.published(user_id):
            published.setdefault(row.company_id, []).append(ExportPublished.from_row(row))
        avatar = account.avatar_media_id
        return DataExport(
            exported_at=datetime.now(UTC),
            account=ExportAccount.from_row(account, avatar_url=f"/media/{avatar.hex}" if avatar else ""),
            profile=ExportProfile.from_row(account),
            skills=skills,
            statuses=statuses,
            memberships=[ExportMembership.from_row(row) for row in await self.repository.memberships(user_id)],
            company_follows=[ExportFollow.from_row(row) for row in await self.repository.follows(user_id)],
            events=[
                ExportParticipation.from_row(
                    row, checked_in_at=wire_datetime(row.checked_in_at) if row.checked_in_at else ""
                )
                for row in await self.repository.participations(user_id)
            ],
            uploads=[
                ExportUpload.from_row(row, url=f"/media/{row.id.hex}") for row in await self.repository.uploads(user_id)
            ],
            reports=[ExportReport.from_row(row) for row in await self.repository.reports(user_id)],
            companies=[
                ExportCompany.from_row(row, published=published.get(row.id, []))
                for row in await self.repository.companies(user_id)
            ],
        )
