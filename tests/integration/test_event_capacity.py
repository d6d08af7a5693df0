"""Event capacity and the waitlist, one event's page, and the organiser's participant list, CSV and check-in."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select

from tests.conftest import CallerClock, StatementCounter
from tests.helpers import Api, bearer, claims
from tests.integration.test_events import _add, _rows, company_with_community, create_event, make_post
from workcommunities.db.models import EventParticipant, Profile, Role, User
from workcommunities.lib.security import issue_token

PARTICIPANT_KEYS = {
    "user_id",
    "full_name",
    "phone",
    "avatar_media_id",
    "status",
    "joined_at",
    "checked_in",
    "checked_in_at",
}


async def students(app: Litestar, count: int, *, names: list[str] | None = None) -> list[str]:
    """`count` students made directly (signing 50 up through the code login would dominate the test), each with a
    profile; their tokens, as the API issues them."""
    users = [User(role=Role.student, phone=f"+7999{index:07d}{count}") for index in range(count)]
    await _add(app, *users)
    await _add(
        app,
        *(Profile(user_id=user.id, full_name=(names or [])[n] if names else f"S{n}") for n, user in enumerate(users)),
    )
    return [issue_token(app.state.settings, user) for user in users]


async def join(client: httpx.AsyncClient, event_id: str, token: str) -> str:
    response = await client.post(f"/events/{event_id}/join", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"
    return str(response.json()["participation"])


async def read(client: httpx.AsyncClient, event_id: str, token: str | None = None) -> dict[str, Any]:
    response = await client.get(f"/events/{event_id}", headers=bearer(token) if token else None)
    assert response.status_code == 200, response.text
    event: dict[str, Any] = response.json()
    return event


async def statuses(app: Litestar, event_id: str) -> dict[UUID, str]:
    rows = await _rows(
        app,
        select(EventParticipant.user_id, EventParticipant.status).where(EventParticipant.content_id == UUID(event_id)),
    )
    return {row.user_id: row.status for row in rows}


def user_id(token: str) -> UUID:
    return UUID(claims(token)["sub"])


async def test_a_full_event_waitlists_and_a_leave_lets_the_first_in_line_in(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id, capacity=2)
    assert (event["capacity"], event["participants_count"], event["waitlist_count"]) == (2, 0, 0)
    first, second, third, fourth = await students(app, 4)

    assert [await join(client, event["id"], token) for token in (first, second, third, fourth)] == [
        "going",
        "going",
        "waitlisted",
        "waitlisted",
    ]
    assert await join(client, event["id"], third) == "waitlisted"  # joining again changes nothing
    seen = await read(client, event["id"], third)
    assert (seen["participants_count"], seen["waitlist_count"], seen["my_participation"]) == (2, 2, "waitlisted")
    assert (await read(client, event["id"], first))["my_participation"] == "going"
    assert (await read(client, event["id"]))["my_participation"] == ""  # anonymous
    upcoming = (await client.get("/events/upcoming", headers=bearer(fourth))).json()
    assert [(e["id"], e["my_participation"], e["waitlist_count"]) for e in upcoming] == [(event["id"], "waitlisted", 2)]

    response = await client.delete(f"/events/{event['id']}/join", headers=bearer(second))
    assert response.status_code == 200
    assert await statuses(app, event["id"]) == {
        user_id(first): "going",
        user_id(third): "going",  # first in line
        user_id(fourth): "waitlisted",
    }
    # Leaving the waitlist frees no place.
    await client.delete(f"/events/{event['id']}/join", headers=bearer(fourth))
    assert (await read(client, event["id"]))["waitlist_count"] == 0
    mine = (await client.get("/events/my/upcoming", headers=bearer(third))).json()
    assert [(e["id"], e["my_participation"]) for e in mine] == [(event["id"], "going")]


async def test_capacity_changes_move_people_between_going_and_the_waitlist(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id, capacity=4)
    tokens = await students(app, 6)
    for token in tokens:  # four going, two waitlisted
        await join(client, event["id"], token)
    ids = [user_id(token) for token in tokens]

    async def patch(capacity: int | None) -> dict[str, Any]:
        response = await client.patch(f"/events/{event['id']}", json={"capacity": capacity}, headers=bearer(company))
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    changed = await patch(2)
    assert (changed["capacity"], changed["participants_count"], changed["waitlist_count"]) == (2, 2, 4)
    # The two latest joiners go to the front of the waitlist, in their join order, ahead of those already waiting.
    page = (await client.get(f"/events/{event['id']}/participants", headers=bearer(company))).json()
    assert [(UUID(p["user_id"]), p["status"]) for p in page] == [
        (ids[0], "going"),
        (ids[1], "going"),
        (ids[2], "waitlisted"),
        (ids[3], "waitlisted"),
        (ids[4], "waitlisted"),
        (ids[5], "waitlisted"),
    ]
    changed = await patch(3)  # one place more: the first in line
    assert (await statuses(app, event["id"]))[ids[2]] == "going"
    assert (changed["participants_count"], changed["waitlist_count"]) == (3, 3)
    changed = await patch(None)  # unlimited: everyone
    assert (changed["capacity"], changed["participants_count"], changed["waitlist_count"]) == (0, 6, 0)
    assert set((await statuses(app, event["id"])).values()) == {"going"}
    # A PATCH without capacity leaves it, and everyone, alone.
    response = await client.patch(f"/events/{event['id']}", json={"title": "Renamed"}, headers=bearer(company))
    assert (response.json()["capacity"], response.json()["participants_count"]) == (0, 6)


@pytest.mark.parametrize("capacity", [0, -1, 1.5, "ten", True, 1_000_001])
async def test_bad_capacities_are_refused(client: httpx.AsyncClient, api: Api, app: Litestar, capacity: Any) -> None:
    company, community_id = await company_with_community(api, app)
    body = {"community_id": community_id, "title": "Meetup", "event_date": "2099-01-01T10:00:00Z", "capacity": capacity}
    response = await client.post("/events/", json=body, headers=bearer(company))
    assert response.status_code == 422, response.text
    assert "detail" in response.json()
    event = await create_event(client, company, community_id)
    response = await client.patch(f"/events/{event['id']}", json={"capacity": capacity}, headers=bearer(company))
    assert response.status_code == 422, response.text


async def test_concurrent_joins_never_overbook(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """50 people join an event of 10 places at once: exactly 10 going, 40 waitlisted, on both databases."""
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id, capacity=10)
    tokens = await students(app, 50)
    answers = await asyncio.gather(*(join(client, event["id"], token) for token in tokens))
    assert sorted(answers) == ["going"] * 10 + ["waitlisted"] * 40
    stored = await statuses(app, event["id"])
    assert sorted(stored.values()) == ["going"] * 10 + ["waitlisted"] * 40
    # Each answer said what was stored.
    assert [stored[user_id(token)] for token in tokens] == answers

    # The 10 going leave while 10 more join at once: every freed place goes to someone, still never more than 10.
    going = [token for token, answer in zip(tokens, answers, strict=True) if answer == "going"]
    late = await students(app, 10)
    leaves = [client.delete(f"/events/{event['id']}/join", headers=bearer(token)) for token in going]
    results = await asyncio.gather(*leaves, *(join(client, event["id"], token) for token in late))
    assert all(getattr(result, "status_code", 200) == 200 for result in results)
    stored = await statuses(app, event["id"])
    assert sorted(stored.values()) == ["going"] * 10 + ["waitlisted"] * 40
    seen = await read(client, event["id"])
    assert (seen["participants_count"], seen["waitlist_count"]) == (10, 40)


async def test_one_event_page(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id)
    assert await read(client, event["id"]) == {**event, "checked_in_count": 0}
    assert (await client.get(f"/events/{'0' * 32}")).status_code == 404
    post_id = await make_post(app, community_id)
    assert (await client.get(f"/events/{post_id}")).status_code == 404  # a post is not an event
    # A broken token reads as anonymous.
    assert (await read(client, event["id"], "nonsense"))["my_participation"] == ""


async def test_the_organiser_lists_participants_and_checks_them_in(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    company, community_id = await company_with_community(api, app)
    other_company, _ = await company_with_community(api, app)
    admin = await api.admin()
    event = await create_event(client, company, community_id, capacity=2)
    tokens = await students(app, 3, names=["Анна", '=HYPERLINK("http://x")', "Boris, Jr."])
    for token in tokens:
        await join(client, event["id"], token)
    ids = [user_id(token) for token in tokens]
    path = f"/events/{event['id']}/participants"

    listed = (await client.get(path, headers=bearer(company))).json()
    assert [set(p) for p in listed] == [PARTICIPANT_KEYS] * 3
    assert [(p["full_name"], p["status"], p["phone"]) for p in listed] == [
        ("Анна", "going", ""),  # phones: the user's own and admins' only
        ('=HYPERLINK("http://x")', "going", ""),
        ("Boris, Jr.", "waitlisted", ""),
    ]
    as_admin = (await client.get(path, headers=bearer(admin))).json()
    assert all(p["phone"].startswith("+7999") for p in as_admin)
    page = (await client.get(path, params={"offset": 1, "limit": 1}, headers=bearer(company))).json()
    assert [p["full_name"] for p in page] == ['=HYPERLINK("http://x")']
    waiting = (await client.get(path, params={"status": "waitlisted"}, headers=bearer(company))).json()
    assert [UUID(p["user_id"]) for p in waiting] == [ids[2]]
    bad = await client.get(path, params={"status": "gone"}, headers=bearer(company))
    assert (bad.status_code, bad.json()["detail"][0]["loc"]) == (422, ["query", "status"])
    bad = await client.get(path, params={"format": "xml"}, headers=bearer(company))
    assert (bad.status_code, bad.json()["detail"][0]["loc"]) == (422, ["query", "format"])
    assert all(value is not None for p in listed for value in p.values())  # the non-null rule
    assert [p["checked_in_at"] for p in listed] == ["", "", ""]

    for token in (tokens[0], other_company):
        assert (await client.get(path, headers=bearer(token))).status_code == 403
    assert (await client.get(path)).status_code == 401
    assert (await client.get(f"/events/{'0' * 32}/participants", headers=bearer(company))).status_code == 404

    # Check-in: the organiser's, once, going participants only.
    check_in = f"{path}/{ids[0].hex}/check-in"
    first = await client.post(check_in, headers=bearer(company))
    assert first.status_code == 200, first.text
    assert (first.json()["checked_in"], first.json()["status"]) == (True, "going")
    again = await client.post(check_in, headers=bearer(admin))
    assert again.json()["checked_in_at"] == first.json()["checked_in_at"]
    assert (await client.post(f"{path}/{ids[2].hex}/check-in", headers=bearer(company))).status_code == 409
    stranger = (await students(app, 1))[0]
    assert (await client.post(f"{path}/{user_id(stranger).hex}/check-in", headers=bearer(company))).status_code == 404
    for token in (tokens[1], other_company):
        assert (await client.post(f"{path}/{ids[1].hex}/check-in", headers=bearer(token))).status_code == 403
    assert (await read(client, event["id"], company))["checked_in_count"] == 1
    assert (await read(client, event["id"], tokens[0]))["checked_in_count"] == 0  # the organiser's figure
    assert (await read(client, event["id"]))["checked_in_count"] == 0
    checked = (await client.get(path, params={"status": "checked_in"}, headers=bearer(company))).json()
    assert [UUID(p["user_id"]) for p in checked] == [ids[0]]

    # The spreadsheet: everyone, a formula written as text.
    response = await client.get(path, params={"format": "csv"}, headers=bearer(company))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 marked, for Excel
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["full_name"], row["status"]) for row in rows] == [
        ("Анна", "going"),
        ('\'=HYPERLINK("http://x")', "going"),
        ("Boris, Jr.", "waitlisted"),
    ]
    assert rows[0]["checked_in_at"] and not rows[1]["checked_in_at"]
    assert all(row["phone"] == "" for row in rows)
    assert rows[0]["joined_at"] == listed[0]["joined_at"]  # times as the JSON writes them
    admin_csv = await client.get(path, params={"format": "csv"}, headers=bearer(admin))
    admin_rows = list(csv.DictReader(io.StringIO(admin_csv.content.decode("utf-8-sig"))))
    assert [row["phone"] for row in admin_rows] == [p["phone"] for p in as_admin]  # not taken for formulas

    # Taking someone off lets the first in line in.
    removed = await client.delete(f"{path}/{ids[1].hex}", headers=bearer(company))
    assert removed.status_code == 200
    assert await statuses(app, event["id"]) == {ids[0]: "going", ids[2]: "going"}
    assert (await client.delete(f"{path}/{ids[1].hex}", headers=bearer(company))).status_code == 404
    assert (await client.delete(f"{path}/{ids[0].hex}", headers=bearer(other_company))).status_code == 403


async def test_joins_racing_a_capacity_cut_never_overbook(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """A capacity lowered while people join: the joins count against the new capacity, on both databases."""
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id, capacity=30)
    tokens = await students(app, 40)
    for token in tokens[:20]:
        await join(client, event["id"], token)
    cut = client.patch(f"/events/{event['id']}", json={"capacity": 5}, headers=bearer(company))
    results = await asyncio.gather(cut, *(join(client, event["id"], token) for token in tokens[20:]))
    assert getattr(results[0], "status_code", None) == 200
    stored = await statuses(app, event["id"])
    assert sorted(stored.values()) == ["going"] * 5 + ["waitlisted"] * 35


async def test_a_checked_in_participant_keeps_the_place(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    """Lowering the capacity demotes the latest joiners who have not come yet, not someone checked in."""
    company, community_id = await company_with_community(api, app)
    event = await create_event(client, company, community_id, capacity=3)
    tokens = await students(app, 3)
    for token in tokens:
        await join(client, event["id"], token)
    ids = [user_id(token) for token in tokens]
    path = f"/events/{event['id']}/participants"
    assert (await client.post(f"{path}/{ids[2].hex}/check-in", headers=bearer(company))).status_code == 200
    response = await client.patch(f"/events/{event['id']}", json={"capacity": 1}, headers=bearer(company))
    assert response.status_code == 200, response.text
    assert await statuses(app, event["id"]) == {ids[0]: "waitlisted", ids[1]: "waitlisted", ids[2]: "going"}
    waiting = (await client.get(path, params={"status": "waitlisted"}, headers=bearer(company))).json()
    assert [UUID(p["user_id"]) for p in waiting] == ids[:2]  # in their join order


async def test_statements_stay_constant(
    client: httpx.AsyncClient, api: Api, app: Litestar, statements: StatementCounter, caller_clock: CallerClock
) -> None:
    """Join, leave, one event's page and the participant list cost the same with 2 and with 12 participants."""
    counts = []
    for size in (2, 12):
        company, community_id = await company_with_community(api, app)
        event = await create_event(client, company, community_id, capacity=size // 2)
        tokens = await students(app, size)
        for token in tokens[:-1]:
            await join(client, event["id"], token)
        measured = []
        for method, url, token in (
            ("POST", f"/events/{event['id']}/join", tokens[-1]),
            ("DELETE", f"/events/{event['id']}/join", tokens[0]),
            ("GET", f"/events/{event['id']}", tokens[1]),
            ("GET", f"/events/{event['id']}/participants", company),
            ("GET", f"/events/{event['id']}/participants?format=csv", company),
        ):
            caller_clock.expire()
            with statements:
                response = await client.request(method, url, headers=bearer(token))
            assert response.status_code == 200, (url, response.text)
            measured.append(statements.count)
        counts.append(measured)
    assert counts[0] == counts[1]
    assert counts[0][2] == statements.expected(postgresql=2, sqlite=3)  # the caller, then the event
