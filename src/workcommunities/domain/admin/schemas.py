"""Bodies of the admin company routes: the company bodies, plus the phone an admin may bind (D-32)."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from workcommunities.domain.companies.schemas import CompanyCreateIn, CompanyUpdateIn

__all__ = ("AdminCompanyUpdateIn", "CompanyCreateIn")

# The same pattern as the phone of an OTP request, so the company OTP login can find the company by it.
Phone = Annotated[str, Meta(pattern=r"^\+\d{10,15}$", examples=["+79991234567"])]


class AdminCompanyUpdateIn(CompanyUpdateIn):
    """`PATCH /companies/me`'s fields, plus `phone`: the next company OTP login with it owns an ownerless company;
    `null` unbinds it."""

    phone: Phone | UnsetType | None = UNSET
