"""Bodies of `/auth`."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from workcommunities.lib.schema import WHITESPACE, Name, Out, Phone, Struct, required_text
from workcommunities.lib.security import PASSWORD_MAX_BYTES

Email = Annotated[str, Meta(max_length=320)]
# A new account's address: something@domain.tld once trimmed (the pattern allows the whitespace that is trimmed).
NewEmail = Annotated[
    str,
    Meta(
        max_length=320,
        pattern=f"^[{WHITESPACE}]*[^@{WHITESPACE}]+@[^@{WHITESPACE}]+\\.[^@{WHITESPACE}]+[{WHITESPACE}]*$",
    ),
]
# bcrypt reads 72 bytes: a password is at most 72 characters here, and one of more than 72 bytes (characters outside
# ASCII take several) is refused by the service with a 400 (a schema counts characters, not bytes).
Password = Annotated[str, Meta(min_length=1, max_length=PASSWORD_MAX_BYTES)]
NewPassword = Annotated[str, Meta(min_length=8, max_length=PASSWORD_MAX_BYTES)]


class PhoneIn(Struct):
    phone: Phone


class OtpVerifyIn(Struct):
    phone: str
    code: str


class EmailPasswordIn(Struct):
    email: Email
    password: Password

    def __post_init__(self) -> None:
        self.email = self.email.strip().lower()


class AdminSignupIn(EmailPasswordIn):
    signup_token: str


class CompanySignupIn(Struct):
    email: NewEmail
    password: NewPassword
    name: Name

    def __post_init__(self) -> None:
        self.email = self.email.strip().lower()
        self.name = required_text(self.name, "name")


class TokenOut(Out):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme name, not a secret
