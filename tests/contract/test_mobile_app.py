"""The shipped mobile app's calls (contract §3.2), replayed the way the app sends them, each answer decoded as the
app's DTOs of §3.3 would decode it.

How the app talks (§3.1): Ktor with `Content-Type: application/json` on every call, GETs without a body included;
`Authorization: Bearer $session` on nearly every call, where `$session` is the literal `null` before the first login,
the empty string after a logout (the header is then `Bearer ` with nothing after it), or a token, possibly expired;
no Authorization header at all on the OTP calls, `GET /users/{id}` and `/reference/*`. Status codes are never
checked: a call "works" when its body decodes.

Decoding (§1.10, §3.1): the app's global `Json` (isLenient, ignoreUnknownKeys, explicit nulls, no input coercion)
fails on a missing key of a field without a default, even a nullable one, and on a `null` in a non-null field. The
tolerant `Json` of calls 9, 15 and 18 (coerceInputValues, explicitNulls = false) also takes a missing nullable key,
and a `null` where the field has a default. The decoder below is stricter than Kotlin on one point, on purpose: a
JSON value must have the JSON type of its Kotlin type (a string for String, a number for Int/Long, true/false for
Boolean), since the contract fixes those types; the one field the app declares with the "wrong" type,
`ProjectDto.members_count: String?`, is read from an int as the contract wants (C-5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from tests.conftest import TEST_JWT_SECRET
from tests.contract.app_http import app_call
from tests.contract.reads import READS
from tests.contract.world import SIGNED_IN, World, build_world, ok, soon
from tests.helpers import DEV_CODE, Api, claims, new_phone, payload

# --- the DTO field tables of §3.3 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class F:
    """One DTO field: its JSON key, its Kotlin declaration (type, `?`, and default as in the DTO), whether the global
    Json needs its key ("Key req." in §3.3), and, rarely, the JSON type the contract fixes over the Kotlin one."""

    key: str
    kotlin: str
    key_required: bool = True
    wire: str | None = None

    @property
    def has_default(self) -> bool:
        return "=" in self.kotlin

    @property
    def type(self) -> str:
        return self.kotlin.split("=")[0].strip().removesuffix("?")

    @property
    def nullable(self) -> bool:
        return self.kotlin.split("=")[0].strip().endswith("?")


def _strings(*keys: str, kotlin: str = "String") -> tuple[F, ...]:
    return tuple(F(key, kotlin) for key in keys)


SPHERE_FIELDS = _strings("id", "title", "background_color", "text_color")
COMMUNITY_SHORT_FIELDS = (
    *_strings("id", "name", "company_id", "description"),
    F("telegram_url", "String?"),
    F("tags", "List<String>"),
    F("is_archived", "Boolean"),
    F("logo_media_id", "String"),
)
DTOS: dict[str, tuple[F, ...]] = {
    # calls 3, 4, 5
    "AuthResponse": _strings("access_token", "token_type"),
    # call 7: a skill with its (non-null) sphere
    "GroupDto": (*_strings("id", "title"), F("sphere", "SphereDto")),
    "SphereDto": SPHERE_FIELDS,
    # call 8
    "StatusDTO": _strings("id", "title"),
    # the skill of users, companies, events and posts: `sphere_id` needed, `sphere` key needed but nullable
    "CategoryDto": (*_strings("id", "title", "sphere_id"), F("sphere", "SphereCatDto?")),
    "SphereCatDto": SPHERE_FIELDS,
    # call 9 (tolerant Json)
    "UserProfileDto": (
        *_strings("id", "role"),
        F("phone", "String?"),
        F("full_name", "String"),
        F("portfolio_url", "String?"),
        F("description", "String"),
        F("skills", "List<CategoryDto>"),
        F("statuses", "List<UserStatusDto>"),
        F("avatar_media_id", "String?"),
        F("created_at", "String"),
        F("communities", "List<CommunityShortDto>"),
    ),
    "UserStatusDto": _strings("id", "title"),
    "CommunityShortDto": COMMUNITY_SHORT_FIELDS,
    # call 10: members_count is declared String? and decodes from the API's int only because the Json is lenient;
    # the contract keeps it an int, which calls 11 and 16 read as Int? (C-5).
    "ProjectDto": (*COMMUNITY_SHORT_FIELDS, F("members_count", "String?", wire="Int")),
    # call 11
    "CommunityWithDetailsDto": (
        *COMMUNITY_SHORT_FIELDS,
        F("members_count", "Int?"),
        F("cases", "List<CommunityCaseDto>"),
        F("members", "List<CommunityMemberDto>"),
    ),
    "CommunityCaseDto": (
        *_strings("id", "community_id", "title", "description", "date"),
        F("solutions_count", "Int"),
    ),
    "CommunityMemberDto": (
        *_strings("id", "role"),
        F("phone", "String? = null", key_required=False),
        F("full_name", "String? = null", key_required=False),
        F("avatar_media_id", "String? = null", key_required=False),
        F("created_at", "String"),
    ),
    # call 13
    "CompanyDto": (
        *_strings("id", "name"),
        F("description", "String?"),
        F("logo_media_id", "String"),
        F("skills", "List<CategoryDto>"),
    ),
    # calls 14 and 15 (15 with the tolerant Json); `media` is not decoded, `members_count` is ignored
    "CompanyWithCommunitiesDto": (
        *_strings("id", "name", "description", "logo_media_id"),
        F("skills", "List<CategoryDto>"),
        F("communities", "List<CommunityDto>"),
    ),
    "CommunityDto": COMMUNITY_SHORT_FIELDS,
    # call 16
    "CompanyCommunityItemDto": (*COMMUNITY_SHORT_FIELDS, F("members_count", "Int?")),
    # call 17
    "EventDto": (
        *_strings("id", "community_id", "title", "event_date"),
        *_strings("city", "location", "description", "registration", "format", kotlin="String?"),
        F("media_id", "String"),
        F("tags", "List<String> = []", key_required=False),
        F("skills", "List<CategoryDto> = []", key_required=False),
        F("cost", "Int?"),
        F("participant_payout", "Int?"),
    ),
    # calls 18 (tolerant Json) and 19 (global Json)
    "PostDto": (
        *_strings("id", "community_id", "title"),
        F("body", "String?"),
        F("media", "List<MediaDto> = []", key_required=False),
        F("tags", "List<String> = []", key_required=False),
        F("skills", "List<CategoryDto> = []", key_required=False),
        F("cost", "Int?"),
        F("participant_payout", "Int?"),
    ),
    "MediaDto": (*_strings("id", "kind", "mime", "url", "ext"), F("size", "Long")),
}

GLOBAL, TOLERANT = "global Json", "tolerant Json"
JSON_TYPES: dict[str, type] = {"String": str, "Int": int, "Long": int, "Boolean": bool}


class DecodeError(AssertionError):
    pass


def decode(value: Any, kotlin_type: str, mode: str, where: str = "$") -> Any:
    """Decode `value` as the app would into `kotlin_type` (a DTO name, `List<…>` or a scalar): the decoded value,
    with defaults filled in, or a DecodeError saying why the app would fail."""
    if match := re.fullmatch(r"List<(.+)>", kotlin_type):
        if type(value) is not list:
            raise DecodeError(f"{where}: expected a JSON array for {kotlin_type}, got {value!r}")
        return [decode(item, match.group(1), mode, f"{where}[{index}]") for index, item in enumerate(value)]
    if kotlin_type in JSON_TYPES:
        if type(value) is not JSON_TYPES[kotlin_type]:
            raise DecodeError(f"{where}: expected {kotlin_type}, got {type(value).__name__} {value!r}")
        return value
    fields = DTOS[kotlin_type]
    if type(value) is not dict:
        raise DecodeError(f"{where}: expected a {kotlin_type} object, got {value!r}")
    decoded: dict[str, Any] = {}
    for f in fields:
        at = f"{where}.{f.key} ({kotlin_type}.{f.key}: {f.kotlin}, {mode})"
        if f.key not in value:
            if mode == GLOBAL and f.key_required:
                raise DecodeError(f"{at}: missing key")
            if mode == TOLERANT and not f.nullable and not f.has_default:
                raise DecodeError(f"{at}: missing key")
            decoded[f.key] = [] if f.has_default and "List" in f.type else None
            continue
        item = value[f.key]
        if item is None:
            if f.nullable:
                decoded[f.key] = None
            elif mode == TOLERANT and f.has_default:
                decoded[f.key] = []  # coerceInputValues: the default (every non-null default here is a list)
            else:
                raise DecodeError(f"{at}: null in a non-null field")
            continue
        decoded[f.key] = decode(item, f.wire or f.type, mode, at)
    return decoded


def test_dto_tables_agree_with_kotlin_declarations() -> None:
    """§3.3's "Key req." follows from each Kotlin declaration: a field without a default needs its key."""
    for name, fields in DTOS.items():
        assert len({f.key for f in fields}) == len(fields), name
        for f in fields:
            assert f.key_required == (not f.has_default), f"{name}.{f.key}"
            for part in re.findall(r"[A-Za-z]+", f.type):
                assert part in JSON_TYPES or part in DTOS or part == "List", f"{name}.{f.key}: {part}"


