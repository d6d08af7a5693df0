"""`workcommunities import-seed`: an old-schema database (tests/fixtures/old-schema.sql, the old service's own schema)
filled with rows that carry every quirk of the old service, imported through the real CLI into PostgreSQL and into
SQLite, then read back through our HTTP API, an old token included; the report lists exactly the skipped rows."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import bcrypt
import httpx
import jwt
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import S3_BUCKET, TEST_JWT_SECRET, make_settings, s3_settings
from tests.helpers import PNG, ROOT, cli, serve
from workcommunities.app import create_app

OLD_SCHEMA = ROOT / "tests" / "fixtures" / "old-schema.sql"
MEDIA_FILES = ("logo", "avatar", "gallery-1", "gallery-2", "post-1", "post-2", "event-legacy", "story")
NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # the old service wrote naive UTC
ids: dict[str, str] = {}


def i(name: str) -> str:
    """A stable old id per name (32 hex characters, as the old service made them)."""
    return ids.setdefault(name, uuid4().hex)


def png(size: int) -> bytes:
    return PNG + b"\0" * (size - len(PNG))


def old_token(user: str, role: str, **extra: str) -> str:
    """A token as the old service signed it (same JWT_SECRET)."""
    claims = {"sub": i(user), "role": role, "type": "access", "exp": int(time.time()) + 3600, **extra}
    return jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")


def old_rows() -> dict[str, list[dict[str, Any]]]:
    hashed = bcrypt.hashpw(b"old-admin-password", bcrypt.gensalt(rounds=4)).decode()
    media = lambda name, size=400, ext="png": {  # noqa: E731
        "id": i(name),
        "kind": "image",
        "mime": "image/png",
        "ext": ext,
        "size": size,
        "url": f"/media/{i(name)}",
        "created_at": NOW,
    }
    rows: dict[str, list[dict[str, Any]]] = {
        "spheres": [
            {"id": i("sphere-it"), "title": "IT", "background_color": "#fff", "text_color": "#000"},
            {"id": i("sphere-design"), "title": "Дизайн", "background_color": "#eee", "text_color": "#111"},
        ],
        "skills": [
            {"id": i("skill-testing"), "title": "Тестирование", "sphere_id": i("sphere-it")},
            {"id": i("skill-html"), "title": "Html/css", "sphere_id": i("sphere-it")},
            {"id": i("skill-figma"), "title": "Figma", "sphere_id": i("sphere-design")},
        ],
        "statuses": [
            {"id": i("status-student"), "title": "Студент"},
            {"id": i("status-mentor"), "title": "Ментор"},
        ],
        "media": [
            media("logo"),
            media("avatar"),
            media("gallery-1"),
            media("gallery-2"),
            media("post-1"),
            media("post-2"),
            media("event-legacy"),
            media("story"),
            media("no-ext", ext=None),
            media("missing"),
            media("wrong-size", size=999),
            {**media("mock"), "id": "mock010101", "url": "/media/mock_01.jpg"},
        ],
        "users": [
            {
                "id": i("student"),
                "role": "student",
                "phone": "+79001112233",
                "email": None,
                "password_hash": None,
                "avatar_media_id": i("avatar"),
                "created_at": NOW - timedelta(days=3),
            },
            {
                "id": i("company-user"),
                "role": "company",
                "phone": "+79004445566",
                "email": None,
                "password_hash": None,
                "avatar_media_id": None,
                "created_at": NOW - timedelta(days=2),
            },
            {
                "id": i("admin"),
                "role": "admin",
                "phone": None,
                "email": "Boss@Old.example",
                "password_hash": hashed,
                "avatar_media_id": None,
                "created_at": NOW - timedelta(days=1),
            },
            {
                "id": "mock-user-1",
                "role": "student",
                "phone": "+79009990000",
                "email": None,
                "password_hash": None,
                "avatar_media_id": None,
                "created_at": NOW,
            },
        ],
        "profiles": [
            {
                "id": i("profile"),
                "user_id": i("student"),
                "full_name": "Old Student",
                "city": "Москва",
                "interests": "chess",
                "portfolio_url": "https://old.example",
                "description": "From the old app",
            },
            {
                "id": i("profile-twin"),
                "user_id": i("student"),
                "full_name": "Twin",
                "city": None,
                "interests": None,
                "portfolio_url": None,
                "description": None,
            },
        ],
        "profile_skills": [
            {"id": i("ps-1"), "profile_id": i("profile"), "skill_id": i("skill-figma")},
            {"id": i("ps-2"), "profile_id": i("profile"), "skill_id": i("skill-testing")},
            {"id": i("ps-twin"), "profile_id": i("profile-twin"), "skill_id": i("skill-html")},
        ],
        "profile_statuses": [{"id": i("pst-1"), "profile_id": i("profile"), "status_id": i("status-mentor")}],
        "companies": [
            {
                "id": i("company"),
                "phone": "+79004445566",
                "name": "Old Corp",
                "description": None,
                "owner_user_id": i("company-user"),
                "logo_media_id": i("logo"),
                "tags": f" {i('skill-html')},{i('skill-testing')} ",
            },
            {
                "id": i("company-2"),
                "phone": None,
                "name": "Ownerless",
                "description": "No owner",
                "owner_user_id": None,
                "logo_media_id": i("missing"),
                "tags": f"{i('skill-figma')},not-a-skill",
            },
        ],
        "company_media": [
            {"id": i("cm-2"), "company_id": i("company"), "media_id": i("gallery-2"), "order_index": 1},
            {"id": i("cm-1"), "company_id": i("company"), "media_id": i("gallery-1"), "order_index": 0},
        ],
        "communities": [
            {
                "id": i("community"),
                "company_id": i("company"),
                "name": "Old Club",
                "description": None,
                "telegram_url": None,
                "tags": "a, b,,a",
                "is_archived": False,
                "logo_media_id": i("logo"),
            },
            {
                "id": i("archived"),
                "company_id": i("company"),
                "name": "Gone",
                "description": "d",
                "telegram_url": None,
                "tags": None,
                "is_archived": True,
                "logo_media_id": None,
            },
            {
                "id": i("adminless"),
                "company_id": None,
                "name": "No company",
                "description": None,
                "telegram_url": None,
                "tags": "x",
                "is_archived": False,
                "logo_media_id": None,
            },
        ],
        "memberships": [
            {"id": i("m-1"), "user_id": i("student"), "community_id": i("community"), "role": "member"},
        ],
        "follows": [
            {"id": i("f-dup"), "user_id": i("student"), "community_id": i("community")},  # also a membership
            {"id": i("f-1"), "user_id": i("student"), "community_id": i("adminless")},
            {"id": i("f-dup2"), "user_id": i("student"), "community_id": i("adminless")},
        ],
        "company_follows": [
            {"id": i("cf-1"), "user_id": i("student"), "company_id": i("company")},
            {"id": i("cf-dup"), "user_id": i("student"), "company_id": i("company")},
        ],
        "cases": [
            {
                "id": i("case"),
                "community_id": i("community"),
                "title": "Old case",
                "description": None,
                "date": datetime(2030, 1, 2, 10, 0),
                "solutions_count": 3,
            },
        ],
        "content": [
            {
                "id": i("post"),
                "community_id": i("community"),
                "type": "post",
                "title": "Old post",
                "body": None,
                "created_at": NOW - timedelta(hours=2),
                "event_date": None,
                "city": None,
                "location": None,
                "description": None,
                "registration": None,
                "format": None,
                "media_id": None,
                "tags": "news, , old",
                "cost": None,
                "participant_payout": 5,
            },
            {
                "id": i("event"),
                "community_id": i("community"),
                "type": "event",
                "title": "Old event",
                "body": None,
                "created_at": NOW - timedelta(hours=1),
                "event_date": datetime(2030, 5, 6, 18, 30),
                "city": "Казань",
                "location": None,
                "description": "Come",
                "registration": None,
                "format": "offline",
                "media_id": i("event-legacy"),
                "tags": None,
                "cost": 100,
                "participant_payout": None,
            },
            {
                "id": i("undated"),
                "community_id": i("community"),
                "type": "event",
                "title": "No date",
                "body": None,
                "created_at": NOW,
                "event_date": None,
                "city": None,
                "location": None,
                "description": None,
                "registration": None,
                "format": None,
                "media_id": None,
                "tags": None,
                "cost": None,
                "participant_payout": None,
            },
        ],
        "content_media": [
            {"id": i("ctm-2"), "content_id": i("post"), "media_id": i("post-1"), "order_index": 1},
            {"id": i("ctm-1"), "content_id": i("post"), "media_id": i("post-2"), "order_index": 0},
            {"id": i("ctm-3"), "content_id": i("post"), "media_id": i("wrong-size"), "order_index": 2},
            {"id": i("ctm-4"), "content_id": i("event"), "media_id": i("no-ext"), "order_index": 0},
        ],
        "content_skills": [{"id": i("cs-1"), "content_id": i("post"), "skill_id": i("skill-html")}],
        "event_participants": [
            {"id": i("ep-1"), "user_id": i("student"), "content_id": i("event")},
            {"id": i("ep-post"), "user_id": i("student"), "content_id": i("post")},
        ],
        "stories": [
            {
                "id": i("old-story"),
                "company_id": i("company"),
                "title": "Story",
                "media_url": f"/media/{i('story')}",
                "created_at": NOW,
                "media_id": i("story"),
            },
        ],
        "otps": [{"id": i("otp"), "phone": "+79001112233", "code": "11111", "expires_at": NOW, "consumed": False}],
    }
    # More quirks: the same e-mail in other capitals (the old service compared them as typed), a password hash that is
    # not bcrypt, a name longer than our column, a file of a type uploads do not take under an odd extension, and a
    # story that knows its picture only by url.
    rows["users"] += [
        {"id": i("admin-twin"), "role": "admin", "phone": None, "email": "boss@old.EXAMPLE", "password_hash": hashed,
         "avatar_media_id": None, "created_at": NOW},
        {"id": i("plain-hash"), "role": "company", "phone": None, "email": "plain@old.example",
         "password_hash": "not-a-hash", "avatar_media_id": None, "created_at": NOW},
    ]  # fmt: skip
    rows["communities"].append(
        {"id": i("long-name"), "company_id": None, "name": "N" * 250, "description": None, "telegram_url": None,
         "tags": None, "is_archived": False, "logo_media_id": None}
    )  # fmt: skip
    rows["media"].append({**media("odd-ext", ext="Tar (1)"), "kind": "other", "mime": "application/x-tar"})
    rows["stories"].append(
        {"id": i("url-story"), "company_id": i("company"), "title": "By url", "media_id": None,
         "media_url": f"/media/{i('gallery-1')}.png", "created_at": NOW - timedelta(minutes=1)}
    )  # fmt: skip
    return rows


EXPECTED_SKIPS = {
    ("media", "mock010101", "is not a 32-hex id"),
    ("media", "missing", "file is missing"),
    ("media", "wrong-size", "file has 400 bytes, the row says 999"),
    ("users", "mock-user-1", "is not a 32-hex id"),
    ("users", "admin-twin", "email boss@old.example already belongs to another user here"),
    ("profiles", "profile-twin", "has a profile already"),
    ("profile_skills", "ps-twin", "names no imported profiles row"),
    ("communities", "long-name", "name has 250 characters, at most 200 here"),
    ("memberships", "f-dup", "a repeat of user_id"),
    ("memberships", "f-dup2", "a repeat of user_id"),
    ("company_follows", "cf-dup", "a repeat of user_id"),
    ("content", "undated", "an event without event_date"),
    ("content_media", "ctm-3", "names no imported media row"),
    ("event_participants", "ep-post", "names no imported events row"),
}
EXPECTED_DROPS = {
    ("companies", "company-2", "tag not-a-skill is not a skill"),
    ("companies", "company-2", "logo_media_id"),
    ("users", "plain-hash", "password_hash is not a bcrypt hash"),
}


async def _build_old_database(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for chunk in OLD_SCHEMA.read_text().split(";"):
            statement = "\n".join(line for line in chunk.splitlines() if not line.startswith("--")).strip()
            if statement:
                await conn.exec_driver_sql(statement)
        for table, rows in old_rows().items():
            for row in rows:
                names = ", ".join(row)
                values = ", ".join(f":{name}" for name in row)
                await conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({values})"), row)  # noqa: S608
    await engine.dispose()


@pytest.fixture
def old_database(make_pg_database: Any, tmp_path: Path) -> tuple[str, Path]:
    """An old service's database (its own schema, filled with every quirk) and its media folder."""
    url = make_pg_database()
    asyncio.run(_build_old_database(url))
    media = tmp_path / "old-media"
    media.mkdir()
    for name in MEDIA_FILES:
        (media / f"{i(name)}.png").write_bytes(png(400))
    (media / f"{i('odd-ext')}.tar (1)").write_bytes(b"not an image, " * 28 + b"12345678")  # 400 bytes
    (media / i("no-ext")).write_bytes(png(400))
    (media / f"{i('wrong-size')}.png").write_bytes(png(400))
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)  # as operators write it
    return plain, media


