"""Login by phone code (students and companies) and by e-mail and password (companies and admins)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

from workcommunities.db.models import Company, OtpCode, Role, User
from workcommunities.domain.auth.repositories import LoginCodeRepository
from workcommunities.domain.auth.schemas import CompanySignupIn, EmailPasswordIn, TokenOut
from workcommunities.domain.auth.throttle import LoginThrottle
from workcommunities.domain.companies.repositories import CompanyRepository
from workcommunities.domain.users.services import UserService
from workcommunities.lib.audit import set_actor
from workcommunities.lib.errors import FORBIDDEN, OTHER_ROLE, BadRequest, Conflict, Forbidden, TooManyRequests
from workcommunities.lib.repository import Service, Session, Uses
from workcommunities.lib.security import PASSWORD_MAX_BYTES, issue_token, same_secret, verify_password
from workcommunities.lib.sms import SmsSender
from workcommunities.settings import Settings

INVALID_CODE = "Invalid code"
DEFAULT_COMPANY_NAME = "My Company"


class AuthService(Service[OtpCode, LoginCodeRepository]):
    repository_type = LoginCodeRepository

    def __init__(self, session: Session, settings: Settings, sms: SmsSender, throttle: LoginThrottle) -> None:
        super().__init__(session)
        self.settings = settings
        self.sms = sms
        self.throttle = throttle

    users = Uses(UserService)
    companies = Uses(CompanyRepository)

    # --- phone codes ----------------------------------------------------------------------------------------------

    def _code_hash(self, phone: str, code: str) -> str:
        # Keyed: five digits are trivial to brute-force from a plain hash if the table ever leaks.
        return hmac.new(self.settings.jwt_secret.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()

    async def request_code(self, phone: str) -> None:
        """Issue a code (retiring older ones) unless the phone asked too recently; same answer for every phone."""
        now = datetime.now(UTC)
        window_start = now - timedelta(hours=1)
        recent = await self.repository.recent(phone, window_start)
        if recent.newest is not None:
            wait = self.settings.otp_resend_seconds - (now - recent.newest).total_seconds()
            if wait > 0:
                raise TooManyRequests(retry_after=int(wait) + 1)
        if recent.codes >= self.settings.otp_hourly_limit and recent.oldest is not None:
            raise TooManyRequests(retry_after=int((recent.oldest - window_start).total_seconds()) + 1)

        await self.repository.retire(phone, now)
        code = (
            self.settings.otp_code_override
            or f"{secrets.randbelow(10**self.settings.otp_length):0{self.settings.otp_length}d}"
        )
        expires_at = now + timedelta(seconds=self.settings.otp_ttl_seconds)
        await self.create(
            OtpCode(phone=phone, code_hash=self._code_hash(phone, code), expires_at=expires_at, created_at=now)
        )
        # The code is stored (flushed) before it is sent. If the gateway fails, the 503 rolls the code back, so the
        # user can ask again at once; the plugin commits it after a successful send.
        await self.sms.send(phone, f"WorkCommunities code: {code}")

    async def _consume_code(self, phone: str, code: str) -> None:
        """Accept the phone's newest live code once; a wrong try counts, and the last allowed try burns it."""
        now = datetime.now(UTC)
        otp = await self.repository.newest_live(phone)
        if otp is None or otp.expires_at <= now:
            raise BadRequest(INVALID_CODE)
        if not hmac.compare_digest(otp.code_hash, self._code_hash(phone, code.strip())):
            await self.repository.count_failure(otp, now, self.settings.otp_max_attempts)
            # The one transaction step of a service: the 400 below rolls the request back, and the failed try must
            # still count, so it is committed here.
            await self.repository.session.commit()
            raise BadRequest(INVALID_CODE)
        if not await self.repository.use(otp, now):  # burned or used by a parallel request in the meantime
            raise BadRequest(INVALID_CODE)

    async def _phone_user(self, phone: str, role: Role) -> User:
        """The user of a verified phone, created with `role` on first login; a phone of another role → 409."""
        user = await self.users.get_one_or_none(phone=phone)
        if user is None:
            return await self.users.create_account(role, phone=phone)
        if user.role != role:
            raise Conflict(OTHER_ROLE)
        return user

    async def verify_student(self, phone: str, code: str) -> TokenOut:
        await self._consume_code(phone, code)
        return self._token(await self._phone_user(phone, Role.student))

    async def verify_company(self, phone: str, code: str) -> TokenOut:
        """A company login: the company bound to the phone (claimed if ownerless, D-32), else the user's oldest
        company (bound to the phone if it has none), else a new "My Company"."""
        await self._consume_code(phone, code)
        user = await self._phone_user(phone, Role.company)
        set_actor(self.repository.session, user.id, Role.company)  # the binding below is the user's doing
        company = await self.companies.get_one_or_none(phone=phone)
        if company is None and (owned := await self.companies.oldest_owned(user.id)) is not None:
            company = await self.companies.get(owned)
        if company is None:
            company = await self.companies.add(Company(name=DEFAULT_COMPANY_NAME, owner_user_id=user.id, phone=phone))
        elif company.owner_user_id is None or company.phone is None:
            company.owner_user_id = company.owner_user_id or user.id
            company.phone = company.phone or phone
            company = await self.companies.update(company)
        return self._token(user, company.id)

    # --- e-mail and password --------------------------------------------------------------------------------------

    async def create_admin(self, data: EmailPasswordIn) -> User:
        """An admin account: `POST /auth/admin/signup` and `workcommunities admin create` both make admins here."""
        return await self.users.create_account(Role.admin, email=data.email, password=data.password)

    async def admin_signup(self, data: EmailPasswordIn, signup_token: str) -> TokenOut:
        _fits_bcrypt(data.password)
        if not self.settings.admin_signup_enabled or not same_secret(signup_token, self.settings.admin_signup_token):
            raise Forbidden(FORBIDDEN)
        return self._token(await self.create_admin(data))

    async def company_signup(self, data: CompanySignupIn) -> TokenOut:
        _fits_bcrypt(data.password)
        user = await self.users.create_account(Role.company, email=data.email, password=data.password)
        set_actor(self.repository.session, user.id, Role.company)
        company = await self.companies.add(Company(name=data.name, owner_user_id=user.id, email=data.email))
        return self._token(user, company.id)

    async def password_login(self, data: EmailPasswordIn, role: Role) -> TokenOut:
        """A token for the right e-mail and password; the account locks after repeated failures (throttle.py)."""
        _fits_bcrypt(data.password)
        await self.throttle.attempt(data.email)
        user = await self.users.get_one_or_none(email=data.email)
        valid = await verify_password(data.password, user.password_hash if user is not None else None)
        if user is None or not valid or user.role != role:
            raise BadRequest("Invalid credentials")
        await self.throttle.succeeded(data.email)
        company_id = await self.companies.oldest_owned(user.id) if role == Role.company else None
        return self._token(user, company_id)

    def _token(self, user: User, company_id: UUID | None = None) -> TokenOut:
        return TokenOut(access_token=issue_token(self.settings, user, company_id))


def _fits_bcrypt(password: str) -> None:
    """bcrypt reads 72 bytes: a longer password is refused (400), never cut, at signup and at login alike."""
    if len(password.encode()) > PASSWORD_MAX_BYTES:
        raise BadRequest(f"Password is longer than {PASSWORD_MAX_BYTES} bytes")