def test_decoder_refuses_what_the_app_refuses() -> None:
    """The decoder fails where the app would (so the calls below can fail)."""
    media = {"id": "a", "kind": "image", "mime": "image/png", "url": "/media/a", "ext": "png", "size": 1}
    post = {"id": "p", "community_id": "c", "title": "t", "body": "", "cost": 0, "participant_payout": 0}
    assert decode(post, "PostDto", GLOBAL)["media"] == []  # a key with a default may be missing
    assert decode(post | {"body": None}, "PostDto", GLOBAL)["body"] is None  # String? takes null
    bad: list[tuple[dict[str, Any], str, str]] = [
        ({k: v for k, v in post.items() if k != "cost"}, "PostDto", GLOBAL),  # Int? without default: key needed
        (post | {"title": None}, "PostDto", TOLERANT),  # null in a non-null String
        (post | {"media": [media | {"ext": None}]}, "PostDto", GLOBAL),  # MediaDto.ext is a non-null String
        (post | {"media": [media | {"size": "1"}]}, "PostDto", GLOBAL),  # Long, not a string
        (post | {"cost": "0"}, "PostDto", GLOBAL),  # Int?, not a string
        (post | {"skills": [{"id": "s", "title": "t", "sphere": None}]}, "PostDto", GLOBAL),  # sphere_id needed
    ]
    for body, dto, mode in bad:
        with pytest.raises(DecodeError):
            decode(body, dto, mode)
    with pytest.raises(DecodeError):  # the sphere of a GroupDto is not nullable
        decode({"id": "s", "title": "t", "sphere": None}, "GroupDto", GLOBAL)
    community: dict[str, Any] = {
        "id": "c",
        "name": "n",
        "company_id": "",
        "description": "",
        "telegram_url": None,
        "tags": [],
        "is_archived": False,
        "logo_media_id": "",
    }
    with pytest.raises(DecodeError):  # ProjectDto.members_count: the contract keeps it an int (C-5)
        decode(community | {"members_count": "0"}, "ProjectDto", GLOBAL)
    assert decode(community | {"members_count": 3}, "ProjectDto", GLOBAL)["members_count"] == 3


