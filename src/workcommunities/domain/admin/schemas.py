"""Bodies of the admin company routes: the company bodies, plus the phone an admin may bind (D-32)."""

from __future__ import annotations

from msgspec import UNSET, UnsetType

from workcommunities.domain.companies.schemas import CompanyCreateIn, CompanyUpdateIn
from workcommunities.lib.schema import Phone

__all__ = ("AdminCompanyUpdateIn", "CompanyCreateIn")


class AdminCompanyUpdateIn(CompanyUpdateIn):
    """`PATCH /companies/me`'s fields, plus `phone`: the next company OTP login with it owns an ownerless company;
    `null` unbinds it."""

    phone: Phone | UnsetType | None = UNSET
