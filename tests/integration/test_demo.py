"""`workcommunities seed demo`: a browsable product in an empty database, through the real CLI, read back through the
HTTP API the way the shipped app reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.conftest import make_settings
from tests.helpers import DEV_CODE, bearer, cli, serve
from workcommunities.app import create_app
from workcommunities.demo import APP_MEDIA_IDS, COMPANY_PHONE, IMAGE_POOL, STUDENT_PHONE

SIZES = ("--companies", "2", "--communities", "3", "--posts", "5", "--events", "4", "--students", "3")


async def _login(client: httpx.AsyncClient, phone: str, *, company: bool = False) -> dict[str, str]:
    prefix = "/auth/company" if company else "/auth"
    assert (await client.post(f"{prefix}/otp/request", json={"phone": phone})).status_code == 204
    response = await client.post(f"{prefix}/otp/verify", json={"phone": phone, "code": DEV_CODE})
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


async def _check_product(client: httpx.AsyncClient) -> dict[str, Any]:
    feed = (await client.get("/content/posts", params={"limit": 100})).json()
    assert len(feed) == 5 + 4
    assert all(item["media"] for item in feed)  # the app's home screen reads media[0] of every item
    picture = await client.get(feed[0]["media"][0]["url"])
    assert (picture.status_code, picture.headers["content-type"]) == (200, "image/png")
    for media_id in APP_MEDIA_IDS:  # the two ids the app loads by name
        assert (await client.get(f"/media/{media_id.hex}")).status_code == 200

    companies = (await client.get("/companies/")).json()
    assert len(companies) == 2 and all(c["logo_media_id"] and len(c["skills"]) == 3 for c in companies)
    detail = (await client.get(f"/companies/{companies[0]['id']}")).json()
    assert len(detail["media"]) == 3 and detail["communities"]
    community = (await client.get(f"/communities/{detail['communities'][0]['id']}")).json()
    assert community["logo_media_id"] and community["cases"] and community["tags"]
    assert (await client.get("/events/upcoming")).json()

    student = await _login(client, STUDENT_PHONE.format(1))
    me = (await client.get("/profiles/me", headers=student)).json()
    assert me["full_name"] and me["avatar_media_id"] and len(me["skills"]) == 3 and len(me["statuses"]) == 1
    assert len(me["communities"]) == 3
    assert (await client.get("/content/me/stories/from-followed-companies", headers=student)).json()
    # A demo company's first login with its phone owns it (D-32).
    company = await _login(client, COMPANY_PHONE.format(1), company=True)
    mine = (await client.get("/companies/me", headers=company)).json()
    assert mine["name"] in {c["name"] for c in companies}
    return {"feed": feed, "companies": companies}


async def test_seed_demo_fills_an_empty_database_once(fresh_database: str, tmp_path: Path) -> None:
    cli(fresh_database, tmp_path, "database", "upgrade", "--no-prompt")
    assert "demo data is in place" in cli(fresh_database, tmp_path, "seed", "demo", *SIZES).stdout
    app = create_app(make_settings(tmp_path, fresh_database))
    async with serve(app) as client:
        first = await _check_product(client)

        # Idempotent: a database with users or companies is never touched.
        again = cli(fresh_database, tmp_path, "seed", "demo", *SIZES).stdout
        assert "already has users, companies or media" in again
        assert (await client.get("/content/posts", params={"limit": 100})).json() == first["feed"]

        # --reset starts over (dev only): new rows, and the old files are gone with their rows.
        assert "demo data is in place" in cli(fresh_database, tmp_path, "seed", "demo", "--reset", *SIZES).stdout
        feed = (await client.get("/content/posts", params={"limit": 100})).json()
        assert len(feed) == 9 and {i["id"] for i in feed}.isdisjoint({i["id"] for i in first["feed"]})
        assert len(list((tmp_path / "media").iterdir())) == IMAGE_POOL
    await app.state.db_config.get_engine().dispose()


def test_demo_data_is_refused_outside_dev(tmp_path: Path) -> None:
    """Its accounts log in with known phone numbers: never in production."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'prod.sqlite3'}"
    prod = {"ENV": "prod", "JWT_SECRET": "p" * 40, "SMS_GATEWAY_URL": "http://127.0.0.1:9/sms"}
    cli(database_url, tmp_path, "database", "upgrade", "--no-prompt", env=prod)
    for extra in ((), ("--reset",)):
        result = cli(database_url, tmp_path, "seed", "demo", *extra, ok=False, env=prod)
        assert "seed demo runs with ENV=dev only" in result.stderr
