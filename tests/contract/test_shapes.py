"""The response shapes of §1.12 and the error bodies of §1.5.

Every GET operation of the old service that answers a shape is called by every role the contract lets call it, on a
complete data set (world.py), and each body is validated recursively against its typed shape (wire.py), with every
list and nullable value filled so that nested shapes are really checked; the roles the contract refuses get the §1.5
refusal. The writes that build the data set, and a few more, are validated against their shapes too. Then the error
bodies: the 401s of §1.2, a 403, both 404s, a 405 and 422s in the query and in the body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt

from tests import shapes
from tests.conftest import TEST_JWT_SECRET
from tests.contract import wire
from tests.contract.operations import OPERATIONS
from tests.contract.reads import NOT_A_SHAPE, READS
from tests.contract.world import ADMIN_EMAIL, ADMIN_PASSWORD, ROLES, World, build_world
from tests.helpers import Api, bearer, claims

UNKNOWN_ID = "0" * 32


def test_every_get_operation_is_described() -> None:
    gets = {(method, path) for method, path in OPERATIONS if method == "GET"}
    described = [("GET", read.template) for read in READS]
    assert len(described) == len(set(described))
    assert set(described) == gets - NOT_A_SHAPE


def test_typed_shapes_cover_the_key_sets() -> None:
    """The typed descriptions name every key of the project's shape key sets (tests/shapes.py), and nothing else."""
    pairs = [
        (wire.SPHERE, shapes.SPHERE_KEYS),
        (wire.SKILL, shapes.SKILL_KEYS),
        (wire.MEDIA, shapes.MEDIA_KEYS),
        (wire.COMMUNITY_FOR_USER, shapes.COMMUNITY_FOR_USER_KEYS),
        (wire.COMMUNITY, shapes.COMMUNITY_KEYS),
        (wire.MEMBER, shapes.MEMBER_KEYS),
        (wire.CASE, shapes.CASE_KEYS),
        (wire.POST, shapes.POST_KEYS),
        (wire.CONTENT_ITEM, shapes.ITEM_KEYS),
        (wire.EVENT, shapes.EVENT_KEYS),
        (wire.STORY, shapes.STORY_KEYS),
        (wire.COMPANY, shapes.COMPANY_KEYS),
        (wire.COMPANY_DETAIL, shapes.COMPANY_DETAIL_KEYS),
        (wire.USER, shapes.USER_KEYS),
        (wire.USER_DETAIL, shapes.USER_DETAIL_KEYS),
        (wire.PROFILE, shapes.PROFILE_KEYS),
    ]
    for spec, keys in pairs:
        assert spec.keys <= keys, spec.name  # every contract key is in the project's shape
        assert keys - spec.keys <= set(spec.additions), spec.name  # the rest are typed additions


def test_the_validator_refuses_what_the_contract_refuses() -> None:
    """wire.validate fails where the contract is broken (so the checks below can fail)."""
    media_id = "a" * 32
    media = {"id": media_id, "kind": "image", "mime": "image/png", "ext": "png", "size": 1, "url": f"/media/{media_id}"}
    assert wire.validate(media, wire.MEDIA, full=True) == []
    broken_media = [
        media | {"ext": None},  # null in a coerced field (§1.10)
        {key: value for key, value in media.items() if key != "ext"},  # a missing key
        media | {"size": "1"},  # a string for an int
        media | {"size": True},  # a bool for an int
        media | {"kind": "picture"},  # not one of the kinds
        media | {"id": media_id.upper()},  # not a lower-case hex id
        media | {"url": f"http://host/media/{media_id}"},  # not the relative /media/{id}
    ]
    for body in broken_media:
        assert wire.validate(body, wire.MEDIA) != [], body
    item = {
        "id": media_id,
        "community_id": media_id,
        "title": "t",
        "type": "post",
        "body": "",
        "event_date": None,
        "media": [media],
        "tags": ["a"],
        "skills": [],
        "cost": 0,
        "participant_payout": 0,
    }
    assert wire.validate(item, wire.CONTENT_ITEM) == []
    assert wire.validate(item, wire.CONTENT_ITEM, full=True) != []  # full: the empty skills list
    assert wire.validate(item | {"event_date": "2030-01-02T10:00:00Z"}, wire.CONTENT_ITEM) != []  # a dated post
    assert wire.validate(item | {"type": "event"}, wire.CONTENT_ITEM) != []  # an undated event
    assert wire.validate(item | {"type": "event", "event_date": "2030-01-02T10:00:00Z"}, wire.CONTENT_ITEM) == []
    assert wire.validate(item | {"type": "event", "event_date": "2030-01-02T10:00:00"}, wire.CONTENT_ITEM) != []
    story = {"id": media_id, "community_id": media_id, "company_id": media_id, "title": "t", "media_url": ""}
    assert wire.validate(story | {"media": None}, wire.STORY) == []  # Story.media may be null
    assert wire.validate(story | {"media": None}, wire.STORY, full=True) != []  # but the data set fills it
    assert wire.validate(story | {"media": media, "company_id": "b" * 32}, wire.STORY) != []  # D-08
    assert wire.validate([story | {"media": media}], wire.ListOf(wire.STORY), full=True) == []


def _refusal(role: str) -> tuple[int, dict[str, str]]:
    if role == "anonymous":
        return 401, {"detail": "Not authenticated"}
    return 403, {"detail": "Forbidden"}


