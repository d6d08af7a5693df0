"""Calendar feeds (RFC 5545): `GET /events/{id}/calendar.ics`, `GET /calendar/{token}.ics` and the token's
`POST` / `DELETE /profiles/me/calendar-token`. Every answer is parsed with `icalendar`, and the raw bytes are checked
for what a parser forgives (line length, CRLF, escaping)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from icalendar import Calendar, Event
from litestar import Litestar
from sqlalchemy import Executable, select

from tests.conftest import StatementCounter, make_settings
from tests.helpers import Api, bearer, claims, serve
from workcommunities.app import create_app
from workcommunities.db.models import Community, Content, EventParticipant, ParticipationStatus, User
from workcommunities.settings import SettingsError, load_settings

NOW = datetime.now(UTC).replace(microsecond=0)
UNKNOWN_ID = "0" * 32
ICS = "text/calendar; charset=utf-8"
# Text a calendar must escape and give back unchanged: commas, semicolons, a backslash, newlines, Cyrillic.
TITLE = "Митап: Python, SQL; и обратная косая \\ черта"
CITY = "Москва"
LOCATION = "ул. Льва Толстого, 16; 2 этаж"
DESCRIPTION = (
    "Первая строка, с запятой; и точкой с запятой.\nВторая строка \\ с косой чертой.\n"  # noqa: RUF001
    + "Длинный текст. " * 20
)


# --- helpers ---------------------------------------------------------------------------------------------------------


async def _add(app: Litestar, *rows: Any) -> None:
    async with app.state.db_config.get_session() as session:
        session.add_all(rows)
        await session.commit()


async def _rows(app: Litestar, query: Executable) -> list[Any]:
    async with app.state.db_config.get_session() as session:
        return list((await session.execute(query)).all())


async def _community(app: Litestar, company_id: str | None = None, *, archived: bool = False) -> UUID:
    community = Community(
        company_id=UUID(company_id) if company_id else None, name="Calendar", tags=[], is_archived=archived
    )
    await _add(app, community)
    return community.id


async def _event(app: Litestar, community_id: UUID, when: datetime, title: str = "Meetup", **fields: Any) -> str:
    event = Content(community_id=community_id, type="event", title=title, event_date=when, tags=[], **fields)
    await _add(app, event)
    return event.id.hex


async def _going(app: Litestar, token: str, *event_ids: str, status: str = ParticipationStatus.going) -> None:
    """Participation rows written directly (the feed reads them; how they come about is the events slice's)."""
    user_id = UUID(claims(token)["sub"])
    await _add(app, *(EventParticipant(user_id=user_id, content_id=UUID(id_), status=status) for id_ in event_ids))


async def _issue(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    response = await client.post("/profiles/me/calendar-token", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _feed_path(url: str) -> str:
    return httpx.URL(url).path


def _base(client: httpx.AsyncClient) -> str:
    return str(client.base_url).rstrip("/")


def _parse(response: httpx.Response) -> Calendar:
    """The answer as a valid calendar: its type, and the header every calendar of ours has."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ICS
    assert response.headers["content-disposition"].startswith('inline; filename="')
    calendar = Calendar.from_ical(response.content)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["prodid"]) == "-//WorkCommunities//Events//EN"
    assert str(calendar["calscale"]) == "GREGORIAN"
    assert str(calendar["method"]) == "PUBLISH"
    return calendar


def _events(calendar: Calendar) -> list[Event]:
    return [component for component in calendar.walk("VEVENT") if isinstance(component, Event)]


def _uids(calendar: Calendar) -> list[str]:
    return [str(event["uid"]).removesuffix("@workcommunities") for event in _events(calendar)]


def _escaped(text: str) -> str:
    """TEXT as RFC 5545 (3.3.11) writes it: backslash, semicolon, comma and newline escaped."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _lines(body: bytes) -> list[bytes]:
    """The content lines as sent: each ends with CRLF (nothing else ends a line), none is longer than 75 octets, and
    folding never splits a UTF-8 character."""
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    for line in lines:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, line
        line.decode()
    return lines


# --- GET /events/{id}/calendar.ics ------------------------------------------------------------------------------


async def test_event_calendar_is_rfc_5545(client: httpx.AsyncClient, api: Api, app: Litestar) -> None:
    company = await api.company()
    community_id = await _community(app, claims(company)["company_id"])
    # Sent with a +03:00 offset: the calendar says the same instant in UTC.
    local = (NOW + timedelta(days=3)).replace(tzinfo=timezone(timedelta(hours=3)))
    start_utc = local.astimezone(UTC)
    body = {
        "community_id": community_id.hex,
        "title": TITLE,
        "event_date": local.isoformat(),
        "city": CITY,
        "location": LOCATION,
        "description": DESCRIPTION,
    }
    response = await client.post("/events/", json=body, headers=bearer(company))
    assert response.status_code == 200, response.text
    event_id = response.json()["id"]

    first = await client.get(f"/events/{event_id}/calendar.ics")
    second = await client.get(f"/events/{event_id}/calendar.ics/")
    assert first.content == second.content  # stable: the same event reads the same, UID and DTSTAMP included
    assert first.headers["content-disposition"] == f'inline; filename="event-{event_id}.ics"'
    calendar = _parse(first)
    assert "X-WR-CALNAME" not in calendar  # a single event, not a feed to subscribe to
    [event] = _events(calendar)
    assert str(event["uid"]) == f"{event_id}@workcommunities"
    assert event.decoded("dtstart") == start_utc
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == start_utc + timedelta(hours=2)
    assert str(event["summary"]) == TITLE
    assert str(event["location"]) == f"{CITY}, {LOCATION}"
    assert str(event["description"]) == DESCRIPTION
    assert str(event["url"]) == f"{_base(client)}/events/{event_id}"
    [(updated_at,)] = await _rows(app, select(Content.updated_at).where(Content.id == UUID(event_id)))
    assert event.decoded("dtstamp") == event.decoded("last-modified") == updated_at.replace(microsecond=0)

    # What a parser forgives: UTC times written with Z, escaped text, CRLF lines folded at 75 octets.
    lines = _lines(first.content)
    assert f"DTSTART:{start_utc:%Y%m%dT%H%M%S}Z".encode() in lines
    assert f"DTEND:{start_utc + timedelta(hours=2):%Y%m%dT%H%M%S}Z".encode() in lines
    assert any(line.startswith(b" ") for line in lines)  # the long description was folded
    unfolded = first.content.replace(b"\r\n ", b"").decode()
    escaped = {line.partition(":")[0]: line.partition(":")[2] for line in unfolded.split("\r\n") if ":" in line}
    assert escaped["DESCRIPTION"] == _escaped(DESCRIPTION)
    assert escaped["LOCATION"] == _escaped(f"{CITY}, {LOCATION}")
    assert escaped["SUMMARY"] == _escaped(TITLE)


async def test_event_calendar_leaves_out_what_the_event_does_not_say(client: httpx.AsyncClient, app: Litestar) -> None:
    community_id = await _community(app)
    bare = await _event(app, community_id, NOW + timedelta(days=1), title="Bare")
    city_only = await _event(app, community_id, NOW + timedelta(days=1), city="Kazan", description="  \n ")
    place_only = await _event(app, community_id, NOW - timedelta(days=400), location="Hall 1")
    controls = await _event(app, community_id, NOW, title="Bell\x07 and\r\nbreak", description="a\x01b\rc\td\x7f")
    [event] = _events(_parse(await client.get(f"/events/{bare}/calendar.ics")))
    assert "LOCATION" not in event and "DESCRIPTION" not in event
    assert str(event["summary"]) == "Bare"
    [event] = _events(_parse(await client.get(f"/events/{city_only}/calendar.ics")))
    assert (str(event["location"]), "DESCRIPTION" in event) == ("Kazan", False)
    [event] = _events(_parse(await client.get(f"/events/{place_only}/calendar.ics")))  # a past event too
    assert str(event["location"]) == "Hall 1"
    # Control characters that RFC 5545 text cannot hold are dropped; CR LF and lone CR are newlines.
    response = await client.get(f"/events/{controls}/calendar.ics")
    _lines(response.content)
    assert b"\x07" not in response.content and b"\x01" not in response.content
    [event] = _events(_parse(response))
    assert (str(event["summary"]), str(event["description"])) == ("Bell and\nbreak", "ab\nc\td")


async def test_event_calendar_of_an_archived_community_stays_readable(client: httpx.AsyncClient, app: Litestar) -> None:
    event_id = await _event(app, await _community(app, archived=True), NOW + timedelta(days=1))
    assert _uids(_parse(await client.get(f"/events/{event_id}/calendar.ics"))) == [event_id]


async def test_event_calendar_of_an_unknown_id_or_a_post_is_404(client: httpx.AsyncClient, app: Litestar) -> None:
    community_id = await _community(app)
    post = Content(community_id=community_id, type="post", title="A post", body="text", tags=[])
    await _add(app, post)
    for event_id in (UNKNOWN_ID, "not-an-id", post.id.hex):
        response = await client.get(f"/events/{event_id}/calendar.ics")
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"}), event_id


# --- POST / DELETE /profiles/me/calendar-token --------------------------------------------------------------------


async def test_calendar_token_needs_a_login(client: httpx.AsyncClient) -> None:
    for method in ("POST", "DELETE"):
        response = await client.request(method, "/profiles/me/calendar-token")
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"}), method
        response = await client.request(method, "/profiles/me/calendar-token", headers=bearer("not-a-jwt"))
        assert (response.status_code, response.json()) == (401, {"detail": "Invalid token"}), method


async def test_issued_token_gives_the_feed_url_and_only_its_hash_is_kept(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    for token in (await api.student(), await api.company(), await api.admin()):  # any signed-in user
        issued = await _issue(client, token)
        assert set(issued) == {"url", "token"}
        assert len(issued["token"]) == 43  # secrets.token_urlsafe(32)
        assert issued["url"] == f"{_base(client)}/calendar/{issued['token']}.ics"
        [(stored,)] = await _rows(app, select(User.calendar_token_hash).where(User.id == UUID(claims(token)["sub"])))
        assert stored == hashlib.sha256(issued["token"].encode()).hexdigest()
        response = await client.get(_feed_path(issued["url"]))  # no login: calendar apps send none
        calendar = _parse(response)
        assert str(calendar["x-wr-calname"]) == "WorkCommunities"
        assert _events(calendar) == []
        # RFC 5545 wants a component at least: an empty feed names its time zone.
        assert [component.name for component in calendar.subcomponents] == ["VTIMEZONE"]
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-disposition"] == 'inline; filename="workcommunities.ics"'
    # The hash itself opens nothing: a copy of the database gives away no feed.
    assert (await client.get(f"/calendar/{stored}.ics")).status_code == 404


async def test_a_new_token_revokes_the_old_url_and_delete_revokes_it(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    token = await api.student()
    old = _feed_path((await _issue(client, token))["url"])
    assert (await client.get(old)).status_code == 200
    new = _feed_path((await _issue(client, token))["url"])
    assert new != old
    response = await client.get(old)
    assert (response.status_code, response.json()) == (404, {"detail": "Not found"})
    assert (await client.get(new)).status_code == 200
    for _ in range(2):  # idempotent
        response = await client.delete("/profiles/me/calendar-token", headers=bearer(token))
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
        assert (await client.get(new)).status_code == 404
    [(stored,)] = await _rows(app, select(User.calendar_token_hash).where(User.id == UUID(claims(token)["sub"])))
    assert stored is None
    # One user's token never touches another's.
    other = await api.student()
    kept = _feed_path((await _issue(client, other))["url"])
    await _issue(client, token)
    await client.delete("/profiles/me/calendar-token", headers=bearer(token))
    assert (await client.get(kept)).status_code == 200


# --- GET /calendar/{token}.ics ------------------------------------------------------------------------------------


async def test_unknown_or_malformed_feed_token_is_404(client: httpx.AsyncClient, api: Api) -> None:
    issued = await _issue(client, await api.student())
    token = issued["token"]
    for name in (
        f"{secrets.token_urlsafe(32)}.ics",  # well formed, never issued
        token,  # no .ics
        f"{token}.ICS",
        f"{token}.ics.ics",
        f"{token[:-1]}!.ics",
        f"{token}%0A.ics",
        "short.ics",
        ".ics",
        f"{'a' * 129}.ics",
    ):
        response = await client.get(f"/calendar/{name}")
        assert (response.status_code, response.json()) == (404, {"detail": "Not found"}), name
    assert (await client.get(f"/calendar/{token}.ics")).status_code == 200


async def test_feed_has_the_going_events_of_live_communities_upcoming_first(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    student = await api.student()
    live, archived = await _community(app), await _community(app, archived=True)
    in_5_days = await _event(app, live, NOW + timedelta(days=5))
    in_1_hour = await _event(app, live, NOW + timedelta(hours=1))
    days_ago_2 = await _event(app, live, NOW - timedelta(days=2))
    days_ago_29 = await _event(app, live, NOW - timedelta(days=29))
    days_ago_31 = await _event(app, live, NOW - timedelta(days=31))  # older than the feed's 30 days
    waitlisted = await _event(app, live, NOW + timedelta(days=2))
    of_archived = await _event(app, archived, NOW + timedelta(days=3))
    not_joined = await _event(app, live, NOW + timedelta(days=4))
    # Joined through the API (no capacity: going), and as rows.
    response = await client.post(f"/events/{in_5_days}/join", headers=bearer(student))
    assert response.status_code == 200, response.text
    await _going(app, student, in_1_hour, days_ago_29, days_ago_2, days_ago_31, of_archived)
    await _going(app, student, waitlisted, status=ParticipationStatus.waitlisted)
    await _going(app, await api.student(), not_joined)  # someone else's

    calendar = _parse(await client.get(_feed_path((await _issue(client, student))["url"])))
    assert _uids(calendar) == [in_1_hour, in_5_days, days_ago_2, days_ago_29]
    assert all(str(event["url"]).startswith(f"{_base(client)}/events/") for event in _events(calendar))
    # Leaving an event takes it out of the feed; un-archiving brings the community's events back.
    assert (await client.delete(f"/events/{in_5_days}/join", headers=bearer(student))).status_code == 200
    async with app.state.db_config.get_session() as session:
        community = await session.get(Community, archived)
        assert community is not None
        community.is_archived = False
        await session.commit()
    calendar = _parse(await client.get(_feed_path((await _issue(client, student))["url"])))
    assert _uids(calendar) == [in_1_hour, of_archived, days_ago_2, days_ago_29]


async def test_feed_keeps_the_upcoming_events_when_capped_at_500(
    client: httpx.AsyncClient, api: Api, app: Litestar
) -> None:
    """501 events: the upcoming 498 and the two latest past ones fill the 500; the oldest past one is dropped."""
    student = await api.student()
    user_id = UUID(claims(student)["sub"])
    community_id = await _community(app)
    upcoming = [
        Content(community_id=community_id, type="event", title=f"u{n}", event_date=NOW + timedelta(hours=n + 1))
        for n in range(498)
    ]
    past = [
        Content(community_id=community_id, type="event", title=f"p{n}", event_date=NOW - timedelta(days=n + 1))
        for n in range(3)
    ]
    await _add(app, *upcoming, *past)
    await _add(app, *(EventParticipant(user_id=user_id, content_id=event.id) for event in (*past, *upcoming)))
    calendar = _parse(await client.get(_feed_path((await _issue(client, student))["url"])))
    expected = [event.id.hex for event in upcoming] + [past[0].id.hex, past[1].id.hex]
    assert _uids(calendar) == expected


async def test_feed_costs_the_same_statements_for_1_and_5_events(
    client: httpx.AsyncClient, api: Api, app: Litestar, statements: StatementCounter
) -> None:
    student = await api.student()
    path = _feed_path((await _issue(client, student))["url"])
    community_id = await _community(app)
    counts = []
    for target in (1, 5):
        while len(events := _events(_parse(await client.get(path)))) < target:
            await _going(app, student, await _event(app, community_id, NOW + timedelta(days=len(events) + 1)))
        with statements:
            calendar = _parse(await client.get(path))
        assert len(_events(calendar)) == target
        counts.append(statements.count)
    # The owner by the token's hash with, laterally, the events (SQLite: the owner, then the events).
    assert counts == [statements.expected(postgresql=1, sqlite=2)] * 2


async def test_public_url_setting_starts_the_urls(
    client: httpx.AsyncClient, api: Api, app: Litestar, tmp_path: Path, database_url: str
) -> None:
    student = await api.student()
    event_id = await _event(app, await _community(app), NOW + timedelta(days=1))
    await _going(app, student, event_id)
    settings = make_settings(tmp_path, database_url, public_url="https://api.example.com/")
    async with serve(create_app(settings)) as proxied:
        issued = await _issue(proxied, student)
        assert issued["url"] == f"https://api.example.com/calendar/{issued['token']}.ics"
        [event] = _events(_parse(await proxied.get(_feed_path(issued["url"]))))
        assert str(event["url"]) == f"https://api.example.com/events/{event_id}"
        [event] = _events(_parse(await proxied.get(f"/events/{event_id}/calendar.ics")))
        assert str(event["url"]) == f"https://api.example.com/events/{event_id}"


@pytest.mark.parametrize("value", ["api.example.com", "ftp://api.example.com"])
def test_public_url_must_be_an_http_address(tmp_path: Path, value: str) -> None:
    settings = load_settings(environ={"ENV": "dev", "PUBLIC_URL": value}, env_file=tmp_path / "no.env")
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        settings.check()


async def test_openapi_documents_the_calendar_routes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/events/{event_id}/calendar.ics", "/calendar/{file}"):
        operation = paths[path]["get"]
        assert operation["summary"]
        assert "security" not in operation  # no login
        assert operation["responses"]["200"]["content"] == {"text/calendar": {"schema": {"type": "string"}}}
        error = operation["responses"]["404"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorOut"}
    for method in ("post", "delete"):
        operation = paths["/profiles/me/calendar-token"][method]
        assert operation["security"] == [{"BearerToken": []}]
        assert "401" in operation["responses"]
