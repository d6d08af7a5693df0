"""`workcommunities import-seed`: bring the old service's database and media files across, keeping every id.

The old database (schema in `../shared/reference/seed-schema.sql`) is only read, in read-only transactions. Rows are
written through our models with our rules, table by table, in the order their references need:

- reference rows are matched to ours by title (a missing one is added with its old id), and every old skill and
  status id is translated to ours;
- ids are kept (they are 32 hex characters in both), so links, bookmarks and tokens the old service signed with the
  same JWT_SECRET stay valid; password hashes are bcrypt in both;
- naive timestamps are read as UTC; comma-joined tags become trimmed lists without repeats; a company's skill-id tags
  become its ordered skill list; follows and memberships merge into the one membership relation; content rows keep
  their media in order, their skills and an event's single legacy media; stories keep their media (and expire
  STORY_TTL_HOURS after they were made); login codes are not imported; profile `city` and `interests` have no place
  here and are left behind;
- media files (`<id>.<ext>` or `<id>` in the old media folder) are copied into the configured storage and checked
  against the recorded size.

A row that cannot be imported (an id that is not 32 hex characters, a reference to a row that is not there, a
duplicate the old service allowed, a media row whose file is missing or of another size) is skipped and reported
with its id and the reason; a reference that only decorates a row (a logo, an avatar, a company's unknown skill tag)
is dropped and reported the same way. Rows already here (a second run) are counted, not written again. A dry run
counts what it would import and writes nothing, neither to the database nor to the storage.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import anyio
from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from workcommunities.db.models import (
    Case,
    Community,
    Company,
    CompanyFollow,
    CompanyMedia,
    CompanySkill,
    Content,
    ContentMedia,
    ContentSkill,
    EventParticipant,
    Media,
    Membership,
    Profile,
    ProfileSkill,
    ProfileStatus,
    Skill,
    Sphere,
    Status,
    Story,
    User,
)
from workcommunities.domain.media.storage import MediaStorage
from workcommunities.importer.base import Progress, Report, Steps, old_database_url, once, tag_list, utc
from workcommunities.lib.repository import Session

__all__ = ("Report", "import_seed", "old_database_url")


class Importer(Steps):
    """The tables in the order their references need."""

    async def run(self) -> Report:
        await self.reference()
        await self.media()
        await self.users()
        await self.profiles()
        await self.companies()
        await self.communities()
        await self.memberships()
        await self.company_follows()
        await self.cases()
        await self.content()
        await self.participants()
        await self.stories()
        return self.report

    # --- plumbing ---------------------------------------------------------------------------------------------------

    async def reference(self) -> None:
        """Old reference rows match ours by title; a missing one is added with its old id."""
        spheres = {sphere.title: sphere.id for sphere in await self.session.scalars(select(Sphere))}
        sphere_of: dict[str, UUID] = {}
        new_spheres = []
        for row in await self.rows("SELECT id, title, background_color, text_color FROM spheres ORDER BY title"):
            if row.title in spheres:
                sphere_of[row.id] = spheres[row.title]
                self.report.present["spheres"] += 1
            elif (sphere_id := self.id_of("spheres", row)) is not None:
                sphere_of[row.id] = spheres[row.title] = sphere_id
                new_spheres.append(
                    {
                        "id": sphere_id,
                        "title": row.title,
                        "background_color": row.background_color,
                        "text_color": row.text_color,
                        "position": len(spheres),
                    }
                )
        await self.write("spheres", Sphere, new_spheres)

        skills = {(skill.sphere_id, skill.title): skill.id for skill in await self.session.scalars(select(Skill))}
        new_skills = []
        for row in await self.rows("SELECT id, title, sphere_id FROM skills ORDER BY title"):
            if (sphere_id := sphere_of.get(row.sphere_id)) is None:
                self.report.skip("skills", row.id, f"sphere_id {row.sphere_id} names no imported spheres row")
                continue
            if (sphere_id, row.title) in skills:
                self.skill_ids[row.id] = skills[sphere_id, row.title]
                self.report.present["skills"] += 1
            elif (skill_id := self.id_of("skills", row)) is not None:
                self.skill_ids[row.id] = skills[sphere_id, row.title] = skill_id
                new_skills.append({"id": skill_id, "title": row.title, "sphere_id": sphere_id, "position": 99})
        await self.write("skills", Skill, new_skills)

        statuses = {status.title: status.id for status in await self.session.scalars(select(Status))}
        new_statuses = []
        for row in await self.rows("SELECT id, title FROM statuses ORDER BY title"):
            if row.title in statuses:
                self.status_ids[row.id] = statuses[row.title]
                self.report.present["statuses"] += 1
            elif (status_id := self.id_of("statuses", row)) is not None:
                self.status_ids[row.id] = statuses[row.title] = status_id
                new_statuses.append({"id": status_id, "title": row.title, "position": len(statuses)})
        await self.write("statuses", Status, new_statuses)

    # --- media ------------------------------------------------------------------------------------------------------

    def source_file(self, media_id: UUID, ext: str) -> Path | None:
        if self.media_dir is None:
            return None
        for name in (f"{media_id.hex}.{ext}" if ext else None, media_id.hex):
            if name and (self.media_dir / name).is_file():
                return self.media_dir / name
        return None

    async def media(self) -> None:
        present = await self.existing(Media.id)
        rows = await self.rows("SELECT id, kind, mime, ext, size, url, created_at FROM media ORDER BY created_at, id")
        new = []
        with self.progress("media files", len(rows)) as bar:
            for row in rows:
                bar.update(1)
                if (media_id := self.id_of("media", row)) is None or not self.fresh("media", media_id, present):
                    continue
                ext = (row.ext or "").lower()
                path = self.source_file(media_id, ext)
                if path is None:
                    self.report.skip("media", row.id, "its file is missing from the media folder")
                    self.known["media"].discard(media_id)
                    continue
                content = await anyio.Path(path).read_bytes()
                if len(content) != row.size:
                    self.report.skip("media", row.id, f"its file has {len(content)} bytes, the row says {row.size}")
                    self.known["media"].discard(media_id)
                    continue
                key = f"{media_id.hex}.{ext}" if ext else media_id.hex
                if not self.dry_run:
                    await self.storage.put(key, once(content), content_type=row.mime)
                new.append(
                    {
                        "id": media_id,
                        "kind": row.kind,
                        "mime": row.mime,
                        "ext": ext,
                        "size": row.size,
                        "storage_key": key,
                        "checksum": hashlib.sha256(content).hexdigest(),
                        "created_at": utc(row.created_at),
                        "updated_at": utc(row.created_at),
                    }
                )
        await self.write("media", Media, new)

    # --- people and companies -----------------------------------------------------------------------------------

    async def users(self) -> None:
        present = await self.existing(User.id)
        taken = {("phone", v) for v in await self.existing(User.phone) if v} | {
            ("email", v) for v in await self.existing(User.email) if v
        }
        new = []
        query = (
            "SELECT id, role, phone, email, password_hash, avatar_media_id, created_at FROM users ORDER BY created_at"
        )
        for row in await self.rows(query):
            if (user_id := self.id_of("users", row)) is None or not self.fresh("users", user_id, present):
                continue
            if row.role not in ("student", "company", "admin"):
                self.report.skip("users", row.id, f"role {row.role!r} is not a role here")
                self.known["users"].discard(user_id)
                continue
            email = (row.email or "").strip().lower() or None
            logins = {(kind, value) for kind, value in (("phone", row.phone), ("email", email)) if value}
            if clash := logins & taken:
                said = " and ".join(f"{kind} {value}" for kind, value in sorted(clash))
                self.report.skip("users", row.id, f"{said} already belongs to another user here")
                self.known["users"].discard(user_id)
                continue
            taken |= logins
            avatar = self.ref("users", row, "avatar_media_id", "media", required=False)
            new.append(
                {
                    "id": user_id,
                    "role": row.role,
                    "phone": row.phone,
                    "email": email,
                    "password_hash": row.password_hash,
                    "avatar_media_id": avatar,
                    "created_at": utc(row.created_at),
                    "updated_at": utc(row.created_at),
                }
            )
        await self.write("users", User, new)

    async def profiles(self) -> None:
        present = await self.existing(Profile.id)
        owners = await self.existing(Profile.user_id)
        new = []
        query = "SELECT id, user_id, full_name, portfolio_url, description FROM profiles ORDER BY ctid"
        for row in await self.rows(query):
            if (profile_id := self.id_of("profiles", row)) is None or not self.fresh("profiles", profile_id, present):
                continue
            user_id = self.ref("profiles", row, "user_id", "users")
            if user_id is None or user_id in owners:
                if user_id is not None:
                    self.report.skip("profiles", row.id, f"user {row.user_id} has a profile already (one per user)")
                self.known["profiles"].discard(profile_id)
                continue
            owners.add(user_id)
            new.append(
                {
                    "id": profile_id,
                    "user_id": user_id,
                    "full_name": row.full_name,
                    "portfolio_url": row.portfolio_url,
                    "description": row.description,
                }
            )
        await self.write("profiles", Profile, new)
        await self.ordered_links(
            "profile_skills",
            "SELECT id, profile_id AS owner, skill_id AS item FROM profile_skills ORDER BY ctid",
            ProfileSkill.profile_id,
            "profiles",
            ProfileSkill.skill_id,
            self.skill_ids,
        )
        await self.ordered_links(
            "profile_statuses",
            "SELECT id, profile_id AS owner, status_id AS item FROM profile_statuses ORDER BY ctid",
            ProfileStatus.profile_id,
            "profiles",
            ProfileStatus.status_id,
            self.status_ids,
        )

    async def companies(self) -> None:
        present = await self.existing(Company.id)
        phones = {phone for phone in await self.existing(Company.phone) if phone}
        skills_here = await self.existing_pairs(CompanySkill.company_id, CompanySkill.skill_id)
        new, tags = [], []
        query = "SELECT id, phone, name, description, owner_user_id, logo_media_id, tags FROM companies ORDER BY name"
        for row in await self.rows(query):
            if (company_id := self.id_of("companies", row)) is None or not self.fresh("companies", company_id, present):
                continue
            if row.phone and row.phone in phones:
                self.report.skip("companies", row.id, f"phone {row.phone} belongs to another company here")
                self.known["companies"].discard(company_id)
                continue
            phones.add(row.phone)
            owner = self.ref("companies", row, "owner_user_id", "users", required=False)
            logo = self.ref("companies", row, "logo_media_id", "media", required=False)
            new.append(
                {
                    "id": company_id,
                    "phone": row.phone or None,
                    "name": row.name,
                    "description": row.description,
                    "owner_user_id": owner,
                    "logo_media_id": logo,
                }
            )
            for position, tag in enumerate(tag_list(row.tags)):  # skill ids, in order
                if (skill_id := self.skill_ids.get(tag)) is None:
                    self.report.skip("companies", row.id, f"tag {tag} is not a skill; left out of its skills")
                elif self.fresh("company_skills", (company_id, skill_id), skills_here):
                    tags.append({"company_id": company_id, "skill_id": skill_id, "position": position})
        await self.write("companies", Company, new)
        await self.write("company_skills", CompanySkill, tags)
        await self.ordered_links(
            "company_media",
            "SELECT id, company_id AS owner, media_id AS item FROM company_media ORDER BY owner, order_index, ctid",
            CompanyMedia.company_id,
            "companies",
            CompanyMedia.media_id,
            "media",
        )

    async def communities(self) -> None:
        present = await self.existing(Community.id)
        new = []
        query = (
            "SELECT id, company_id, name, description, telegram_url, tags, is_archived, logo_media_id "
            "FROM communities ORDER BY name"
        )
        for row in await self.rows(query):
            if (community_id := self.id_of("communities", row)) is None:
                continue
            if not self.fresh("communities", community_id, present):
                continue
            company_id = None
            if (
                row.company_id is not None
                and (company_id := self.ref("communities", row, "company_id", "companies")) is None
            ):
                self.known["communities"].discard(community_id)
                continue
            new.append(
                {
                    "id": community_id,
                    "company_id": company_id,
                    "name": row.name,
                    "description": row.description,
                    "telegram_url": row.telegram_url,
                    "tags": tag_list(row.tags),
                    "is_archived": row.is_archived,
                    "logo_media_id": self.ref("communities", row, "logo_media_id", "media", required=False),
                }
            )
        await self.write("communities", Community, new)

    async def memberships(self) -> None:
        """The union of the old memberships and follows (contract §4.3, D-10): one membership per pair."""
        query = (
            "SELECT id, user_id AS first, community_id AS second, 0 AS kind, ctid AS place FROM memberships "
            "UNION ALL SELECT id, user_id, community_id, 1, ctid FROM follows ORDER BY kind, place"
        )
        joined = {"role": "member", "joined_at": datetime.now(UTC)}
        await self.pairs(
            "memberships", query, Membership.user_id, "users", Membership.community_id, "communities", joined
        )

    async def company_follows(self) -> None:
        query = "SELECT id, user_id AS first, company_id AS second FROM company_follows ORDER BY ctid"
        await self.pairs(
            "company_follows", query, CompanyFollow.user_id, "users", CompanyFollow.company_id, "companies"
        )

    async def cases(self) -> None:
        present = await self.existing(Case.id)
        new = []
        for row in await self.rows("SELECT id, community_id, title, description, date, solutions_count FROM cases"):
            if (case_id := self.id_of("cases", row)) is None or not self.fresh("cases", case_id, present):
                continue
            if (community_id := self.ref("cases", row, "community_id", "communities")) is None:
                self.known["cases"].discard(case_id)
                continue
            new.append(
                {
                    "id": case_id,
                    "community_id": community_id,
                    "title": row.title,
                    "description": row.description,
                    "date": utc(row.date),
                    "solutions_count": max(0, row.solutions_count),
                }
            )
        await self.write("cases", Case, new)

    async def content(self) -> None:
        present = await self.existing(Content.id)
        new = []
        query = (
            "SELECT id, community_id, type, title, body, created_at, event_date, city, location, description, "
            "registration, format, media_id, tags, cost, participant_payout FROM content ORDER BY created_at, id"
        )
        for row in await self.rows(query):
            if (content_id := self.id_of("content", row)) is None:
                continue
            if row.type == "event":  # only events can be joined
                self.known["events"].add(content_id)
            if not self.fresh("content", content_id, present):
                continue
            reason = None
            if row.type not in ("post", "event"):
                reason = f"type {row.type!r} is neither post nor event"
            elif row.type == "event" and row.event_date is None:
                reason = "an event without event_date"
            community_id = self.ref("content", row, "community_id", "communities") if reason is None else None
            if reason is not None or community_id is None:
                if reason is not None:
                    self.report.skip("content", row.id, reason)
                self.known["content"].discard(content_id)
                self.known["events"].discard(content_id)
                continue
            new.append(
                {
                    "id": content_id,
                    "community_id": community_id,
                    "type": row.type,
                    "title": row.title,
                    "body": row.body,
                    "tags": tag_list(row.tags),
                    "cost": row.cost,
                    "participant_payout": row.participant_payout,
                    "event_date": utc(row.event_date),
                    "city": row.city,
                    "location": row.location,
                    "description": row.description,
                    "registration": row.registration,
                    "format": row.format,
                    "media_id": self.ref("content", row, "media_id", "media", required=False),
                    "created_at": utc(row.created_at),
                    "updated_at": utc(row.created_at),
                }
            )
        await self.write("content", Content, new)
        await self.ordered_links(
            "content_media",
            "SELECT id, content_id AS owner, media_id AS item FROM content_media ORDER BY owner, order_index, ctid",
            ContentMedia.content_id,
            "content",
            ContentMedia.media_id,
            "media",
        )
        await self.ordered_links(
            "content_skills",
            "SELECT id, content_id AS owner, skill_id AS item FROM content_skills ORDER BY ctid",
            ContentSkill.content_id,
            "content",
            ContentSkill.skill_id,
            self.skill_ids,
        )

    async def participants(self) -> None:
        query = "SELECT id, user_id AS first, content_id AS second FROM event_participants ORDER BY ctid"
        await self.pairs(
            "event_participants",
            query,
            EventParticipant.user_id,
            "users",
            EventParticipant.content_id,
            "events",
            {"joined_at": datetime.now(UTC)},
        )

    async def stories(self) -> None:
        present = await self.existing(Story.id)
        new = []
        for row in await self.rows(
            "SELECT id, company_id, title, media_id, created_at FROM stories ORDER BY created_at"
        ):
            if (story_id := self.id_of("stories", row)) is None or not self.fresh("stories", story_id, present):
                continue
            if (company_id := self.ref("stories", row, "company_id", "companies")) is None:
                self.known["stories"].discard(story_id)
                continue
            made = utc(row.created_at)
            assert made is not None
            new.append(
                {
                    "id": story_id,
                    "company_id": company_id,
                    "title": row.title,
                    "media_id": self.ref("stories", row, "media_id", "media", required=False),
                    "expires_at": made + self.story_ttl,
                    "created_at": made,
                    "updated_at": made,
                }
            )
        await self.write("stories", Story, new)


async def import_seed(
    old_url: URL,
    session: Session,
    storage: MediaStorage,
    media_dir: Path | None,
    story_ttl_hours: int,
    dry_run: bool,
    progress: Progress,
) -> Report:
    """Read the old database (read-only transactions) and write what it holds here."""
    engine: AsyncEngine = create_async_engine(
        old_url, connect_args={"server_settings": {"default_transaction_read_only": "on"}}
    )
    try:
        async with engine.connect() as old:
            importer = Importer(old, session, storage, media_dir, timedelta(hours=story_ttl_hours), dry_run, progress)
            return await importer.run()
    finally:
        await engine.dispose()