def _counts(output: str) -> dict[str, tuple[int, int, int]]:
    """The report's table lines: imported (or would import), already here, skipped."""
    counts = {}
    for line in output.splitlines():
        pattern = r"^(\w+) +(?:imported|would import) +(\d+) +already here +(\d+) +skipped +(\d+) +references dropped"
        if match := re.match(pattern, line):
            counts[match.group(1)] = (int(match.group(2)), int(match.group(3)), int(match.group(4)))
    return counts


def _listed(output: str, kind: str = "skipped") -> set[tuple[str, str, str]]:
    names = {value: name for name, value in ids.items()} | {"mock010101": "mock010101", "mock-user-1": "mock-user-1"}
    found = set()
    for line in output.splitlines():
        if line.startswith(f"{kind} "):
            table, rest = line.removeprefix(f"{kind} ").split(" ", 1)
            row_id, reason = rest.split(": ", 1)
            found.add((table, names.get(row_id, row_id), reason))
    return found


def _matches(output: str) -> bool:
    """The report lists exactly the expected rows and references, each once."""
    return _exactly(_listed(output), EXPECTED_SKIPS) and _exactly(_listed(output, "dropped"), EXPECTED_DROPS)


def _exactly(found: set[tuple[str, str, str]], expected: set[tuple[str, str, str]]) -> bool:
    remaining = set(found)
    for table, name, reason in expected:
        hit = next((f for f in remaining if f[0] == table and f[1] == name and reason in f[2]), None)
        if hit is None:
            return False
        remaining.discard(hit)
    return not remaining


