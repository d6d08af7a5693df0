"""Deleting a student account (`DELETE /profiles/me`) and the data export (`GET /profiles/me/export`)."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import delete, func, select, text, update

from tests.conftest import CallerClock, StatementCounter
from tests.helpers import Api, bearer, claims, new_phone, payload, upload
from tests.integration.test_events import _rows, company_with_community, create_event, skill_ids
from workcommunities.db.models import (
    Company,
    CompanyFollow,
    EventParticipant,
    Media,
    Membership,
    OtpCode,
    Profile,
    ProfileSkill,
    ProfileStatus,
    User,
)
from workcommunities.domain.users.services import UserService
from workcommunities.lib.security import RecentCallers


async def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


async def full_student(client: httpx.AsyncClient, api: Api, app: Litestar) -> dict[str, Any]:
    """A student with everything a student can have: profile, skills, statuses, an avatar, a membership, a
    followed company, a place at an event with someone waitlisted behind, a calendar feed and login codes."""
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id, capacity=1)
    phone = new_phone()
    token = await api.student(phone)
    avatar = await ok(await upload(client, token, payload(2048)))
    statuses = [status["id"] for status in (await client.get("/reference/statuses")).json()]
    body = {
        "full_name": "Анна Петрова",
        "description": "about me",
        "portfolio_url": "https://example.org/anna",
        "skill_uids": (await skill_ids(client))[:2],
        "status_uids": statuses[:1],
        "avatar_media_id": avatar["id"],
    }
    await ok(await client.patch("/profiles/me", json=body, headers=bearer(token)))
    await ok(await client.post(f"/communities/{community_id}/follow", headers=bearer(token)))
    await ok(await client.post(f"/companies/{claims(company)['company_id']}/follow", headers=bearer(token)))
    assert (await ok(await client.post(f"/events/{event['id']}/join", headers=bearer(token))))[
        "participation"
    ] == "going"
    waiting = await api.student()
    await ok(await client.post(f"/events/{event['id']}/join", headers=bearer(waiting)))
    feed = (await ok(await client.post("/profiles/me/calendar-token", headers=bearer(token))))["url"]
    await client.post("/auth/otp/request", json={"phone": phone})  # a code sent, not used
    return {
        "token": token,
        "phone": phone,
        "user_id": UUID(claims(token)["sub"]),
        "avatar": avatar,
        "community_id": community_id,
        "event": event,
        "waiting": waiting,
        "feed": httpx.URL(feed).path,
        "company": company,
    }


async def count(app: Litestar, model: Any, *where: Any) -> int:
    [(value,)] = await _rows(app, select(func.count()).select_from(model).where(*where))
    return int(value)


async def test_erasure_frees_every_place_in_a_fixed_number_of_statements(
    client: httpx.AsyncClient, api: Api, app: Litestar, statements: StatementCounter
) -> None:
    """Full events the student was going to each let the first in line in, one statement for all of them; a place
    they only waited for frees nothing."""
    company, community_id = await company_with_community(api, app)
    counts = []
    for size in (1, 4):
        student = await api.student()
        full = [await create_event(client, company, community_id, capacity=1) for _ in range(size)]
        waiting = [await api.student() for _ in full]
        for event, next_in_line in zip(full, waiting, strict=True):
            assert (await ok(await client.post(f"/events/{event['id']}/join", headers=bearer(student))))[
                "participation"
            ] == "going"
            await ok(await client.post(f"/events/{event['id']}/join", headers=bearer(next_in_line)))
        queued = await create_event(client, company, community_id, capacity=1)
        first = await api.student()
        await ok(await client.post(f"/events/{queued['id']}/join", headers=bearer(first)))
        await ok(await client.post(f"/events/{queued['id']}/join", headers=bearer(student)))  # waitlisted
        with statements:
            await ok(await client.delete("/profiles/me", headers=bearer(student)))
        counts.append(statements.count)
        for event, next_in_line in zip(full, waiting, strict=True):
            now = await ok(await client.get(f"/events/{event['id']}", headers=bearer(next_in_line)))
            assert (now["my_participation"], now["participants_count"], now["waitlist_count"]) == ("going", 1, 0)
        after = await ok(await client.get(f"/events/{queued['id']}", headers=bearer(first)))
        assert (after["my_participation"], after["participants_count"], after["waitlist_count"]) == ("going", 1, 0)
    assert counts[0] == counts[1], counts


async def test_erasure_lets_in_only_the_first_in_line(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """Two places, the erased student and another going, three waiting: the first of them moves up, in line."""
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id, capacity=2)
    student, staying = await api.student(), await api.student()
    line = [await api.student() for _ in range(3)]
    for token in (student, staying, *line):
        await ok(await client.post(f"/events/{event['id']}/join", headers=bearer(token)))
    await ok(await client.delete("/profiles/me", headers=bearer(student)))
    seen = [
        (await ok(await client.get(f"/events/{event['id']}", headers=bearer(token))))["my_participation"]
        for token in (staying, *line)
    ]
    assert seen == ["going", "going", "waitlisted", "waitlisted"]


async def test_a_deleted_student_is_erased_everywhere(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    student = await full_student(client, api, app)
    user_id, token = student["user_id"], student["token"]
    storage = app.state.media_storage
    [(storage_key,)] = await _rows(app, select(Media.storage_key).where(Media.id == UUID(student["avatar"]["id"])))
    assert await storage.size(storage_key) == 2048
    members_before = (await ok(await client.get(f"/communities/{student['community_id']}")))["members_count"]

    assert await ok(await client.delete("/profiles/me", headers=bearer(token))) == {"status": "ok"}

    # The tokens stop at once.
    assert (await client.get("/profiles/me", headers=bearer(token))).status_code == 401
    assert (await client.delete("/profiles/me", headers=bearer(token))).status_code == 401
    # The row stays, anonymous.
    [user] = await _rows(app, select(User).where(User.id == user_id))
    user = user[0]
    assert (user.phone, user.email, user.password_hash, user.avatar_media_id, user.calendar_token_hash) == (None,) * 5
    assert user.erased_at is not None
    # Everything personal is gone, the avatar's file too.
    for model, where in (
        (Profile, Profile.user_id == user_id),
        (ProfileSkill, ProfileSkill.profile_id.in_(select(Profile.id).where(Profile.user_id == user_id))),
        (ProfileStatus, ProfileStatus.profile_id.in_(select(Profile.id).where(Profile.user_id == user_id))),
        (Membership, Membership.user_id == user_id),
        (CompanyFollow, CompanyFollow.user_id == user_id),
        (EventParticipant, EventParticipant.user_id == user_id),
        (OtpCode, OtpCode.phone == student["phone"]),
        (Media, Media.id == UUID(student["avatar"]["id"])),
    ):
        assert await count(app, model, where) == 0, model.__name__
    assert await storage.size(storage_key) is None
    assert (await client.get(f"/media/{student['avatar']['id']}")).status_code == 404
    # Old memberships no longer count; the waitlisted one moves up; the feed and the public page are gone.
    assert (await ok(await client.get(f"/communities/{student['community_id']}")))[
        "members_count"
    ] == members_before - 1
    assert (await ok(await client.get(f"/events/{student['event']['id']}", headers=bearer(student["waiting"]))))[
        "my_participation"
    ] == "going"
    assert (await client.get(student["feed"])).status_code == 404
    assert (await client.get(f"/users/{user_id.hex}")).status_code == 404
    # The same phone signs up again, as someone new.
    again = await api.student(student["phone"])
    assert UUID(claims(again)["sub"]) != user_id
    assert (await ok(await client.get("/profiles/me", headers=bearer(again))))["full_name"] == ""
    # The audit log keeps who was erased, without the phone.
    admin = await api.admin()
    [entry] = await ok(await client.get("/admin/audit", params={"target": user_id.hex}, headers=bearer(admin)))
    assert (entry["action"], entry["actor_id"], entry["actor_role"]) == ("user.erase", user_id.hex, "student")
    assert student["phone"] not in str(entry) and "*" in entry["changes"]["phone"][0]


async def test_a_shared_avatar_file_stays(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """A file that something else shows (here a post's picture) is not the erased user's to take away."""
    company, community_id = await company_with_community(api, app)
    token = await api.student()
    picture = await ok(await upload(client, token, payload(1024)))
    await ok(await client.patch("/profiles/me", json={"avatar_media_id": picture["id"]}, headers=bearer(token)))
    post = {"community_id": community_id, "title": "Pic", "body": "x", "media_uids": [picture["id"]]}
    await ok(await client.post("/content/posts", json=post, headers=bearer(company)))
    await ok(await client.delete("/profiles/me", headers=bearer(token)))
    assert (await client.get(f"/media/{picture['id']}")).status_code == 200


async def test_only_students_delete_themselves(client: httpx.AsyncClient, api: Api) -> None:
    for token in (await api.company(), await api.admin()):
        response = await client.delete("/profiles/me", headers=bearer(token))
        assert response.status_code == 403 and "detail" in response.json()
        assert (await client.get("/profiles/me", headers=bearer(token))).status_code == 200
    assert (await client.delete("/profiles/me")).status_code == 401


async def test_the_export_holds_everything(
    client: httpx.AsyncClient, api: Api, app: Litestar, statements: StatementCounter, caller_clock: CallerClock
) -> None:
    student = await full_student(client, api, app)
    caller_clock.expire()
    with statements:
        response = await client.get("/profiles/me/export", headers=bearer(student["token"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment")
    document = response.json()
    assert document["account"]["id"] == student["user_id"].hex
    assert document["account"]["phone"] == student["phone"]
    assert document["account"]["avatar_url"] == f"/media/{student['avatar']['id']}"
    assert document["profile"] == {
        "full_name": "Анна Петрова",
        "portfolio_url": "https://example.org/anna",
        "description": "about me",
    }
    assert len(document["skills"]) == 2 and len(document["statuses"]) == 1
    assert [m["community_id"] for m in document["memberships"]] == [student["community_id"]]
    assert [f["company_id"] for f in document["company_follows"]] == [claims(student["company"])["company_id"]]
    assert [(e["event_id"], e["status"], e["checked_in_at"]) for e in document["events"]] == [
        (student["event"]["id"], "going", "")
    ]
    assert [(u["id"], u["url"]) for u in document["uploads"]] == [
        (student["avatar"]["id"], f"/media/{student['avatar']['id']}")
    ]
    assert document["companies"] == []
    assert document["reports"] == []
    assert all(value is not None for value in document["account"].values())
    assert statements.count == 11  # the caller, then one per section, whatever their sizes

    # A company's export: its company and what it published.
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id)
    exported = await ok(await client.get("/profiles/me/export", headers=bearer(company)))
    [owned] = exported["companies"]
    assert owned["id"] == claims(company)["company_id"]
    assert [(p["kind"], p["id"]) for p in owned["published"]] == [("community", community_id), ("event", event["id"])]
    assert (await client.get("/profiles/me/export")).status_code == 401


async def test_an_admin_deletes_a_company_account(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    admin = await api.admin()
    phone = new_phone()
    company = await api.company(phone)
    company_id = claims(company)["company_id"]
    community = await ok(await client.post("/communities/", json={"name": "Closing"}, headers=bearer(company)))
    post = {"community_id": community["id"], "title": "Last post", "body": "x"}
    await ok(await client.post("/content/posts", json=post, headers=bearer(company)))
    student = await api.student()
    await ok(await client.post(f"/companies/{company_id}/follow", headers=bearer(student)))

    assert (await client.delete(f"/admin/companies/{company_id}", headers=bearer(company))).status_code == 403
    assert await ok(await client.delete(f"/admin/companies/{company_id}", headers=bearer(admin))) == {"status": "ok"}

    # The company leaves every read; its communities are archived (readable by id, gone from lists and feeds).
    assert (await client.get(f"/companies/{company_id}")).status_code == 404
    assert company_id not in [c["id"] for c in await ok(await client.get("/companies/"))]
    assert (await client.post(f"/companies/{company_id}/follow", headers=bearer(student))).status_code == 404
    assert await ok(await client.get("/companies/me/followed", headers=bearer(student))) == []
    assert (await ok(await client.get(f"/communities/{community['id']}")))["is_archived"] is True
    assert "Last post" not in [item["title"] for item in await ok(await client.get("/content/posts"))]
    # Its user is erased: the token is dead, the phone free for a new company.
    assert (await client.get("/profiles/me", headers=bearer(company))).status_code == 401
    again = await api.company(phone)
    assert claims(again)["company_id"] != company_id
    # A second delete, or a change, finds nothing.
    assert (await client.delete(f"/admin/companies/{company_id}", headers=bearer(admin))).status_code == 404
    patched = await client.patch(f"/admin/companies/{company_id}", json={"name": "Back"}, headers=bearer(admin))
    assert patched.status_code == 404
    log = await ok(await client.get("/admin/audit", params={"actor": claims(admin)["sub"]}, headers=bearer(admin)))
    assert [(e["action"], e["target_id"]) for e in log][:3] == [
        ("user.erase", claims(company)["sub"]),
        ("company.delete", company_id),
        ("community.archive", community["id"]),
    ]
    assert "@" not in str(log) or "***@" in str(log)  # e-mails masked
    # An admin cannot give a deleted company a new community.
    body = {"name": "Revived", "company_id": company_id}
    assert (await client.post("/admin/communities", json=body, headers=bearer(admin))).status_code == 404


async def test_an_owner_of_two_companies_keeps_the_account(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    admin = await api.admin()
    owner = await api.company()
    first = claims(owner)["company_id"]
    second = await ok(await client.post("/admin/companies", json={"name": "Second"}, headers=bearer(admin)))
    async with app.state.db_config.get_session() as session:  # the same owner (as a second login would bind it)
        await session.execute(
            update(Company).where(Company.id == UUID(second["id"])).values(owner_user_id=UUID(claims(owner)["sub"]))
        )
        await session.commit()
    await ok(await client.delete(f"/admin/companies/{first}", headers=bearer(admin)))
    assert (await client.get("/profiles/me", headers=bearer(owner))).status_code == 200  # still owns the second
    await ok(await client.delete(f"/admin/companies/{second['id']}", headers=bearer(admin)))
    assert (await client.get("/profiles/me", headers=bearer(owner))).status_code == 401
    # A company without an owner is deleted too.
    ownerless = await ok(await client.post("/admin/companies", json={"name": "Ownerless"}, headers=bearer(admin)))
    await ok(await client.delete(f"/admin/companies/{ownerless['id']}", headers=bearer(admin)))
    assert (await client.get(f"/companies/{ownerless['id']}")).status_code == 404


async def test_a_write_racing_the_erasure_puts_nothing_back(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """A profile change whose guard passed just before the account was erased is refused at its commit, and writes
    nothing back onto the erased account (here the profile that a user without one gets on first use)."""
    token = await api.student()
    user_id = UUID(claims(token)["sub"])
    async with app.state.db_config.get_session() as session:  # an imported user's missing profile
        await session.execute(delete(Profile).where(Profile.user_id == user_id))
        await session.commit()
    async with app.state.db_config.get_session() as erasing:
        # The erasure's first steps: the row locked FOR UPDATE (PostgreSQL), the database's write lock taken (SQLite).
        await erasing.execute(select(User.id).where(User.id == user_id).with_for_update())
        await erasing.execute(update(User).where(User.id == user_id).values(erased_at=func.now(), phone=None))
        patch = asyncio.create_task(client.patch("/profiles/me", json={"full_name": "Анна"}, headers=bearer(token)))
        await asyncio.sleep(0.5)  # its guard reads the account as it was (reads do not wait); its write waits
        assert not patch.done()
        await erasing.commit()
    response = await patch
    assert response.status_code == 401, response.text
    assert await count(app, Profile, Profile.user_id == user_id) == 0


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # row locks of several strengths
async def test_a_write_does_not_wait_for_other_changes_to_its_account(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    """A write checks its caller's account with a lock that only an erasure waits on (FOR KEY SHARE): a transaction
    changing an ordinary column of the account's row (its avatar, say) does not hold it up."""
    token = await api.student()
    user_id = UUID(claims(token)["sub"])
    async with app.state.db_config.get_session() as other:
        await other.execute(update(User).where(User.id == user_id).values(avatar_media_id=None))
        patch = client.patch("/profiles/me", json={"full_name": "Анна"}, headers=bearer(token))
        response = await asyncio.wait_for(patch, timeout=10)  # it would wait for `other` for ever
        await other.rollback()
    assert (response.status_code, response.json()["full_name"]) == (200, "Анна")


async def test_an_account_erased_through_another_worker(
    client: httpx.AsyncClient, api: Api, app: Litestar, caller_clock: CallerClock
) -> None:
    """A worker trusts its reading of a caller's account for a second on reads (RecentCallers): an account erased
    through another worker can still read that long, finding nothing of its own and putting nothing back, while
    every write reads the account afresh and is refused; then its reads are refused too."""
    student = await full_student(client, api, app)
    token, user_id = bearer(student["token"]), student["user_id"]
    assert (await ok(await client.get("/profiles/me", headers=token)))["full_name"] == "Анна Петрова"
    async with app.state.db_config.get_session() as session:  # the other worker, with its own RecentCallers
        await UserService(session).erase(user_id, app.state.media_storage, RecentCallers(1.0))
        await session.commit()

    # Within the second: the personal feed is empty, and the profile is not put back on the erased account.
    assert await ok(await client.get("/content/me/posts/featured", headers=token)) == []
    response = await client.get("/profiles/me", headers=token)
    assert (response.status_code, response.json()) == (401, {"detail": "User not found"})
    assert await count(app, Profile, Profile.user_id == user_id) == 0
    # Once the second is over, every read is refused by the guard.
    caller_clock.expire()
    response = await client.get("/content/me/posts/featured", headers=token)
    assert (response.status_code, response.json()) == (401, {"detail": "User not found"})


async def test_a_write_refused_to_an_erased_account_ends_its_reads(
    client: httpx.AsyncClient, api: Api, app: Litestar, caller_clock: CallerClock
) -> None:
    """A write reads its caller's account afresh: finding it erased, the worker forgets it for reads at once."""
    token = await api.student()
    user_id = UUID(claims(token)["sub"])
    assert (await client.get("/profiles/me", headers=bearer(token))).status_code == 200
    async with app.state.db_config.get_session() as session:
        await UserService(session).erase(user_id, app.state.media_storage, RecentCallers(1.0))
        await session.commit()
    feed = "/content/me/posts/featured"
    assert (await client.get(feed, headers=bearer(token))).status_code == 200  # the account as read before
    patched = await client.patch("/profiles/me", json={"full_name": "Back"}, headers=bearer(token))
    assert (patched.status_code, patched.json()) == (401, {"detail": "User not found"})
    assert (await client.get(feed, headers=bearer(token))).status_code == 401
    assert await count(app, Profile, Profile.user_id == user_id) == 0


async def test_a_read_racing_the_erasure_puts_no_profile_back(
    client: httpx.AsyncClient, api: Api, app: Litestar, caller_clock: CallerClock
) -> None:
    """The one GET that writes, the profile a user without one gets on first read, waits for an erasure in flight
    (its account row locked for it) and then sees it: nothing is put back."""
    token = await api.student()
    user_id = UUID(claims(token)["sub"])
    # The guard's reading of the account is kept (RecentCallers): the racing read goes straight to the profile.
    assert (await client.get("/profiles/me", headers=bearer(token))).status_code == 200
    async with app.state.db_config.get_session() as session:  # an imported user's missing profile
        await session.execute(delete(Profile).where(Profile.user_id == user_id))
        await session.commit()
    async with app.state.db_config.get_session() as erasing:
        await erasing.execute(select(User.id).where(User.id == user_id).with_for_update())  # as the erasure locks it
        await erasing.execute(update(User).where(User.id == user_id).values(erased_at=func.now(), phone=None))
        read = asyncio.create_task(client.get("/profiles/me", headers=bearer(token)))
        await asyncio.sleep(0.5)  # its insert waits for the lock (PostgreSQL) or the database's write lock (SQLite)
        assert not read.done()
        if erasing.bind.dialect.name == "postgresql":
            async with app.state.db_config.get_session() as watcher:
                waiting = text(
                    "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                assert [query.split()[:3] for query in await watcher.scalars(waiting)] == [
                    ["INSERT", "INTO", "profile"]
                ]
        await erasing.commit()
    response = await read
    assert (response.status_code, response.json()) == (401, {"detail": "User not found"})
    assert await count(app, Profile, Profile.user_id == user_id) == 0
