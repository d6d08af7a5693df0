"""Company shapes and bodies. A company response never carries its phone, e-mail or a `tags` field: the skill-id tags
come back resolved as `skills`."""

from __future__ import annotations

from msgspec import UNSET, UnsetType

from workcommunities.domain.communities.schemas import CommunityOut
from workcommunities.domain.media.schemas import MediaOut
from workcommunities.domain.reference.schemas import SkillOut
from workcommunities.lib.schema import IdList, Name, Out, Phone, Struct, WireId, required_text


class CompanyOut(Out):
    id: str
    name: str
    description: str
    logo_media_id: str
    skills: list[SkillOut]


class CompanyDetailOut(CompanyOut):
    communities: list[CommunityOut]  # the company's communities that are not archived, by name
    media: list[MediaOut]  # the gallery, in its order


class CompanyUpdateIn(Struct):
    """Every field is optional; an absent field is left alone. `null` clears `description` and `logo_media_id`
    (`name` cannot be null); `null` for a list leaves it alone, `[]` empties it."""

    name: Name | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    logo_media_id: WireId | UnsetType | None = UNSET
    tags: IdList | UnsetType | None = UNSET  # skill ids, in order; replaces the company's skills
    media_uids: IdList | UnsetType | None = UNSET  # replaces the gallery, in order; duplicates dropped

    def __post_init__(self) -> None:
        if not isinstance(self.name, UnsetType):
            self.name = required_text(self.name, "name")


class AdminCompanyUpdateIn(CompanyUpdateIn):
    """`PATCH /companies/me`'s fields, plus `phone` (D-32): the next company OTP login with it owns an ownerless
    company; `null` unbinds it."""

    phone: Phone | UnsetType | None = UNSET


class CompanyCreateIn(Struct):
    name: Name
    description: str | None = None
    tags: IdList | None = None  # skill ids, in order
    logo_media_id: WireId | None = None  # an addition to the seed's body

    def __post_init__(self) -> None:
        self.name = required_text(self.name, "name")