async def test_import_keeps_everything_the_rules_allow(
    old_database: tuple[str, Path], fresh_database: str, tmp_path: Path
) -> None:
    old_url, media_dir = old_database
    data = tmp_path / "target"
    cli(fresh_database, data, "database", "upgrade", "--no-prompt")
    cli(fresh_database, data, "seed", "reference")

    dry = cli(fresh_database, data, "import-seed", "--from", old_url, "--media-dir", str(media_dir), "--dry-run")
    counts = _counts(dry.stdout)
    assert counts["users"] == (4, 0, 2) and counts["content"] == (2, 0, 1) and counts["memberships"] == (2, 0, 2)
    assert counts["spheres"] == (1, 1, 0) and counts["skills"] == (1, 2, 0) and counts["media"] == (10, 0, 3)
    assert counts["communities"] == (3, 0, 1) and counts["companies"] == (2, 0, 0) and counts["stories"] == (2, 0, 0)
    assert "otps" not in counts
    assert _matches(dry.stdout), dry.stdout
    assert not (data / "media").exists() or not list((data / "media").iterdir())  # nothing stored

    done = cli(fresh_database, data, "import-seed", "--from", old_url, "--media-dir", str(media_dir))
    assert _counts(done.stdout) == counts
    assert _matches(done.stdout), done.stdout
    printed = done.stdout.strip().splitlines()
    written = Path(printed[-1].removeprefix("report written to ")).read_text().splitlines()
    assert written == printed[-1 - len(written) : -1] and any(line.startswith("skipped ") for line in written)

    app = create_app(make_settings(data, fresh_database))
    async with serve(app) as client:
        await _check(client)
        before = await _snapshot(client)
        again = cli(fresh_database, data, "import-seed", "--from", old_url, "--media-dir", str(media_dir))
        rerun = _counts(again.stdout)
        assert all(imported == 0 for imported, _, _ in rerun.values()), again.stdout
        assert rerun["users"] == (0, 4, 2) and rerun["content"] == (0, 2, 1)
        assert await _snapshot(client) == before
    await app.state.db_config.get_engine().dispose()


