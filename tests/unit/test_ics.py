"""The calendar documents (domain/calendar/ics.py): each event is written once and kept, by everything it is
written from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from icalendar import Calendar, Event

from workcommunities.domain.calendar import ics
from workcommunities.domain.calendar.schemas import CalendarEntry

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def _entry(title: str, days: int = 0) -> CalendarEntry:
    return CalendarEntry(
        id=f"{days:032x}",
        title=title,
        description="Программа, спикеры; Q&A\n" * 4,
        city="Москва",
        location="Office",
        event_date=NOW + timedelta(days=days),
        updated_at=NOW,
    )


def _summaries(document: bytes) -> list[str]:
    return [str(event["SUMMARY"]) for event in Calendar.from_ical(document).walk("VEVENT")]


def test_a_kept_event_reads_as_written_and_an_edit_is_written_anew() -> None:
    first, second = _entry("First, with a comma", 1), _entry("Second; with a semicolon", 2)
    written = ics.calendar([first, second], "https://api.example.com", name="Feed")
    assert ics.calendar([first, second], "https://api.example.com", name="Feed") == written
    assert _summaries(written) == ["First, with a comma", "Second; with a semicolon"]
    assert written.startswith(b"BEGIN:VCALENDAR\r\n") and written.endswith(b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert b"X-WR-CALNAME:Feed\r\n" in written
    # The same event (same id, same last change) with another title and place: written from its new values.
    edited = msgspec.structs.replace(first, title="Renamed", location="Hall B")
    document = ics.calendar([edited, second], "https://api.example.com", name="Feed")
    assert _summaries(document) == ["Renamed", "Second; with a semicolon"]
    assert "Hall B" in str(next(iter(Calendar.from_ical(document).walk("VEVENT")))["LOCATION"])
    # Another address: the event's URL follows it.
    assert b"URL:https://other.example.org/events/" in ics.calendar([first], "https://other.example.org")


def test_an_empty_feed_names_its_time_zone_and_a_document_without_name_has_none() -> None:
    empty = Calendar.from_ical(ics.calendar([], "https://api.example.com", name="Feed"))
    assert [component.name for component in empty.subcomponents] == ["VTIMEZONE"]
    plain = ics.calendar([_entry("One")], "https://api.example.com")
    assert b"X-WR-CALNAME" not in plain and _summaries(plain) == ["One"]


def test_an_event_is_written_once_and_a_long_one_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    kept, long = _entry("Kept", 7), msgspec.structs.replace(_entry("Long", 8), description="x" * 20_000)
    written = ics.calendar([kept, long], "https://api.example.com")
    calls: list[str] = []
    original = ics._event

    def counted(entry: CalendarEntry, base_url: str) -> Event:
        calls.append(entry.title)
        return original(entry, base_url)

    monkeypatch.setattr(ics, "_event", counted)
    assert ics.calendar([kept, long], "https://api.example.com") == written
    assert calls == ["Long"]  # the kept one came from the cache; the long one (over 8 KB) was written again
