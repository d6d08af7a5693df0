"""The scenarios: what each one requests, built from the loaded data and the tokens the bench logged in with.

Random choices (pages, ids, tokens) are drawn once here from a fixed seed, so a rerun on the same data sends the same
pools of requests; the load generators pick from the pools (bench/load.py).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

POOL = 400  # requests per random pool
PAGE = 20  # the lists' default page size, which the app uses
POST_TITLE = "bench: load test post"  # the create-post scenario's posts, deleted after the run
FRESH_PHONE = "+7998%02d%06d"  # logins beyond the demo students (tiny datasets): new students, deleted after the run
FRESH_PREFIX = "+7998"
LOGIN_PATHS = ("/auth/otp/request", "/auth/otp/verify")
# What people type into the search: whole words and beginnings of words of the demo texts, Russian and English.
SEARCH_QUERIES = [
    "python",
    "хакатон",
    "хакатона",
    "стажир",
    "data",
    "интервью",
    "design",
    "робото",
    "career",
    "кейс",
    "ml model",
    "Москва",
]


@dataclass
class Data:
    """What the scenarios need to know about the loaded database (read with SQL by bench/run.py)."""

    communities: list[str]  # live ones, 32-hex ids
    companies: list[str]
    students: list[tuple[str, str]]  # (id, phone)
    small_media: list[str]  # the smallest files
    skills: list[str]
    feed_items: int  # rows of the unified feed
    memberships: dict[str, set[str]]  # student id -> communities
    company_communities: dict[str, list[str]]  # company id -> its live communities
    company_phones: dict[str, str]  # company id -> the phone its login uses
    events: list[str] = field(default_factory=list)  # upcoming events of live communities
    participations: dict[str, set[str]] = field(default_factory=dict)  # student id -> events they joined


@dataclass
class Tokens:
    students: list[tuple[str, str]] = field(default_factory=list)  # (user id, token)
    companies: list[tuple[str, str]] = field(default_factory=list)  # (company id, token)
    calendars: list[str] = field(default_factory=list)  # the students' calendar feed paths


@dataclass(frozen=True)
class Scenario:
    key: str
    name: str
    kind: str  # "read" or "write"
    spec: dict[str, Any]  # for bench/load.py
    # The read targets (issue 9, item 3): "same" = at least 0.7x the minimal app on the same scenario, "other" = at
    # least 0.5x the minimal app's feed page 1; writes have none.
    target: str = ""
    on_minimal: bool = False  # the minimal app serves it too
    method_path: str = ""  # for the table

    @property
    def requests(self) -> list[dict[str, Any]]:
        return list(self.spec.get("requests") or [])


ORDER = [
    "feed_page1",
    "feed_random",
    "feed_cursor",
    "followed_feed",
    "community_detail",
    "community_posts",
    "community_posts_cursor",
    "communities_list",
    "companies_list",
    "company_detail",
    "upcoming_events",
    "upcoming_events_cursor",
    "profile_me",
    "user_detail",
    "media_small",
    "calendar_feed",
    "search",
    "login",
    "follow_unfollow",
    "join_leave",
    "create_post",
]
QUICK = ["feed_page1", "feed_random", "feed_cursor", "followed_feed", "community_posts", "login", "create_post"]
# `--scale-pass`: the long lists whose first and cursor pages must not slow down with the data (issue 9, item 3).
SCALE_PASS = [
    "feed_page1",
    "feed_cursor",
    "community_posts",
    "community_posts_cursor",
    "upcoming_events",
    "upcoming_events_cursor",
    "calendar_feed",
    "search",
    "join_leave",
]


def request(method: str, path: str, token: str = "", body: Any = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return {"method": method, "path": path, "headers": headers, "body": None if body is None else json.dumps(body)}


def build(data: Data, tokens: Tokens, codes_dir: str) -> dict[str, Scenario]:
    """Every scenario, by key (the caller picks the ones it runs)."""
    rng = random.Random("wc-bench")  # noqa: S311 - a load pattern, not security
    students = tokens.students
    student_ids = [sid for sid, _ in data.students]

    def pool(make: Any) -> list[dict[str, Any]]:
        return [make() for _ in range(POOL)]

    def reads(
        key: str,
        name: str,
        shown: str,
        requests: list[dict[str, Any]],
        *,
        kind: str = "requests",
        target: str = "other",
        on_minimal: bool = False,
    ) -> Scenario:
        spec = {"kind": kind, "requests": requests}
        return Scenario(key, name, "read", spec, target, on_minimal, f"GET {shown}")

    same: dict[str, Any] = {"target": "same", "on_minimal": True}
    chain = "chain"
    last_offset = max(0, data.feed_items - PAGE)
    follow_pairs = [
        (token, community)
        for sid, token in students
        for community in [c for c in data.communities if c not in data.memberships.get(sid, set())][:4]
    ]
    join_pairs = [
        (token, event)
        for sid, token in students
        for event in [e for e in data.events if e not in data.participations.get(sid, set())][:4]
    ]
    company_posts = [
        (token, community) for cid, token in tokens.companies for community in data.company_communities.get(cid, [])
    ]

    def new_post(token: str, community: str) -> dict[str, Any]:
        body = {
            "community_id": community,
            "title": POST_TITLE,
            "body": "Posted by the benchmark; removed after the run.",
            "media_uids": data.small_media[:1],
            "tags": ["bench"],
            "skill_ids": data.skills[:2],
        }
        return request("POST", "/content/posts", token, body)

    scenarios = [
        reads("feed_page1", "feed page 1", "/content/posts", [request("GET", "/content/posts")], **same),
        reads(
            "feed_random",
            "feed random page",
            "/content/posts?offset=…&limit=20",
            pool(lambda: request("GET", f"/content/posts?offset={rng.randint(0, last_offset)}&limit={PAGE}")),
            **same,
        ),
        reads(
            "feed_cursor", "feed by cursor", "/content/posts?cursor=", [request("GET", "/content/posts")], kind=chain
        ),
        reads(
            "followed_feed",
            "followed-communities feed",
            "/content/me/posts/from-followed-communities",
            pool(lambda: request("GET", "/content/me/posts/from-followed-communities", rng.choice(students)[1])),
            **same,
        ),
        reads(
            "community_detail",
            "community detail",
            "/communities/{id}",
            pool(lambda: request("GET", f"/communities/{rng.choice(data.communities)}")),
        ),
        reads(
            "community_posts",
            "community posts",
            "/communities/{id}/posts",
            pool(lambda: request("GET", f"/communities/{rng.choice(data.communities)}/posts")),
        ),
        reads(
            "community_posts_cursor",
            "community posts by cursor",
            "/communities/{id}/posts?cursor=",
            pool(lambda: request("GET", f"/communities/{rng.choice(data.communities)}/posts")),
            kind=chain,
        ),
        reads("communities_list", "communities list", "/communities/", [request("GET", "/communities/")]),
        reads("companies_list", "companies list", "/companies/", [request("GET", "/companies/")]),
        reads(
            "company_detail",
            "company detail",
            "/companies/{id}",
            pool(lambda: request("GET", f"/companies/{rng.choice(data.companies)}")),
        ),
        reads("upcoming_events", "upcoming events", "/events/upcoming", [request("GET", "/events/upcoming")]),
        reads(
            "upcoming_events_cursor",
            "upcoming events by cursor",
            "/events/upcoming?cursor=",
            [request("GET", "/events/upcoming")],
            kind=chain,
        ),
        reads("profile_me", "profile (me)", "/profiles/me", [request("GET", "/profiles/me", t) for _, t in students]),
        reads(
            "user_detail",
            "user detail",
            "/users/{id}",
            pool(lambda: request("GET", f"/users/{rng.choice(student_ids)}", rng.choice(students)[1])),
        ),
        reads(
            "media_small",
            "small media file",
            "/media/{id}",
            [request("GET", f"/media/{media}") for media in data.small_media],
        ),
        reads(
            "search",
            "search (all kinds)",
            "/search?q=…",
            [request("GET", f"/search?q={quote(query)}") for query in SEARCH_QUERIES],
        ),
        reads(
            "calendar_feed",
            "calendar feed (.ics)",
            "/calendar/{token}.ics",
            [request("GET", path) for path in tokens.calendars],
        ),
        Scenario(
            "login",
            "log in (code + verify)",
            "write",
            {
                "kind": "login",
                "phones": [phone for _, phone in data.students],
                "codes_dir": codes_dir,
                "request_path": LOGIN_PATHS[0],
                "verify_path": LOGIN_PATHS[1],
                "fresh_format": FRESH_PHONE,
            },
            method_path="POST /auth/otp/request + /verify",
        ),
        Scenario(
            "follow_unfollow",
            "follow / unfollow",
            "write",
            {
                "kind": "requests",
                "requests": [
                    request(method, f"/communities/{community}/follow", token)
                    for token, community in follow_pairs
                    for method in ("POST", "DELETE")
                ],
            },
            method_path="POST|DELETE /communities/{id}/follow",
        ),
        Scenario(
            "join_leave",
            "join / leave an event",
            "write",
            {
                "kind": "requests",
                "requests": [
                    request(method, f"/events/{event}/join", token)
                    for token, event in join_pairs
                    for method in ("POST", "DELETE")
                ],
            },
            method_path="POST|DELETE /events/{id}/join",
        ),
        Scenario(
            "create_post",
            "create a post",
            "write",
            {"kind": "requests", "requests": [new_post(token, community) for token, community in company_posts]},
            method_path="POST /content/posts",
        ),
    ]
    return {scenario.key: scenario for scenario in scenarios}
