"""`workcommunities smoke`: walk a student and a company through the main flows of a running server.

Each step prints one line; the first step that fails prints what the server answered and the walk stops (the
command then exits non-zero). What the walk creates is removed where the API allows: its post and event are
deleted and its community is archived; its story expires by itself and its small picture stays (media have no delete).

Logins: the student with a phone and a code (`--student-phone`; the dev code `11111` by default) or, against a
production server, which sends real codes by SMS, with `--student-token`; the walk changes that student's name and
skills and puts them back at the end. The company logs in with the e-mail and password given (signed up on the first
run), or else as a new company with random credentials.
"""

from __future__ import annotations

import secrets
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


class SmokeFailure(Exception):
    """A step that did not work; the message says which and what the server answered."""


def tiny_png() -> bytes:
    """A one-pixel PNG to upload."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x2a\xab\xee"))
        + chunk(b"IEND", b"")
    )


@dataclass
class Smoke:
    client: httpx.Client
    say: Callable[[str], None]
    student_phone: str = ""
    student_code: str = "11111"
    student_token: str = ""
    company_email: str = ""
    company_password: str = ""
    cleanup: list[tuple[str, Callable[[], None]]] = field(default_factory=list, init=False)

    def call(self, step: str, method: str, path: str, expected: int = 200, **kwargs: Any) -> Any:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise SmokeFailure(f"{step}: {method} {path} failed: {exc}") from exc
        if response.status_code != expected:
            raise SmokeFailure(f"{step}: {method} {path} answered {response.status_code}: {response.text[:500]}")
        try:
            return response.json() if response.content else None
        except ValueError as exc:
            raise SmokeFailure(f"{step}: {method} {path} answered no JSON: {response.text[:200]!r}") from exc

    def ok(self, step: str) -> None:
        self.say(f"ok    {step}")

    def run(self) -> None:
        try:
            self.walk()
        finally:
            for step, undo in reversed(self.cleanup):
                try:
                    undo()
                    self.ok(step)
                except SmokeFailure as exc:
                    self.say(f"left  {exc}")

    def walk(self) -> None:
        self.call("health", "GET", "/health")
        self.call("ready", "GET", "/ready")
        self.ok("the server is up and its database answers")

        student = {"Authorization": f"Bearer {self.student_login()}"}
        before = self.call("student", "GET", "/profiles/me", headers=student)
        self.ok("student logs in")
        skills = self.call("reference", "GET", "/reference/skills")
        body = {"full_name": "Smoke Check", "skill_uids": [skill["id"] for skill in skills[:2]]}
        restore = {"full_name": before["full_name"], "skill_uids": [skill["id"] for skill in before["skills"]]}
        self.cleanup.append(
            (
                "student profile restored",
                lambda: self.call("restore", "PATCH", "/profiles/me", json=restore, headers=student),
            )
        )
        profile = self.call("student profile", "PATCH", "/profiles/me", json=body, headers=student)
        if profile["full_name"] != "Smoke Check" or len(profile["skills"]) != min(2, len(skills)):
            raise SmokeFailure(f"student profile: the change did not stick: {profile}")
        self.ok("student edits the profile")

        company = {"Authorization": f"Bearer {self.company_login()}"}
        me = self.call("company", "GET", "/companies/me", headers=company)
        self.ok(f"company logs in ({me['name']})")
        files = {"file": ("smoke.png", tiny_png(), "image/png")}
        media = self.call("upload", "POST", "/media/upload", files=files, headers=company)
        if self.client.get(media["url"]).status_code != 200:
            raise SmokeFailure("upload: the uploaded file cannot be downloaded")
        self.ok("company uploads a picture and it downloads")

        name = f"Smoke check {datetime.now(UTC):%Y-%m-%d %H:%M:%S}"
        community = self.call("community", "POST", "/communities/", json={"name": name}, headers=company)
        community_id = community["id"]
        self.cleanup.append(
            (
                "community archived",
                lambda: self.call(
                    "archive", "PATCH", f"/communities/{community_id}", json={"is_archived": True}, headers=company
                ),
            )
        )
        post_body = {"community_id": community_id, "title": name, "body": "Smoke", "media_uids": [media["id"]]}
        post = self.call("post", "POST", "/content/posts", json=post_body, headers=company)
        self.cleanup.append(
            (
                "post deleted",
                lambda: self.call("delete post", "DELETE", f"/content/posts/{post['id']}", headers=company),
            )
        )
        story_body = {"company_id": me["id"], "title": name, "media_uid": media["id"]}
        self.call("story", "POST", "/content/stories", json=story_body, headers=company)
        when = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        event_body = {"community_id": community_id, "title": name, "event_date": when, "media_id": media["id"]}
        event = self.call("event", "POST", "/events/", json=event_body, headers=company)
        self.cleanup.append(
            ("event deleted", lambda: self.call("delete event", "DELETE", f"/events/{event['id']}", headers=company))
        )
        self.ok("company publishes a community, a post, a story and an event")

        self.call("follow", "POST", f"/communities/{community_id}/follow", headers=student)
        mine = self.call("my feed", "GET", "/content/me/posts/featured", headers=student)
        if post["id"] not in [item["id"] for item in mine]:
            raise SmokeFailure("my feed: the followed community's post is missing")
        feed = self.call("feed", "GET", "/content/posts", params={"limit": 100})
        if post["id"] not in [item["id"] for item in feed]:
            raise SmokeFailure("feed: the new post is missing from the unified feed")
        self.ok("student follows the community and reads the post in both feeds")

        self.call("join", "POST", f"/events/{event['id']}/join", headers=student)
        upcoming = self.call("my events", "GET", "/events/my/upcoming", params={"limit": 100}, headers=student)
        if event["id"] not in [item["id"] for item in upcoming]:
            raise SmokeFailure("join: the event is missing from the student's upcoming events")
        self.call("leave", "DELETE", f"/events/{event['id']}/join", headers=student)
        self.call("unfollow", "DELETE", f"/communities/{community_id}/follow", headers=student)
        self.ok("student joins and leaves the event, and leaves the community")

    def student_login(self) -> str:
        if self.student_token:
            return self.student_token
        if not self.student_phone:
            raise SmokeFailure("student: give --student-phone (with the dev code) or --student-token")
        phone = {"phone": self.student_phone}
        self.call("student code", "POST", "/auth/otp/request", expected=204, json=phone)
        token = self.call("student login", "POST", "/auth/otp/verify", json={**phone, "code": self.student_code})
        return str(token["access_token"])

    def company_login(self) -> str:
        """The given company account (signed up on its first run), or a new one with random credentials: the walk
        never relies on a password anybody else could know."""
        email = self.company_email or f"smoke-{secrets.token_hex(6)}@workcommunities.invalid"
        credentials = {"email": email, "password": self.company_password or secrets.token_urlsafe(24)}
        if self.company_email and self.company_password:
            response = self.client.post("/auth/company/login", json=credentials)
            if response.status_code == 200:
                return str(response.json()["access_token"])
        body = {**credentials, "name": "Smoke check"}
        return str(self.call("company signup", "POST", "/auth/company/signup", json=body)["access_token"])