async def _snapshot(client: httpx.AsyncClient) -> Any:
    return [(await client.get(path)).json() for path in ("/content/posts", "/communities/", "/companies/")]


async def _check(client: httpx.AsyncClient) -> None:
    student = {"Authorization": f"Bearer {old_token('student', 'student')}"}
    me = (await client.get("/profiles/me", headers=student)).json()
    assert (me["id"], me["full_name"], me["portfolio_url"]) == (i("profile"), "Old Student", "https://old.example")
    assert me["avatar_media_id"] == i("avatar")
    assert [s["title"] for s in me["skills"]] == ["Figma", "Тестирование"]  # old order; translated ids
    assert me["skills"][0]["id"] == i("skill-figma") and me["skills"][0]["sphere"]["title"] == "Дизайн"
    reference = {s["title"]: s["id"] for s in (await client.get("/reference/skills")).json()}
    assert me["skills"][1]["id"] == reference["Тестирование"] != i("skill-testing")  # matched by title
    assert [s["title"] for s in me["statuses"]] == ["Ментор"]
    assert sorted(c["id"] for c in me["communities"]) == sorted([i("community"), i("adminless")])
    assert [e["id"] for e in me["joined_events"]] == [i("event")]

    company_token = old_token("company-user", "company", company_id=i("company"))
    company = (await client.get("/companies/me", headers={"Authorization": f"Bearer {company_token}"})).json()
    assert (company["id"], company["name"], company["logo_media_id"]) == (i("company"), "Old Corp", i("logo"))
    assert [s["title"] for s in company["skills"]] == ["Html/css", "Тестирование"]  # the tags' order
    assert [m["id"] for m in company["media"]] == [i("gallery-1"), i("gallery-2")]  # by order_index
    ownerless = (await client.get(f"/companies/{i('company-2')}")).json()
    assert ownerless["logo_media_id"] == "" and [s["title"] for s in ownerless["skills"]] == ["Figma"]

    club = (await client.get(f"/communities/{i('community')}")).json()
    assert (club["tags"], club["members_count"], club["description"]) == (["a", "b"], 1, "")
    assert [(c["id"], c["date"]) for c in club["cases"]] == [(i("case"), "2030-01-02T10:00:00Z")]
    assert (await client.get(f"/communities/{i('archived')}")).json()["is_archived"] is True
    assert {c["id"] for c in (await client.get("/communities/")).json()} == {i("community"), i("adminless")}

    feed = {item["id"]: item for item in (await client.get("/content/posts")).json()}
    assert set(feed) == {i("post"), i("event")}
    post = feed[i("post")]
    assert [m["id"] for m in post["media"]] == [i("post-2"), i("post-1")]  # by order_index
    assert (post["tags"], post["body"], post["cost"], post["participant_payout"]) == (["news", "old"], "", 0, 5)
    assert [s["title"] for s in post["skills"]] == ["Html/css"]
    event = feed[i("event")]
    assert [m["id"] for m in event["media"]] == [i("event-legacy"), i("no-ext")]  # the legacy media first
    assert event["event_date"] == "2030-05-06T18:30:00Z"
    upcoming = (await client.get("/events/upcoming")).json()
    assert [(e["id"], e["participants_count"], e["media_id"]) for e in upcoming] == [(i("event"), 1, i("event-legacy"))]
    for media_id, suffix in ((i("post-1"), ""), (i("no-ext"), "")):
        download = await client.get(f"/media/{media_id}{suffix}")
        assert (download.status_code, download.content) == (200, png(400))
    assert (await client.get(f"/media/{i('wrong-size')}")).status_code == 404

    stories = await client.get("/content/me/stories/from-followed-companies", headers=student)
    expected_stories = [(i("old-story"), i("story")), (i("url-story"), i("gallery-1"))]  # one known only by its url
    assert [(s["id"], s["media"]["id"]) for s in stories.json()] == expected_stories
    odd = await client.get(f"/media/{i('odd-ext')}")  # not an image: kept, typed by its bytes, sent as a download
    assert (odd.status_code, odd.headers["content-type"]) == (200, "application/octet-stream")
    assert odd.headers["content-disposition"] == f'attachment; filename="{i("odd-ext")}"'
    assert [c["id"] for c in (await client.get("/companies/me/followed", headers=student)).json()] == [i("company")]

    admin = await client.post("/auth/admin/login", json={"email": "boss@old.example", "password": "old-admin-password"})
    assert admin.status_code == 200, admin.text
    users = (await client.get("/users/", headers={"Authorization": f"Bearer {admin.json()['access_token']}"})).json()
    assert sorted(u["id"] for u in users) == sorted([i("student"), i("company-user"), i("admin"), i("plain-hash")])
    # A password hash that was not bcrypt was dropped: that account has no password login (and no 500).
    plain = await client.post("/auth/company/login", json={"email": "plain@old.example", "password": "not-a-hash"})
    assert (plain.status_code, plain.json()) == (400, {"detail": "Invalid credentials"})
    # Login codes are not imported: the old code gives nothing.
    verify = await client.post("/auth/otp/verify", json={"phone": "+79001112233", "code": "11111"})
    assert (verify.status_code, verify.json()) == (400, {"detail": "Invalid code"})


