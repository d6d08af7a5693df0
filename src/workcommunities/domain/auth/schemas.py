"""Bodies of `/auth`."""

from __future__ import annotations

import re
from typing import Annotated

from msgspec import Meta

from workcommunities.lib.schema import Name, Out, Phone, Struct, required_text
from workcommunities.lib.security import PASSWORD_MAX_BYTES

Email = Annotated[str, Meta(max_length=320)]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_password(password: str, *, min_length: int = 1) -> None:
    if len(password) < min_length:
        raise ValueError(f"password must have at least {min_length} characters")
    if len(password.encode()) > PASSWORD_MAX_BYTES:
        raise ValueError(f"password must be at most {PASSWORD_MAX_BYTES} bytes")


class PhoneIn(Struct):
    phone: Phone


class OtpVerifyIn(Struct):
    phone: str
    code: str


class EmailPasswordIn(Struct):
    email: Email
    password: str

    def __post_init__(self) -> None:
        self.email = self.email.strip().lower()
        _check_password(self.password)


class AdminSignupIn(EmailPasswordIn):
    signup_token: str


class CompanySignupIn(Struct):
    email: Email
    password: str
    name: Name

    def __post_init__(self) -> None:
        self.email = self.email.strip().lower()
        if not _EMAIL.match(self.email):
            raise ValueError("email must be a valid address")
        _check_password(self.password, min_length=8)
        self.name = required_text(self.name, "name")


class TokenOut(Out):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme name, not a secret