# --- sending as the app sends -------------------------------------------------------------------------------------


def expired_token(user_id: str) -> str:
    """A session kept past its 7 days: a real token of this server, expired."""
    now = datetime.now(UTC)
    body = {"sub": user_id, "role": "student", "type": "access", "iat": now - timedelta(days=8)}
    return jwt.encode(body | {"exp": now - timedelta(days=1)}, TEST_JWT_SECRET, algorithm="HS256")


def public_sessions(world: World) -> dict[str, str]:
    """What the app may put after `Bearer ` on a public call (C-7)."""
    student = world.tokens["student"]
    assert student
    return {
        "never logged in": "null",
        "logged out": "",
        "expired": expired_token(world.user_ids["student"]),
        "logged in": student,
    }


async def read(client: httpx.AsyncClient, path: str, dto: str, mode: str, session: str | None) -> Any:
    answer = await app_call(client, "GET", path, session=session)
    try:
        return decode(answer.json(), dto, mode, f"GET {path}")
    except (DecodeError, ValueError) as error:
        raise AssertionError(f"GET {path} with Bearer {session!r}: {answer.status} {answer.content[:300]!r}") from error


# --- the calls ----------------------------------------------------------------------------------------------------


async def test_login_calls(client: httpx.AsyncClient) -> None:
    """Calls 1-5: OTP for students and companies (no Authorization header), and the company sign-up (C-1)."""
    for prefix, role in (("/auth", "student"), ("/auth/company", "company")):
        phone = new_phone()  # "+7" and ten digits, as the app builds it
        answer = await app_call(client, "POST", f"{prefix}/otp/request", session=None, body={"phone": phone})
        assert (answer.status, answer.content) == (204, b"")
        assert len(DEV_CODE) == 5 and DEV_CODE.isdigit()  # the app submits the code once 5 digits are typed
        body = {"phone": phone, "code": DEV_CODE}
        answer = await app_call(client, "POST", f"{prefix}/otp/verify", session=None, body=body)
        token = decode(answer.json(), "AuthResponse", GLOBAL)
        assert token["token_type"] == "bearer"
        assert claims(token["access_token"])["role"] == role

    for index, session in enumerate(("null", "")):
        body = {"email": f"firm{index}@example.com", "password": "long-enough", "name": f"Firm {index}"}
        answer = await app_call(client, "POST", "/auth/company/signup", session=session, body=body)
        token = decode(answer.json(), "AuthResponse", GLOBAL)
        assert claims(token["access_token"])["role"] == "company"


