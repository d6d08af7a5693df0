"""The steps of `import-seed` after the reference rows and media: people, companies, communities, content."""

from __future__ import annotations

import re
from datetime import UTC, datetime

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
    Membership,
    Profile,
    ProfileSkill,
    ProfileStatus,
    Story,
    User,
)
from workcommunities.importer.base import Report, tag_list, utc
from workcommunities.importer.reference import ReferenceSteps
from workcommunities.lib.schema import parse_id

BCRYPT = re.compile(r"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$")
MEDIA_URL = re.compile(r"/media/([0-9a-fA-F]{32})(\.\w+)?$")


class Importer(ReferenceSteps):
    """Every step, in the order the references need."""

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

    # --- people -------------------------------------------------------------------------------------------------------

    async def users(self) -> None:
        """Phones and e-mails stay unique (an e-mail is compared as logins compare it: lower-cased); a password hash
        that is not bcrypt is dropped rather than kept as one no login could check."""
        present = await self.existing(User.id)
        taken = {("phone", v) for v in await self.existing(User.phone) if v}
        taken |= {("email", v) for v in await self.existing(User.email) if v}
        new: list[dict[str, object]] = []
        query = "SELECT id, role, phone, email, password_hash, avatar_media_id, created_at FROM users "
        for row in await self.rows(query + "ORDER BY created_at, id"):
            if (user_id := self.id_of("users", row)) is None or not self.fresh("users", user_id, present):
                continue
            if row.role not in ("student", "company", "admin"):
                self.forget("users", row, user_id, f"role {row.role!r} is not a role here")
                continue
            email = (row.email or "").strip().lower() or None
            logins = {(kind, value) for kind, value in (("phone", row.phone), ("email", email)) if value}
            if clash := logins & taken:
                said = " and ".join(f"{kind} {value}" for kind, value in sorted(clash))
                self.forget("users", row, user_id, f"{said} already belongs to another user here")
                continue
            taken |= logins
            password_hash = row.password_hash
            if password_hash and not BCRYPT.match(password_hash):
                self.report.drop("users", row.id, "password_hash is not a bcrypt hash; left empty")
                password_hash = None
            made = utc(row.created_at)
            values = {
                "id": user_id,
                "role": row.role,
                "phone": row.phone,
                "email": email,
                "password_hash": password_hash or None,
                "created_at": made,
                "updated_at": made,
                "avatar_media_id": self.ref("users", row, "avatar_media_id", "media", required=False),
            }
            self.keep("users", User, row, user_id, values, new)
        await self.write("users", User, new)

    async def profiles(self) -> None:
        """One profile per user: the first the old service made wins."""
        present = await self.existing(Profile.id)
        owners = await self.existing(Profile.user_id)
        new: list[dict[str, object]] = []
        query = "SELECT id, user_id, full_name, portfolio_url, description FROM profiles ORDER BY ctid"
        for row in await self.rows(query):
            if (profile_id := self.id_of("profiles", row)) is None or not self.fresh("profiles", profile_id, present):
                continue
            if (user_id := self.ref("profiles", row, "user_id", "users")) is None:
                self.forget("profiles", row, profile_id, None)
                continue
            if user_id in owners:
                self.forget("profiles", row, profile_id, f"user {row.user_id} has a profile already (one per user)")
                continue
            owners.add(user_id)
            values = {
                "id": profile_id,
                "user_id": user_id,
                "full_name": row.full_name,
                "portfolio_url": row.portfolio_url,
                "description": row.description,
            }
            self.keep("profiles", Profile, row, profile_id, values, new)
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

    # --- companies and communities --------------------------------------------------------------------------------

    async def companies(self) -> None:
        """A company's comma-joined skill-id tags become its ordered skills; its gallery keeps its order."""
        present = await self.existing(Company.id)
        phones = {phone for phone in await self.existing(Company.phone) if phone}
        skills_here = await self.existing_pairs(CompanySkill.company_id, CompanySkill.skill_id)
        new: list[dict[str, object]] = []
        tags: list[dict[str, object]] = []
        query = "SELECT id, phone, name, description, owner_user_id, logo_media_id, tags FROM companies "
        for row in await self.rows(query + "ORDER BY name, id"):
            if (company_id := self.id_of("companies", row)) is None or not self.fresh("companies", company_id, present):
                continue
            if row.phone and row.phone in phones:
                self.forget("companies", row, company_id, f"phone {row.phone} belongs to another company here")
                continue
            values = {
                "id": company_id,
                "phone": row.phone or None,
                "name": row.name,
                "description": row.description,
                "owner_user_id": self.ref("companies", row, "owner_user_id", "users", required=False),
                "logo_media_id": self.ref("companies", row, "logo_media_id", "media", required=False),
            }
            before = len(new)
            self.keep("companies", Company, row, company_id, values, new)
            if len(new) == before:
                continue
            phones.add(row.phone)
            for position, tag in enumerate(tag_list(row.tags)):
                if (skill_id := self.skill_ids.get(tag)) is None:
                    self.report.drop("companies", row.id, f"tag {tag} is not a skill; left out of its skills")
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
        new: list[dict[str, object]] = []
        query = (
            "SELECT id, company_id, name, description, telegram_url, tags, is_archived, logo_media_id FROM communities"
        )
        for row in await self.rows(query + " ORDER BY name, id"):
            if (community_id := self.id_of("communities", row)) is None:
                continue
            if not self.fresh("communities", community_id, present):
                continue
            # An admin's community may have no company; a company that did not come takes its communities along.
            company_id = self.ref("communities", row, "company_id", "companies") if row.company_id else None
            if row.company_id and company_id is None:
                self.forget("communities", row, community_id, None)
                continue
            values = {
                "id": community_id,
                "company_id": company_id,
                "name": row.name,
                "description": row.description,
                "telegram_url": row.telegram_url,
                "tags": tag_list(row.tags),
                "is_archived": row.is_archived,
                "logo_media_id": self.ref("communities", row, "logo_media_id", "media", required=False),
            }
            self.keep("communities", Community, row, community_id, values, new)
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
        new: list[dict[str, object]] = []
        query = "SELECT id, community_id, title, description, date, solutions_count FROM cases ORDER BY date, id"
        for row in await self.rows(query):
            if (case_id := self.id_of("cases", row)) is None or not self.fresh("cases", case_id, present):
                continue
            if (community_id := self.ref("cases", row, "community_id", "communities")) is None:
                self.forget("cases", row, case_id, None)
                continue
            values = {
                "id": case_id,
                "community_id": community_id,
                "title": row.title,
                "description": row.description,
                "date": utc(row.date),
                "solutions_count": max(0, row.solutions_count),
            }
            self.keep("cases", Case, row, case_id, values, new)
        await self.write("cases", Case, new)

    # --- content ------------------------------------------------------------------------------------------------------

    async def content(self) -> None:
        """Posts and events with their media in order (an event's single legacy media kept) and their skills."""
        present = await self.existing(Content.id)
        new: list[dict[str, object]] = []
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
            if reason is not None or (community_id := self.ref("content", row, "community_id", "communities")) is None:
                self.forget("content", row, content_id, reason)
                self.known["events"].discard(content_id)
                continue
            made = utc(row.created_at)
            values = {
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
                "created_at": made,
                "updated_at": made,
            }
            before = len(new)
            self.keep("content", Content, row, content_id, values, new)
            if len(new) == before:
                self.known["events"].discard(content_id)
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
        """A story keeps its media; one the old service knew only by `media_url` is found through that url. It
        expires STORY_TTL_HOURS after it was made, as new ones do."""
        present = await self.existing(Story.id)
        new: list[dict[str, object]] = []
        query = "SELECT id, company_id, title, media_id, media_url, created_at FROM stories ORDER BY created_at, id"
        for row in await self.rows(query):
            if (story_id := self.id_of("stories", row)) is None or not self.fresh("stories", story_id, present):
                continue
            if (company_id := self.ref("stories", row, "company_id", "companies")) is None:
                self.forget("stories", row, story_id, None)
                continue
            media_id = self.ref("stories", row, "media_id", "media", required=False)
            match = MEDIA_URL.search(row.media_url or "") if row.media_id is None else None
            if match and (media_id := parse_id(match.group(1).lower())) not in self.known["media"]:
                self.report.drop("stories", row.id, f"media_url {row.media_url} names no imported media row")
                media_id = None
            made = utc(row.created_at)
            assert made is not None
            values = {
                "id": story_id,
                "company_id": company_id,
                "title": row.title,
                "media_id": media_id,
                "expires_at": made + self.story_ttl,
                "created_at": made,
                "updated_at": made,
            }
            self.keep("stories", Story, row, story_id, values, new)
        await self.write("stories", Story, new)