def test_a_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.sqlite3'}"
    result = cli(url, tmp_path, "import-seed", "--from", "mysql://u@h/db", ok=False)
    assert "the old service's database is PostgreSQL" in result.stderr


@pytest.fixture
def pg_target(make_pg_database: Any) -> str:
    return str(make_pg_database())


async def test_import_copies_media_into_s3(
    old_database: tuple[str, Path], pg_target: str, tmp_path: Path, s3_server: str, bucket: Any
) -> None:
    """With MEDIA_STORAGE=s3 the files land in the bucket, checked against the recorded size, and download."""
    old_url, media_dir = old_database
    target = pg_target
    s3 = s3_settings(s3_server)
    env = {key.upper(): str(value) for key, value in s3.items()}
    cli(target, tmp_path, "database", "upgrade", "--no-prompt")
    done = cli(target, tmp_path, "import-seed", "--from", old_url, "--media-dir", str(media_dir), env=env)
    assert _counts(done.stdout)["media"] == (10, 0, 3)
    keys = {item["Key"] for item in bucket.list_objects_v2(Bucket=S3_BUCKET)["Contents"]}
    # Keys follow the types told from the bytes: the PNG without extension gets one, the odd name gets none.
    assert keys == {f"{i(name)}.png" for name in (*MEDIA_FILES, "no-ext")} | {i("odd-ext")}
    app = create_app(make_settings(tmp_path, target, **s3))
    async with serve(app) as client:
        download = await client.get(f"/media/{i('no-ext')}")
        assert (download.status_code, download.content) == (200, png(400))
    await app.state.db_config.get_engine().dispose()