async def _check_reads(client: httpx.AsyncClient, world: World, role: str, problems: list[str]) -> None:
    """Every read as `role`: the full shape when the contract lets `role` call it, else the refusal."""
    for read in READS:
        for url in read.urls(world):
            response = await client.get(url, headers=world.headers(role))
            where = f"GET {url} as {role}"
            if role not in read.roles:
                expected = _refusal(role)
                if (response.status_code, response.json()) != expected:
                    problems.append(f"{where}: expected {expected}, got {response.status_code} {response.text}")
            elif response.status_code != 200:
                problems.append(f"{where}: {response.status_code} {response.text}")
            else:
                problems += wire.validate(response.json(), read.spec, full=True, where=where)


async def test_every_shape_for_every_role(client: httpx.AsyncClient) -> None:
    world = await build_world(client)  # its writes are validated against their shapes as it goes
    problems: list[str] = []
    for role in ROLES:
        await _check_reads(client, world, role, problems)

    # The writes the data set was not built with.
    company, admin = world.headers("company"), world.headers("admin")
    writes: list[tuple[httpx.Response, wire.Spec]] = [
        (
            await client.patch(f"/communities/{world.community_id}", json={"description": "New"}, headers=company),
            wire.COMMUNITY,
        ),
        (await client.patch(f"/content/posts/{world.post_id}", json={"body": "New"}, headers=company), wire.POST),
        (await client.post("/admin/companies", json={"name": "Beta"}, headers=admin), wire.COMPANY),
        (
            await client.patch(f"/admin/companies/{world.company_id}", json={"description": "New"}, headers=admin),
            wire.COMPANY,
        ),
        (await client.post("/admin/communities", json={"name": "Open"}, headers=admin), wire.COMMUNITY),
        (
            await client.patch(f"/admin/communities/{world.community_id}", json={"name": "Open 2"}, headers=admin),
            wire.COMMUNITY,
        ),
        (await client.post("/auth/admin/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}), wire.TOKEN),
    ]
    for response, spec in writes:
        where = f"{response.request.method} {response.request.url.path}"
        if response.status_code != 200:
            problems.append(f"{where}: {response.status_code} {response.text}")
        else:
            problems += wire.validate(response.json(), spec, where=where)
    assert problems == []


def _forge(**fields: object) -> dict[str, str]:
    """A token signed with the test server's secret, with the given claims."""
    now = datetime.now(UTC)
    body = {"role": "student", "type": "access", "iat": now, "exp": now + timedelta(hours=1)} | fields
    return bearer(jwt.encode({k: v for k, v in body.items() if v is not None}, TEST_JWT_SECRET, algorithm="HS256"))


async def test_error_shapes(api: Api, client: httpx.AsyncClient) -> None:
    student_token = await api.student()
    student, student_id = bearer(student_token), claims(student_token)["sub"]
    cases = [
        # 401, the §1.2 variants: no header, wrong scheme, no credentials; a bad token; an unknown user.
        (await client.get("/profiles/me"), 401, {"detail": "Not authenticated"}),
        (
            await client.get("/profiles/me", headers={"Authorization": "Basic YTpi"}),
            401,
            {"detail": "Not authenticated"},
        ),
        (await client.get("/profiles/me", headers={"Authorization": "Bearer"}), 401, {"detail": "Not authenticated"}),
        (await client.get("/profiles/me", headers={"Authorization": "Bearer x.y.z"}), 401, {"detail": "Invalid token"}),
        (await client.get("/profiles/me", headers=_forge(sub=None)), 401, {"detail": "Invalid token"}),
        (await client.get("/profiles/me", headers=_forge(sub=UNKNOWN_ID)), 401, {"detail": "User not found"}),
        # ... and a token the old service accepted: no expiry, or not an access token (D-04).
        (await client.get("/profiles/me", headers=_forge(sub=student_id, exp=None)), 401, {"detail": "Invalid token"}),
        (await client.get("/profiles/me", headers=_forge(sub=student_id, type=None)), 401, {"detail": "Invalid token"}),
        (await client.get("/profiles/me", headers=_forge(sub=student_id)), 200, None),  # the control: a good one
        # 403: a student on an admin route.
        (await client.get("/users/", headers=student), 403, {"detail": "Forbidden"}),
        # 404: an entity that does not exist (lower-case f), and a route that does not exist (capital F).
        (await client.get(f"/communities/{UNKNOWN_ID}"), 404, {"detail": "Not found"}),
        (await client.get("/no/such/route"), 404, {"detail": "Not Found"}),
        # 405: a route without that method.
        (await client.put("/health"), 405, {"detail": "Method Not Allowed"}),
    ]
    for response, status, body in cases:
        if body is None:
            assert response.status_code == status, response.text
            continue
        where = (response.request.url, response.request.headers.get("authorization", "")[:20])
        assert (response.status_code, response.json()) == (status, body), where
        assert wire.validate(response.json(), wire.ERROR) == []

    # 422: request validation, in the query and in the body.
    for response, loc in (
        (await client.get("/content/posts", params={"limit": 0}), ["query", "limit"]),
        (await client.post("/auth/otp/request", json={"phone": "12345"}), ["body", "phone"]),
    ):
        assert response.status_code == 422, response.text
        body = response.json()
        assert wire.validate(body, wire.VALIDATION_ERROR, full=False) == []
        assert [item["loc"] for item in body["detail"]] == [loc]