async def test_profile_and_reference_calls(client: httpx.AsyncClient) -> None:
    """Calls 6-9: reference lists without a token, the profile PATCH as the app builds it, the user's page."""
    world = await build_world(client)
    skills = await read(client, "/reference/skills", "List<GroupDto>", GLOBAL, session=None)
    statuses = await read(client, "/reference/statuses", "List<StatusDTO>", GLOBAL, session=None)
    assert skills and statuses
    assert all(skill["sphere"] is not None for skill in skills)

    # Call 6: null fields left out, "" for titles the app could not map; the answer is ignored, the effect is not.
    body = {"full_name": "Anna", "skill_uids": ["", skills[-1]["id"]], "status_uids": [statuses[-1]["id"], ""]}
    answer = await app_call(client, "PATCH", "/profiles/me", session=world.tokens["student"], body=body)
    assert answer.status == 200, answer.content

    # Call 9: no Authorization header; the tolerant Json; skills must carry sphere_id (C-3).
    user = await read(client, f"/users/{world.user_ids['student']}", "UserProfileDto", TOLERANT, session=None)
    assert user["full_name"] == "Anna"
    assert [skill["id"] for skill in user["skills"]] == [skills[-1]["id"]]
    assert [status["id"] for status in user["statuses"]] == [statuses[-1]["id"]]
    assert [community["id"] for community in user["communities"]] == [world.community_id]
    assert user["phone"] == ""  # nobody signed in: no phone (D-05)


async def test_community_and_company_calls(client: httpx.AsyncClient) -> None:
    """Calls 10-16: communities and companies, with every session the app may hold on public calls."""
    world = await build_world(client)
    company = world.tokens["company"]
    for name in ("Alpha", "Beta", "Gamma", "Delta"):  # six communities in all
        ok(await client.post("/communities/", json={"name": name}, headers=world.headers("company")))
    for label, session in public_sessions(world).items():
        projects = await read(client, "/communities/?offset=0&limit=5", "List<ProjectDto>", GLOBAL, session)
        assert len(projects) == 5, label  # the app's limit is honoured (C-2)
        detail = await read(client, f"/communities/{world.community_id}", "CommunityWithDetailsDto", GLOBAL, session)
        assert detail["members_count"] == len(detail["members"]) == len(SIGNED_IN), label  # a real count (C-5, D-11)
        assert detail["cases"] and all(member["full_name"] for member in detail["members"]), label
        companies = await read(client, "/companies/", "List<CompanyDto>", GLOBAL, session)
        assert [item["id"] for item in companies] == [world.company_id], label
        info = await read(client, f"/companies/{world.company_id}", "CompanyWithCommunitiesDto", GLOBAL, session)
        assert info["skills"] and len(info["communities"]) == 6, label

    # Call 12, the "subscribe" button, tapped twice: one membership, seen by the profile, members and count (C-8).
    student = world.tokens["student"]
    for _ in range(2):
        answer = await app_call(client, "POST", f"/communities/{world.other_community_id}/follow", session=student)
        assert answer.status == 200
    detail = await read(client, f"/communities/{world.other_community_id}", "CommunityWithDetailsDto", GLOBAL, "null")
    assert detail["members_count"] == 1
    assert [member["id"] for member in detail["members"]] == [world.user_ids["student"]]
    profile = ok(await client.get("/profiles/me", headers=world.headers("student")))
    assert world.other_community_id in [community["id"] for community in profile["communities"]]

    # Calls 15 and 16, as the company.
    mine = await read(client, "/companies/me", "CompanyWithCommunitiesDto", TOLERANT, company)
    assert mine["id"] == world.company_id and len(mine["communities"]) == 6
    items = await read(client, "/communities/mine", "List<CompanyCommunityItemDto>", GLOBAL, company)
    assert len(items) == 6
    assert {item["name"]: item["members_count"] for item in items}["Zeta Lab"] == 1


