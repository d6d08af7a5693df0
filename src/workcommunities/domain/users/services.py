"""Users: creating accounts (every signup and `workcommunities admin create`), the admin's list, and a user's
public page, which shows the phone only to the user themself and to admins and never the e-mail (contract D-05)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from workcommunities.db.engine import after_commit
from workcommunities.db.models import Profile, Role, User
from workcommunities.domain.communities.schemas import CommunityForUserOut
from workcommunities.domain.events.repositories import EventRepository
from workcommunities.domain.media.services import MediaService
from workcommunities.domain.media.storage import MediaStorage
from workcommunities.domain.users.repositories import ProfileRepository, UserRepository
from workcommunities.domain.users.schemas import UserDetailOut, UserOut
from workcommunities.lib import audit
from workcommunities.lib.errors import BadRequest, NotFound
from workcommunities.lib.pagination import Page
from workcommunities.lib.repository import Service, Uses
from workcommunities.lib.security import Principal, RecentCallers, hash_password, phone_privacy


class UserService(Service[User, UserRepository]):
    repository_type = UserRepository

    profiles = Uses(ProfileRepository)
    events = Uses(EventRepository)

    async def create_account(
        self, role: Role, *, phone: str | None = None, email: str | None = None, password: str | None = None
    ) -> User:
        """A new user with an empty profile. A known e-mail is a 400; losing a race for the same phone or e-mail to
        a concurrent signup is a 409 (the repository's duplicate-key message)."""
        if email is not None and await self.repository.email_taken(email):
            raise BadRequest("Email already registered")
        password_hash = await hash_password(password) if password is not None else None
        user = await self.create(User(role=role, phone=phone, email=email, password_hash=password_hash))
        await self.profiles.add(Profile(user_id=user.id))
        return user

    async def listing(self, page: Page) -> list[UserOut]:
        """Every user, newest first, one statement per page (admins only; the controller says so)."""
        return await self.repository.listing(page)

    async def detail(self, user_id: UUID, viewer: Principal | None) -> UserDetailOut:
        """A user's page with profile, skills, statuses and membership communities: one statement on PostgreSQL,
        four on SQLite."""
        row = await self.repository.public(user_id)
        if row is None:
            raise NotFound()
        lists = await self.profiles.lists(row, row.profile_id, user_id, CommunityForUserOut)
        return UserDetailOut.from_row(row, **phone_privacy(viewer, user_id), **lists)

    async def erase(
        self, user_id: UUID, storage: MediaStorage, callers: RecentCallers, *, missing_ok: bool = False
    ) -> None:
        """Erase an account (152-FZ, GDPR Art. 17): its phone, e-mail, password, profile with skills and statuses,
        memberships, company follows, event places (the first in line moves up), login codes, and the files it
        uploaded that nothing else shows (`storage` holds them). The row stays as an anonymous tombstone, so nothing
        pointing at it breaks; its tokens stop working at once for writes (the guards read only live accounts, and a
        write in flight is refused before its commit: guards.py) and for reads through this worker (`callers`
        forgets it once committed; through others within AUTH_CACHE_SECONDS), and its phone may sign up again as a
        new user. Recorded in the audit log. Unknown or already erased: 404 (nothing to do with `missing_ok`)."""
        if (user := await self.repository.locked_for_erasure(user_id)) is None:
            if missing_ok:
                return
            raise NotFound()
        await self.events.leave_all(user_id)
        await self.repository.erase_links(user_id, user.phone)
        avatar = user.avatar_media_id  # its file goes too, unless something else shows it
        erased = {"phone": None, "email": None, "password_hash": None, "avatar_media_id": None}
        changes = {field: (getattr(user, field), None) for field in erased if getattr(user, field) is not None}
        audit.record(self.repository.session, "erase", "user", user_id, changes)
        await self.update(User(id=user_id, calendar_token_hash=None, erased_at=datetime.now(UTC), **erased))
        await MediaService(self.repository.session, storage, 0).erase_uploads(user_id, avatar)
        after_commit(self.repository.session, lambda: _forget(callers, user_id))


async def _forget(callers: RecentCallers, user_id: UUID) -> None:
    callers.forget(user_id)
