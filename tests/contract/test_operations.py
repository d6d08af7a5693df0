"""The old service's 54 operations are all still there (contract Appendix C, §1.9, D-28).

(a) operations.py equals the seed's OpenAPI document (when the shared folder sits beside the clone);
(b) our /openapi.json documents every one of them;
(c) a real request to each, spelt with and without a trailing slash, reaches its handler and gets its real answer:
    never the router's 404 `{"detail":"Not Found"}`, never 405, never a redirect.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from tests.contract.operations import OPERATIONS, normalize, openapi_operations
from tests.contract.world import ADMIN_EMAIL, ADMIN_PASSWORD, World, build_world, soon
from tests.helpers import ADMIN_SIGNUP_TOKEN, DEV_CODE, PNG, Api, bearer, new_phone, payload

# The old service's OpenAPI document (a copy of ../shared/reference/seed-openapi.json, kept with the tests).
SEED_OPENAPI = Path(__file__).resolve().parents[1] / "fixtures" / "old-openapi.json"

# A call of one operation: given the data set and the path template spelt one way, make the real request.
Call = Callable[[World, str], Awaitable[httpx.Response]]
CALLS: dict[tuple[str, str], tuple[int, Call]] = {}


def call(method: str, template: str, status: int = 200) -> Callable[[Call], Call]:
    def register(function: Call) -> Call:
        assert (method, template) not in CALLS
        CALLS[method, template] = (status, function)
        return function

    return register


# --- auth ---------------------------------------------------------------------------------------------------------


@call("POST", "/auth/otp/request", 204)
async def _otp_request(w: World, path: str) -> httpx.Response:
    return await w.client.post(path, json={"phone": new_phone()})


@call("POST", "/auth/otp/verify")
async def _otp_verify(w: World, path: str) -> httpx.Response:
    phone = new_phone()
    assert (await w.client.post("/auth/otp/request", json={"phone": phone})).status_code == 204
    return await w.client.post(path, json={"phone": phone, "code": DEV_CODE})


@call("POST", "/auth/company/otp/request", 204)
async def _company_otp_request(w: World, path: str) -> httpx.Response:
    return await w.client.post(path, json={"phone": new_phone()})


@call("POST", "/auth/company/otp/verify")
async def _company_otp_verify(w: World, path: str) -> httpx.Response:
    phone = new_phone()
    assert (await w.client.post("/auth/company/otp/request", json={"phone": phone})).status_code == 204
    return await w.client.post(path, json={"phone": phone, "code": DEV_CODE})


@call("POST", "/auth/admin/signup")
async def _admin_signup(w: World, path: str) -> httpx.Response:
    body = {"email": f"{secrets.token_hex(4)}@example.com", "password": "pass-1234", "signup_token": ADMIN_SIGNUP_TOKEN}
    return await w.client.post(path, json=body)


@call("POST", "/auth/admin/login")
async def _admin_login(w: World, path: str) -> httpx.Response:
    return await w.client.post(path, json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})


# --- media --------------------------------------------------------------------------------------------------------


@call("POST", "/media/upload")
async def _upload(w: World, path: str) -> httpx.Response:
    files = {"file": ("photo.png", payload(128, PNG), "image/png")}
    return await w.client.post(path, files=files, headers=w.headers("student"))


@call("GET", "/media/{media_id}")
async def _download(w: World, path: str) -> httpx.Response:
    return await w.client.get(path.format(media_id=w.media["post_image"]["id"]))


# --- content ------------------------------------------------------------------------------------------------------


@call("GET", "/content/posts")
async def _feed(w: World, path: str) -> httpx.Response:
    return await w.client.get(path)


@call("POST", "/content/posts")
async def _create_post(w: World, path: str) -> httpx.Response:
    body = {"community_id": w.community_id, "title": "Another", "body": "Text"}
    return await w.client.post(path, json=body, headers=w.headers("company"))


@call("PATCH", "/content/posts/{post_id}")
async def _patch_post(w: World, path: str) -> httpx.Response:
    return await w.client.patch(path.format(post_id=w.post_id), json={"title": "Renamed"}, headers=w.headers("company"))


@call("GET", "/content/posts/{post_id}")
async def _get_post(w: World, path: str) -> httpx.Response:
    return await w.client.get(path.format(post_id=w.post_id))


@call("POST", "/content/stories")
async def _create_story(w: World, path: str) -> httpx.Response:
    body = {"company_id": w.company_id, "title": "More", "media_uid": w.media["story"]["id"]}
    return await w.client.post(path, json=body, headers=w.headers("company"))


@call("GET", "/content/stories/{story_id}")
async def _get_story(w: World, path: str) -> httpx.Response:
    return await w.client.get(path.format(story_id=w.story_id))


@call("GET", "/content/users/{user_id}/posts/featured")
async def _user_featured(w: World, path: str) -> httpx.Response:
    return await w.client.get(path.format(user_id=w.user_ids["student"]))


@call("GET", "/content/me/posts/featured")
async def _my_featured(w: World, path: str) -> httpx.Response:
    return await w.client.get(path, headers=w.headers("student"))


@call("GET", "/content/me/posts/from-followed-communities")
async def _my_followed_posts(w: World, path: str) -> httpx.Response:
    return await w.client.get(path, headers=w.headers("student"))


@call("GET", "/content/me/stories/from-followed-companies")
async def _my_followed_stories(w: World, path: str) -> httpx.Response:
    return await w.client.get(path, headers=w.headers("student"))


# --- events -------------------------------------------------------------------------------------------------------


@call("GET", "/events/upcoming")
async def _upcoming(w: World, path: str) -> httpx.Response:
    return await w.client.get(path)


@call("GET", "/events/my/upcoming")
async def _my_upcoming(w: World, path: str) -> httpx.Response:
    return await w.client.get(path, headers=w.headers("student"))


@call("POST", "/events/")
async def _create_event(w: World, path: str) -> httpx.Response:
    body = {"community_id": w.community_id, "title": "Meetup", "event_date": soon()}
    return await w.client.post(path, json=body, headers=w.headers("company"))


@call("POST", "/events/{event_id}/join")
async def _join(w: World, path: str) -> httpx.Response:
    return await w.client.post(path.format(event_id=w.event_id), headers=w.headers("student"))


@call("DELETE", "/events/{event_id}/join")
async def _leave(w: World, path: str) -> httpx.Response:
    return await w.client.delete(path.format(event_id=w.event_id), headers=w.headers("student"))


# --- companies ----------------------------------------------------------------------------------------------------


@call("GET", "/companies/")
async def _companies(w: World, path: str) -> httpx.Response:
    return await w.client.get(path)


@call("GET", "/companies/me")
async def _my_company(w: World, path: str) -> httpx.Response:
    return await w.client.get(path, headers=w.headers("company"))


@call("PATCH", "/companies/me")
async def _patch_my_company(w: World, path: str) -> httpx.Response:
    return await w.client.patch(path, json={"description": "Changed"}, headers=w.headers("company"))


@call("GET", "/companies/{company_id}")
async def _company(w: World, path: str) -> httpx.Response:
    return await w.client.get(path.format(company_id=w.company_id))


@call("GET", "/companies/me/followed")
async def _followed_companies(w: World, path: str) -> httpx.Response:
    return await w.client.get(path, headers=w.headers("student"))


@call("POST", "/companies/{company_id}/follow")
async def _follow_company(w: World, path: str) -> httpx.Response:
    return await w.client.post(path.format(company_id=w.company_id), headers=w.headers("student"))


@call("DELETE", "/companies/{company_id}/follow")
async def _unfollow_company(w: World, path: str) -> httpx.Response:
    return await w.client.delete(path.format(company_id=w.company_id), headers=w.headers("student"))


# --- communities --------------------------------------------------------------------------------------------------


@call("GET", "/communities/mine")
async def _mine(w: World, path: str) -> httpx.Response:
    return await w.client.get(path, headers=w.headers("student"))


@call("GET", "/communities/joinable")
async def _joinable(w: World, path: str) -> httpx.Response:
    return await w.client.get(path, headers=w.headers("student"))


@call("GET", "/communities/")
async def _communities(w: World, path: str) -> httpx.Response:
    return await w.client.get(path)


@call("POST", "/communities/")
async def _create_community(w: World, path: str) -> httpx.Response:
    return await w.client.post(path, json={"name": "New one"}, headers=w.headers("company"))


@call("GET", "/communities/by-company/{company_id}")
async def _by_company(w: World, path: str) -> httpx.Response:
    return await w.client.get(path.format(company_id=w.company_id))


@call("GET", "/communities/{community_id}")
async def _community(w: World, path: str) -> httpx.Response:
    return await w.client.get(path.format(community_id=w.community_id))


@call("PATCH", "/communities/{community_id}")
async def _patch_community(w: World, path: str) -> httpx.Response:
    url = path.format(community_id=w.community_id)
    return await w.client.patch(url, json={"description": "Changed"}, headers=w.headers("company"))


@call("POST", "/communities/{community_id}/follow")
async def _follow(w: World, path: str) -> httpx.Response:
    return await w.client.post(path.format(community_id=w.other_community_id), headers=w.headers("student"))


@call("DELETE", "/communities/{community_id}/follow")
async def _unfollow(w: World, path: str) -> httpx.Response:
    return await w.client.delete(path.format(community_id=w.other_community_id), headers=w.headers("student"))


@call("GET", "/communities/{community_id}/posts")
async def _community_posts(w: World, path: str) -> httpx.Response:
    return await w.client.get(path.format(community_id=w.community_id))


@call("POST", "/communities/{community_id}/cases")
async def _create_case(w: World, path: str) -> httpx.Response:
    body = {"title": "Case", "date": soon(5)}
    return await w.client.post(path.format(community_id=w.community_id), json=body, headers=w.headers("company"))


@call("DELETE", "/communities/{community_id}/cases/{case_id}")
async def _delete_case(w: World, path: str) -> httpx.Response:
    # A case of its own for each spelling: deleting the same one twice would rightly answer 404 `Case not found`.
    created = await _create_case(w, "/communities/{community_id}/cases")
    assert created.status_code == 200, created.text
    url = path.format(community_id=w.community_id, case_id=created.json()["id"])
    return await w.client.delete(url, headers=w.headers("company"))


# --- admin --------------------------------------------------------------------------------------------------------


@call("POST", "/admin/companies")
async def _admin_create_company(w: World, path: str) -> httpx.Response:
    return await w.client.post(path, json={"name": "Beta"}, headers=w.headers("admin"))


@call("PATCH", "/admin/companies/{company_id}")
async def _admin_patch_company(w: World, path: str) -> httpx.Response:
    url = path.format(company_id=w.company_id)
    return await w.client.patch(url, json={"description": "By the admin"}, headers=w.headers("admin"))


@call("POST", "/admin/communities")
async def _admin_create_community(w: World, path: str) -> httpx.Response:
    return await w.client.post(path, json={"name": "Open", "company_id": w.company_id}, headers=w.headers("admin"))


@call("PATCH", "/admin/communities/{community_id}")
async def _admin_patch_community(w: World, path: str) -> httpx.Response:
    url = path.format(community_id=w.community_id)
    return await w.client.patch(url, json={"telegram_url": "https://t.me/x"}, headers=w.headers("admin"))


# --- profiles, reference, users, root -----------------------------------------------------------------------------


@call("GET", "/profiles/me")
async def _profile(w: World, path: str) -> httpx.Response:
    return await w.client.get(path, headers=w.headers("student"))


@call("PATCH", "/profiles/me")
async def _patch_profile(w: World, path: str) -> httpx.Response:
    return await w.client.patch(path, json={"full_name": "Renamed"}, headers=w.headers("student"))


@call("GET", "/reference/spheres")
async def _spheres(w: World, path: str) -> httpx.Response:
    return await w.client.get(path)


@call("GET", "/reference/skills")
async def _skills(w: World, path: str) -> httpx.Response:
    return await w.client.get(path)


@call("GET", "/reference/statuses")
async def _statuses(w: World, path: str) -> httpx.Response:
    return await w.client.get(path)


@call("GET", "/users/")
async def _users(w: World, path: str) -> httpx.Response:
    return await w.client.get(path, headers=w.headers("admin"))


@call("GET", "/users/{user_id}")
async def _user(w: World, path: str) -> httpx.Response:
    return await w.client.get(path.format(user_id=w.user_ids["student"]))


@call("GET", "/health")
async def _health(w: World, path: str) -> httpx.Response:
    return await w.client.get(path)


# --- the tests ----------------------------------------------------------------------------------------------------


def test_the_list_has_the_54_operations() -> None:
    assert len(OPERATIONS) == len(set(OPERATIONS)) == 54
    assert len({normalize(*operation) for operation in OPERATIONS}) == 54
    assert set(CALLS) == set(OPERATIONS)  # every operation has its real request below


def test_the_list_equals_the_seed_openapi() -> None:
    seed = json.loads(SEED_OPENAPI.read_text())
    assert openapi_operations(seed) == set(OPERATIONS)


async def test_our_openapi_documents_every_operation(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    ours = {normalize(method, path) for method, path in openapi_operations(response.json())}
    missing = sorted({normalize(*operation) for operation in OPERATIONS} - ours)
    assert missing == []


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def _spellings(template: str) -> list[str]:
    bare = template.rstrip("/")
    return [bare, bare + "/"]


async def test_every_operation_answers_on_both_spellings(client: httpx.AsyncClient) -> None:
    world = await build_world(client)
    problems = []
    answered = 0
    for method, template in OPERATIONS:
        status, function = CALLS[method, template]
        for spelt in _spellings(template):
            response = await function(world, spelt)
            where = f"{method} {response.request.url.path}"
            assert response.request.method == method
            assert response.request.url.path.endswith("/") == spelt.endswith("/"), where
            assert response.history == [], f"{where}: a redirect was followed"
            if response.status_code == 404 and _json(response) == {"detail": "Not Found"}:
                problems.append(f"{where}: the router has no such route (404 Not Found)")
            elif response.status_code == 405:
                problems.append(f"{where}: 405 {response.text}")
            elif 300 <= response.status_code < 400:
                problems.append(f"{where}: redirect {response.status_code} to {response.headers.get('location')}")
            elif response.status_code != status:
                problems.append(f"{where}: expected {status}, got {response.status_code} {response.text[:200]}")
            answered += 1
    assert problems == []
    assert answered == 2 * len(OPERATIONS)


UNKNOWN_ID = "0" * 32
MALFORMED_IDS = ("not-an-id", "5bc", "0" * 31 + "g")


async def test_unknown_and_malformed_ids(api: Api, client: httpx.AsyncClient) -> None:
    """§1.6: a path id that is unknown, or not 32 hex characters, is an entity 404 `{"detail":"Not found"}` (never
    the router's "Not Found", a 422 or a 500); the three lists keyed by an id answer `[]` for it (§2.3, §2.6)."""
    company_token = await api.company()
    student, company, admin = bearer(await api.student()), bearer(company_token), bearer(await api.admin())
    community = (await client.post("/communities/", json={"name": "Mine"}, headers=company)).json()["id"]
    # (method, template, caller, body, expected answer)
    not_found: tuple[int, object] = (404, {"detail": "Not found"})
    empty: tuple[int, object] = (200, [])
    cases: list[tuple[str, str, dict[str, str], object, tuple[int, object]]] = [
        ("GET", "/media/{}", {}, None, not_found),
        ("GET", "/content/posts/{}", {}, None, not_found),
        ("PATCH", "/content/posts/{}", company, {"title": "X"}, not_found),
        ("GET", "/content/stories/{}", {}, None, not_found),
        ("GET", "/content/users/{}/posts/featured", {}, None, empty),
        ("POST", "/events/{}/join", student, None, not_found),
        ("DELETE", "/events/{}/join", student, None, not_found),
        ("GET", "/companies/{}", {}, None, not_found),
        ("POST", "/companies/{}/follow", student, None, not_found),
        ("DELETE", "/companies/{}/follow", student, None, not_found),
        ("GET", "/communities/by-company/{}", {}, None, empty),
        ("GET", "/communities/{}", {}, None, not_found),
        ("PATCH", "/communities/{}", company, {"name": "X"}, not_found),
        ("POST", "/communities/{}/follow", student, None, not_found),
        ("DELETE", "/communities/{}/follow", student, None, not_found),
        ("GET", "/communities/{}/posts", {}, None, empty),
        ("POST", "/communities/{}/cases", company, {"title": "X", "date": soon()}, not_found),
        ("DELETE", f"/communities/{community}/cases/{{}}", company, None, (404, {"detail": "Case not found"})),
        ("PATCH", "/admin/companies/{}", admin, {"name": "X"}, not_found),
        ("PATCH", "/admin/communities/{}", admin, {"name": "X"}, not_found),
        ("GET", "/users/{}", {}, None, not_found),
    ]
    templates = {normalize("", template.replace(community, "{}"))[1] for _, template, *_ in cases}
    with_ids = {normalize("", path)[1] for _, path in OPERATIONS if "{" in path}
    assert templates == with_ids  # every operation with a path id
    problems = []
    for method, template, headers, body, expected in cases:
        for target in (UNKNOWN_ID, *MALFORMED_IDS):
            url = template.format(target)
            response = await client.request(method, url, json=body, headers=headers)
            if (response.status_code, _json(response)) != expected:
                problems.append(f"{method} {url}: {response.status_code} {response.text[:120]}, not {expected}")
    assert problems == []