async def test_event_feed_and_media_calls(client: httpx.AsyncClient) -> None:
    """Calls 17-20: upcoming events, the feed with the misspelt `offest`, one post, and the images."""
    world = await build_world(client)
    later = {
        "community_id": world.community_id,
        "title": "Later",
        "event_date": soon(60),
        "media_id": world.media["event_image"]["id"],  # every feed item has a picture (C-9)
    }
    ok(await client.post("/events/", json=later, headers=world.headers("company")))
    for label, session in public_sessions(world).items():
        events = await read(client, "/events/upcoming?offset=0&limit=20", "List<EventDto>", GLOBAL, session)
        assert [event["id"] for event in events][:1] == [world.event_id], label
        assert events[0]["skills"] and events[0]["media_id"] == world.media["event_image"]["id"], label
        skipped = await read(client, "/events/upcoming?offset=1&limit=20", "List<EventDto>", GLOBAL, session)
        assert [event["title"] for event in skipped] == ["Later"], label  # offset is honoured (C-4)

        feed = await read(client, "/content/posts?limit=2&offest=0", "List<PostDto>", TOLERANT, session)
        assert len(feed) == 2, label
        assert all(item["media"] for item in feed), label  # the app reads media[0] of every item (C-9)
        again = await read(client, "/content/posts?limit=2&offest=1", "List<PostDto>", TOLERANT, session)
        assert again == feed, label  # the typo is ignored, never a 422 (C-6)

        for content_id in (world.post_id, world.event_id):
            post = await read(client, f"/content/posts/{content_id}", "PostDto", GLOBAL, session)
            assert post["id"] == content_id and post["media"], label

    # Call 20: the app loads every image as /media/<id>, with no Authorization header, from these ids.
    community = ok(await client.get(f"/communities/{world.community_id}"))
    company = ok(await client.get(f"/companies/{world.company_id}"))
    post = ok(await client.get(f"/content/posts/{world.post_id}"))
    event = ok(await client.get("/events/upcoming"))[0]
    user = ok(await client.get(f"/users/{world.user_ids['student']}"))
    image_ids = [
        community["logo_media_id"],
        company["logo_media_id"],
        post["media"][0]["id"],
        event["media_id"],
        user["avatar_media_id"],
    ]
    assert len(set(image_ids)) == 5
    for media_id in image_ids:
        assert re.fullmatch(r"[0-9a-f]{32}", media_id), media_id  # bare ids, not URLs
        answer = await app_call(client, "GET", f"/media/{media_id}", session=None)
        assert answer.status == 200, media_id
        assert answer.content == payload(256)
        assert answer.headers["content-type"] == "image/png"


async def test_public_reads_ignore_leftover_sessions(client: httpx.AsyncClient) -> None:
    """§1.2, C-7: every public read answers a leftover session exactly as it answers no token at all."""
    world = await build_world(client)
    leftovers = {label: session for label, session in public_sessions(world).items() if label != "logged in"}
    for read_ in READS:
        if "anonymous" not in read_.roles:
            continue
        for url in read_.urls(world):
            anonymous = await app_call(client, "GET", url, session=None)
            assert anonymous.status == 200, url
            for label, session in leftovers.items():
                answer = await app_call(client, "GET", url, session=session)
                assert (answer.status, answer.json()) == (200, anonymous.json()), (url, label)


async def test_leftover_sessions_on_a_signed_in_call(api: Api, client: httpx.AsyncClient) -> None:
    """The same leftover headers on a call that needs a login get the §1.2 answers (which also shows that the header
    goes out as the app writes it, `Bearer ` included)."""
    student = await api.student()
    refusals = {
        "null": (401, {"detail": "Invalid token"}),  # never logged in
        "": (401, {"detail": "Not authenticated"}),  # logged out: nothing after "Bearer "
        expired_token(claims(student)["sub"]): (401, {"detail": "Invalid token"}),
    }
    for session, refusal in refusals.items():
        answer = await app_call(client, "GET", "/profiles/me", session=session)
        assert (answer.status, answer.json()) == refusal, session[:20]
    assert (await app_call(client, "GET", "/profiles/me", session=student)).status == 200
