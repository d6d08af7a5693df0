"""Typed descriptions of the contract's response shapes (§1.12) and a recursive validator.

A description says, for every key of a shape, its exact JSON type: `str`, `int` (never a bool), `bool`, a datetime
string (§1.7: UTC with a trailing `Z`), a 32-hex id, a list of a shape, a nested shape. A value may be `null` only
where §1.10 keeps it nullable in the rewrite: `ContentItem.event_date` (for posts) and `Story.media`.

Keys the rewrite adds (allowed: the client ignores unknown keys) are listed as `additions` and typed when present;
other unknown keys are tolerated, as the contract allows.

`validate(..., full=True)` also demands that the data exercises the whole description: every list in the body is
non-empty and every nullable value is filled (except where a shape's own rule says it must be null), so a nested
shape is never "valid" only because it was absent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# --- the vocabulary -----------------------------------------------------------------------------------------------


class Spec:
    def errors(self, value: Any, where: str, full: bool) -> Iterator[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class Scalar(Spec):
    """A JSON scalar of exactly one Python type, optionally matching a pattern or one of some values."""

    name: str
    kind: type
    pattern: str | None = None
    values: frozenset[Any] | None = None

    def errors(self, value: Any, where: str, full: bool) -> Iterator[str]:
        if type(value) is not self.kind:  # exact: a bool is not an int, an int is not a str
            yield f"{where}: expected {self.name}, got {type(value).__name__} {value!r}"
        elif self.pattern is not None and not re.fullmatch(self.pattern, str(value)):
            yield f"{where}: expected {self.name}, got {value!r}"
        elif self.values is not None and value not in self.values:
            yield f"{where}: expected one of {sorted(self.values)}, got {value!r}"


class AnyValue(Spec):
    """Any JSON value (a validation error's `input`)."""

    def errors(self, value: Any, where: str, full: bool) -> Iterator[str]:
        return iter(())


@dataclass(frozen=True)
class Either(Spec):
    options: tuple[Spec, ...]

    def errors(self, value: Any, where: str, full: bool) -> Iterator[str]:
        found = [list(option.errors(value, where, full)) for option in self.options]
        if all(found):
            yield f"{where}: no option fits: " + " / ".join(problems[0] for problems in found)


def one_of(*values: str) -> Scalar:
    return Scalar(f"one of {values}", str, values=frozenset(values))


STR = Scalar("str", str)
INT = Scalar("int", int)
BOOL = Scalar("bool", bool)
# §1.7 (rewrite): UTC ISO 8601 with a trailing Z, fractional seconds optional.
DT = Scalar("UTC datetime", str, pattern=r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
# §1.6: ids are 32 lower-case hex characters; an absent optional reference is "" (§1.10).
ID = Scalar("32-hex id", str, pattern=r"[0-9a-f]{32}")
OPT_ID = Scalar('32-hex id or ""', str, pattern=r"([0-9a-f]{32})?")
COLOR = Scalar("#rrggbb colour", str, pattern=r"#[0-9A-Fa-f]{6}")
ROLE = one_of("student", "company", "admin")


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec

    def errors(self, value: Any, where: str, full: bool) -> Iterator[str]:
        if type(value) is not list:
            yield f"{where}: expected a list, got {type(value).__name__} {value!r}"
            return
        if full and not value:
            yield f"{where}: empty list (the data set should fill it, to check its items)"
        for index, item in enumerate(value):
            yield from self.item.errors(item, f"{where}[{index}]", full)


@dataclass(frozen=True)
class Nullable(Spec):
    inner: Spec

    def errors(self, value: Any, where: str, full: bool) -> Iterator[str]:
        if value is None:
            if full:
                yield f"{where}: null (allowed, but the data set should fill it, to check its shape)"
            return
        yield from self.inner.errors(value, where, full)


Rule = Callable[[dict[str, Any]], Iterator[str]]


@dataclass(frozen=True)
class Obj(Spec):
    """A shape: `fields` must all be present; `additions` are typed when present; `rule` checks across fields."""

    name: str
    fields: Mapping[str, Spec]
    additions: Mapping[str, Spec] = field(default_factory=dict)
    rule: Rule | None = None
    # Fields whose null-ness the rule decides (so `full` does not demand a value there).
    ruled: frozenset[str] = frozenset()

    def errors(self, value: Any, where: str, full: bool) -> Iterator[str]:
        if type(value) is not dict:
            yield f"{where}: expected a {self.name} object, got {type(value).__name__} {value!r}"
            return
        for key, spec in self.fields.items():
            if key not in value:
                yield f"{where}: {self.name} has no key {key!r}"
                continue
            if key in self.ruled and value[key] is None:
                continue
            yield from spec.errors(value[key], f"{where}.{key}", full and key not in self.ruled)
        for key, spec in self.additions.items():
            if key in value:
                yield from spec.errors(value[key], f"{where}.{key}", full)
        if self.rule is not None:
            for problem in self.rule(value):
                yield f"{where}: {self.name}: {problem}"

    def extend(self, name: str, fields: Mapping[str, Spec], **changes: Any) -> Obj:
        return Obj(name, {**self.fields, **fields}, **({"additions": self.additions} | changes))

    @property
    def keys(self) -> set[str]:
        return set(self.fields)


def validate(body: Any, spec: Spec, *, full: bool = False, where: str = "$") -> list[str]:
    """Every way `body` breaks `spec` (an empty list when it fits)."""
    return list(spec.errors(body, where, full))


# --- §1.12, shape by shape ----------------------------------------------------------------------------------------


def _media_url(media: dict[str, Any]) -> Iterator[str]:
    if media.get("url") != f"/media/{media.get('id')}":
        yield f"url must be /media/{{id}}, got {media.get('url')!r}"


def _item_event_date(item: dict[str, Any]) -> Iterator[str]:
    # §1.10: event_date stays null for posts, and an event always has its date.
    if item.get("type") == "post" and item.get("event_date") is not None:
        yield f"a post's event_date must be null, got {item['event_date']!r}"
    if item.get("type") == "event" and item.get("event_date") is None:
        yield "an event's event_date must not be null"


def _story_ids(story: dict[str, Any]) -> Iterator[str]:
    # D-08: `community_id` carries the company id; the added `company_id` says it plainly.
    if "company_id" in story and story["company_id"] != story.get("community_id"):
        yield f"community_id {story.get('community_id')!r} must carry the company id {story['company_id']!r}"


TOKEN = Obj("Token", {"access_token": STR, "token_type": one_of("bearer")})
STATUS_OK = Obj("StatusOk", {"status": one_of("ok")})
MEDIA = Obj(
    "Media",
    {"id": ID, "kind": one_of("image", "video", "other"), "mime": STR, "ext": STR, "size": INT, "url": STR},
    rule=_media_url,
)
SPHERE = Obj("Sphere", {"id": ID, "title": STR, "background_color": COLOR, "text_color": COLOR})
# ContentSkill, and ProfileSkill too: the rewrite emits `sphere_id` everywhere (§1.12, C-3, D-29). `sphere` could be
# null in the seed only for a missing sphere row, which the rewrite's foreign key rules out (§1.10).
SKILL = Obj("Skill", {"id": ID, "title": STR, "sphere_id": ID, "sphere": SPHERE})
STATUS = Obj("Status", {"id": ID, "title": STR})
COMMUNITY_FOR_USER = Obj(
    "CommunityForUser",
    {
        "id": ID,
        "name": STR,
        "company_id": OPT_ID,  # "" for an admin's community without a company
        "description": STR,
        "telegram_url": STR,
        "tags": ListOf(STR),
        "is_archived": BOOL,
        "logo_media_id": OPT_ID,
    },
)
COMMUNITY = COMMUNITY_FOR_USER.extend("Community", {"members_count": INT})
CASE = Obj(
    "Case",
    {"id": ID, "community_id": ID, "title": STR, "description": STR, "date": DT, "solutions_count": INT},
)
MEMBER = Obj(
    "CommunityMember",
    {"id": ID, "role": ROLE, "phone": STR, "full_name": STR, "avatar_media_id": OPT_ID, "created_at": DT},
)
COMMUNITY_DETAIL = COMMUNITY.extend("CommunityDetail", {"cases": ListOf(CASE), "members": ListOf(MEMBER)})
COMPANY = Obj("Company", {"id": ID, "name": STR, "description": STR, "logo_media_id": OPT_ID, "skills": ListOf(SKILL)})
COMPANY_DETAIL = COMPANY.extend("CompanyDetail", {"communities": ListOf(COMMUNITY), "media": ListOf(MEDIA)})
MODERATION = one_of("visible", "hidden")
POST = Obj(
    "Post",
    {
        "id": ID,
        "community_id": ID,
        "title": STR,
        "body": STR,
        "media": ListOf(MEDIA),
        "tags": ListOf(STR),
        "skills": ListOf(SKILL),
        "cost": INT,
        "participant_payout": INT,
    },
    additions={"moderation_status": MODERATION},
)
CONTENT_ITEM = POST.extend(
    "ContentItem",
    {"type": one_of("post", "event"), "event_date": Nullable(DT)},
    rule=_item_event_date,
    ruled=frozenset({"event_date"}),
)
EVENT = Obj(
    "Event",
    {
        "id": ID,
        "community_id": ID,
        "title": STR,
        "event_date": DT,
        "city": STR,
        "location": STR,
        "description": STR,
        "registration": STR,
        "format": STR,
        "media_id": OPT_ID,
        "tags": ListOf(STR),
        "skills": ListOf(SKILL),
        "cost": INT,
        "participant_payout": INT,
    },
    additions={
        "participants_count": INT,
        "capacity": INT,
        "waitlist_count": INT,
        "my_participation": STR,
        "checked_in_count": INT,
        "moderation_status": MODERATION,
    },
)
STORY = Obj(
    "Story",
    {"id": ID, "community_id": ID, "title": STR, "media_url": STR, "media": Nullable(MEDIA)},
    additions={"company_id": ID, "moderation_status": MODERATION},
    rule=_story_ids,
)
PROFILE = Obj(
    "Profile",
    {
        "id": ID,
        "user_id": ID,
        "full_name": STR,
        "portfolio_url": STR,
        "description": STR,
        "skills": ListOf(SKILL),
        "statuses": ListOf(STATUS),
        "communities": ListOf(COMMUNITY),
        "joined_events": ListOf(EVENT),
    },
    additions={"avatar_media_id": OPT_ID},
)
USER = Obj(
    "User",
    {"id": ID, "role": ROLE, "phone": STR, "email": STR, "avatar_media_id": OPT_ID, "created_at": DT},
)
USER_DETAIL = Obj(
    "UserDetail",
    {
        "id": ID,
        "role": ROLE,
        "phone": STR,
        "full_name": STR,
        "portfolio_url": STR,
        "description": STR,
        "avatar_media_id": OPT_ID,
        "skills": ListOf(SKILL),
        "statuses": ListOf(STATUS),
        "created_at": DT,
        "communities": ListOf(COMMUNITY_FOR_USER),
    },
)

# §1.5 error bodies.
ERROR = Obj("Error", {"detail": STR})


def _loc_origin(item: dict[str, Any]) -> Iterator[str]:
    loc = item.get("loc")
    if not isinstance(loc, list) or not loc or loc[0] not in ("body", "query", "path"):
        yield f"loc must start with body, query or path, got {loc!r}"


VALIDATION_ITEM = Obj(
    "ValidationError",
    {"type": STR, "loc": ListOf(Either((STR, INT))), "msg": STR, "input": AnyValue()},
    additions={"ctx": Scalar("object", dict)},
    rule=_loc_origin,
)
VALIDATION_ERROR = Obj("ValidationErrorBody", {"detail": ListOf(VALIDATION_ITEM)})
