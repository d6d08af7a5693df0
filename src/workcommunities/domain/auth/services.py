"""Login by phone code (students and companies) and by e-mail and password (companies and admins)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from workcommunities.db.models import Company, OtpCode, Profile, Role, User
from workcommunities.domain.auth.schemas import CompanySignupIn, EmailPasswordIn, TokenOut
from workcommunities.lib.errors import BadRequest, Conflict, Forbidden, TooManyRequests
from workcommunities.lib.security import hash_password, issue_token, same_secret, verify_password
from workcommunities.lib.sms import SmsSender
from workcommunities.settings import Settings

INVALID_CODE = "Invalid code"
OTHER_ROLE = "Phone is registered with another role"
DEFAULT_COMPANY_NAME = "My Company"


class AuthService:
    def __init__(self, session: AsyncSession, settings: Settings, sms: SmsSender) -> None:
        self.session = session
        self.settings = settings
        self.sms = sms

    # --- phone codes ----------------------------------------------------------------------------------------------

    def _code_hash(self, phone: str, code: str) -> str:
        # Keyed: five digits are trivial to brute-force from a plain hash if the table ever leaks.
        return hmac.new(self.settings.jwt_secret.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()

    async def request_code(self, phone: str) -> None:
        """Issue a code (replacing older ones) unless the phone asked too recently; same answer for every phone."""
        now = datetime.now(UTC)
        window_start = now - timedelta(hours=1)
        recent = (
            await self.session.execute(
                select(func.count(), func.min(OtpCode.created_at), func.max(OtpCode.created_at)).where(
                    OtpCode.phone == phone, OtpCode.created_at > window_start
                )
            )
        ).one()
        count, oldest, newest = recent
        if newest is not None:
            wait = self.settings.otp_resend_seconds - (now - newest).total_seconds()
            if wait > 0:
                raise TooManyRequests(retry_after=int(wait) + 1)
        if count >= self.settings.otp_hourly_limit and oldest is not None:
            raise TooManyRequests(retry_after=int((oldest - window_start).total_seconds()) + 1)

        await self.session.execute(
            update(OtpCode).where(OtpCode.phone == phone, OtpCode.consumed_at.is_(None)).values(consumed_at=now)
        )
        code = (
            self.settings.otp_code_override
            or f"{secrets.randbelow(10**self.settings.otp_length):0{self.settings.otp_length}d}"
        )
        self.session.add(
            OtpCode(
                phone=phone,
                code_hash=self._code_hash(phone, code),
                expires_at=now + timedelta(seconds=self.settings.otp_ttl_seconds),
                created_at=now,
            )
        )
        await self.session.flush()
        await self.sms.send(phone, f"WorkCommunities code: {code}")

    async def _consume_code(self, phone: str, code: str) -> None:
        """Accept the phone's newest live code once; a wrong try counts, and the last allowed try burns it.

        Both are single UPDATE statements, so parallel guesses cannot overwrite each other's count (SQLite has no
        row locks) and two requests with the right code cannot both use it.
        """
        now = datetime.now(UTC)
        otp = await self.session.scalar(
            select(OtpCode)
            .where(OtpCode.phone == phone, OtpCode.consumed_at.is_(None))
            .order_by(OtpCode.created_at.desc(), OtpCode.id.desc())
            .limit(1)
        )
        if otp is None or otp.expires_at <= now:
            raise BadRequest(INVALID_CODE)
        this_code = OtpCode.id == otp.id
        if not hmac.compare_digest(otp.code_hash, self._code_hash(phone, code.strip())):
            burned = case((OtpCode.attempts + 1 >= self.settings.otp_max_attempts, now), else_=OtpCode.consumed_at)
            await self.session.execute(
                update(OtpCode).where(this_code).values(attempts=OtpCode.attempts + 1, consumed_at=burned)
            )
            # The error response rolls the request back; the failed try must still count.
            await self.session.commit()
            raise BadRequest(INVALID_CODE)
        used = await self.session.scalar(
            update(OtpCode)
            .where(this_code, OtpCode.consumed_at.is_(None))
            .values(consumed_at=now)
            .returning(OtpCode.id)
        )
        if used is None:  # burned or used by a parallel request in the meantime
            raise BadRequest(INVALID_CODE)

    async def verify_student(self, phone: str, code: str) -> TokenOut:
        await self._consume_code(phone, code)
        user = await self.session.scalar(select(User).where(User.phone == phone))
        if user is None:
            user = await self._create_user(Role.student, phone=phone)
        elif user.role != Role.student:
            raise Conflict(OTHER_ROLE)
        return self._token(user)

    async def verify_company(self, phone: str, code: str) -> TokenOut:
        await self._consume_code(phone, code)
        user = await self.session.scalar(select(User).where(User.phone == phone))
        if user is None:
            user = await self._create_user(Role.company, phone=phone)
        elif user.role != Role.company:
            raise Conflict(OTHER_ROLE)
        company = await self.session.scalar(select(Company).where(Company.phone == phone))
        if company is not None:
            if company.owner_user_id is None:
                company.owner_user_id = user.id
        else:
            company = await self.session.scalar(
                select(Company).where(Company.owner_user_id == user.id).order_by(Company.created_at, Company.id)
            )
            if company is None:
                company = Company(name=DEFAULT_COMPANY_NAME, owner_user_id=user.id, phone=phone)
                self.session.add(company)
            elif company.phone is None:
                company.phone = phone
        await self.session.flush()
        return self._token(user, company.id)

    # --- e-mail and password --------------------------------------------------------------------------------------

    async def admin_signup(self, data: EmailPasswordIn, signup_token: str) -> TokenOut:
        if not self.settings.admin_signup_enabled or not same_secret(signup_token, self.settings.admin_signup_token):
            raise Forbidden("Forbidden")
        user = await self._create_user(Role.admin, email=data.email, password=data.password)
        return self._token(user)

    async def company_signup(self, data: CompanySignupIn) -> TokenOut:
        user = await self._create_user(Role.company, email=data.email, password=data.password)
        company = Company(name=data.name, owner_user_id=user.id, email=data.email)
        self.session.add(company)
        await self.session.flush()
        return self._token(user, company.id)

    async def password_login(self, data: EmailPasswordIn, role: Role) -> TokenOut:
        user = await self.session.scalar(select(User).where(User.email == data.email))
        valid = await verify_password(data.password, user.password_hash if user is not None else None)
        if user is None or not valid or user.role != role:
            raise BadRequest("Invalid credentials")
        company_id = None
        if role == Role.company:
            company_id = await self.session.scalar(
                select(Company.id).where(Company.owner_user_id == user.id).order_by(Company.created_at, Company.id)
            )
        return self._token(user, company_id)

    # --- helpers --------------------------------------------------------------------------------------------------

    async def _create_user(
        self, role: Role, *, phone: str | None = None, email: str | None = None, password: str | None = None
    ) -> User:
        if email is not None and await self.session.scalar(select(User.id).where(User.email == email)):
            raise BadRequest("Email already registered")
        user = User(
            role=role,
            phone=phone,
            email=email,
            password_hash=await hash_password(password) if password is not None else None,
        )
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # a concurrent signup with the same phone or e-mail won the race
            raise Conflict("Account already exists") from exc
        self.session.add(Profile(user_id=user.id))
        await self.session.flush()
        return user

    def _token(self, user: User, company_id: UUID | None = None) -> TokenOut:
        return TokenOut(access_token=issue_token(self.settings, user, company_id))
