"""`/auth`: phone-code login for students and companies, e-mail login for companies and admins."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from workcommunities.db.models import Role
from workcommunities.domain.auth.deps import auth_service
from workcommunities.domain.auth.schemas import (
    AdminSignupIn,
    CompanySignupIn,
    EmailPasswordIn,
    OtpVerifyIn,
    PhoneIn,
    TokenOut,
)
from workcommunities.domain.auth.services import AuthService
from workcommunities.lib.errors import documented


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]
    dependencies = {"auth": auth_service}

    @post(
        ["/otp/request", "/company/otp/request"],
        status_code=HTTP_204_NO_CONTENT,
        responses=documented(429, 503),
        summary="Send a login code to a phone (students and companies share codes)",
    )
    async def request_code(self, data: JSONBody[PhoneIn], auth: NamedDependency[AuthService]) -> None:
        await auth.request_code(data.phone)

    @post(
        "/otp/verify", status_code=200, responses=documented(400, 409, 429), summary="Student login with a phone code"
    )
    async def verify_student(self, data: JSONBody[OtpVerifyIn], auth: NamedDependency[AuthService]) -> TokenOut:
        return await auth.verify_student(data.phone, data.code)

    @post(
        "/company/otp/verify",
        status_code=200,
        responses=documented(400, 409, 429),
        summary="Company login with a phone code",
    )
    async def verify_company(self, data: JSONBody[OtpVerifyIn], auth: NamedDependency[AuthService]) -> TokenOut:
        return await auth.verify_company(data.phone, data.code)

    @post(
        "/company/signup",
        status_code=200,
        responses=documented(400, 429),
        summary="Register a company with e-mail and password",
    )
    async def company_signup(self, data: JSONBody[CompanySignupIn], auth: NamedDependency[AuthService]) -> TokenOut:
        return await auth.company_signup(data)

    @post(
        "/company/login",
        status_code=200,
        responses=documented(400, 429),
        summary="Company login with e-mail and password",
    )
    async def company_login(self, data: JSONBody[EmailPasswordIn], auth: NamedDependency[AuthService]) -> TokenOut:
        return await auth.password_login(data, Role.company)

    @post(
        "/admin/signup",
        status_code=200,
        responses=documented(400, 403, 429),
        summary="Create an admin (needs the configured ADMIN_SIGNUP_TOKEN)",
    )
    async def admin_signup(self, data: JSONBody[AdminSignupIn], auth: NamedDependency[AuthService]) -> TokenOut:
        return await auth.admin_signup(data, data.signup_token)

    @post(
        "/admin/login", status_code=200, responses=documented(400, 429), summary="Admin login with e-mail and password"
    )
    async def admin_login(self, data: JSONBody[EmailPasswordIn], auth: NamedDependency[AuthService]) -> TokenOut:
        return await auth.password_login(data, Role.admin)
