"""iCalendar documents (RFC 5545) of events, written by the `icalendar` library: it folds lines at 75 octets, ends
them with CRLF and escapes text values (commas, semicolons, backslashes, newlines). Every value goes through its
property types here; nothing writes a content line by hand."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from datetime import UTC, datetime, timedelta

import msgspec
from cachetools import LRUCache
from icalendar import Calendar, Event, Timezone, TimezoneStandard, vDuration, vText

from workcommunities.domain.calendar.schemas import CalendarEntry

MEDIA_TYPE = "text/calendar"
PRODID = "-//WorkCommunities//Events//EN"
UID_DOMAIN = "workcommunities"
# Events have no end time; calendars need one (or show a zero-length event), so each takes a two-hour block.
DURATION = timedelta(hours=2)
# How often a calendar app should read a subscribed feed again (RFC 7986, and the older X-PUBLISHED-TTL).
REFRESH = timedelta(hours=1)
# RFC 5545 TEXT allows no control character but HTAB and the newline the library escapes; the library keeps the
# others as they are, which would make the document invalid.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def calendar(entries: Iterable[CalendarEntry], base_url: str, *, name: str | None = None) -> bytes:
    """A VCALENDAR of `entries`; `name` makes it a subscribed feed (X-WR-CALNAME and a refresh interval).
    `base_url` (no trailing slash) makes each event's URL absolute. The calendar's own lines and each event are
    written once and kept (`_RENDERED`): the library takes longer to write a feed than the database to read it."""
    events = [_rendered(entry, base_url) for entry in entries]
    # RFC 5545 wants one component at least: an empty feed names its time zone.
    return _head(name) + b"".join(events or [_UTC]) + _END


def _head(name: str | None) -> bytes:
    """The VCALENDAR's own lines, up to its components."""
    if (head := _RENDERED.get(("head", name))) is None:
        document = Calendar()
        document.add("prodid", PRODID)
        document.add("version", "2.0")
        document.add("calscale", "GREGORIAN")
        document.add("method", "PUBLISH")
        if name is not None:
            # The library types X- properties by their value only: the property types are given here.
            document.add("x-wr-calname", vText(_text(name)))
            document.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
            document.add("x-published-ttl", vDuration(REFRESH))
        written = document.to_ical()
        assert written.endswith(_END)
        head = _RENDERED[("head", name)] = written.removesuffix(_END)
    return head


def _rendered(entry: CalendarEntry, base_url: str) -> bytes:
    """One VEVENT, kept by everything it is written from (an edited event is written anew); a long one is not kept."""
    key = (msgspec.structs.astuple(entry), base_url)
    if (written := _RENDERED.get(key)) is None:
        written = _event(entry, base_url).to_ical()
        if len(written) <= _KEPT_EVENT_BYTES:
            _RENDERED[key] = written
    return written


def _utc() -> Timezone:
    zone = Timezone()
    zone.add("tzid", "UTC")
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))  # noqa: DTZ001 - a VTIMEZONE's DTSTART is local time by definition
    standard.add("tzoffsetfrom", timedelta(0))
    standard.add("tzoffsetto", timedelta(0))
    standard.add("tzname", "UTC")
    zone.add_component(standard)
    return zone


_UTC = _utc().to_ical()
_END = b"END:VCALENDAR\r\n"
# Documents' parts as written, by what they are written from, least recently read out first: at most 1 MB of them
# (and as much again in their keys, which hold the texts), each event at most 8 KB (a longer one is written each time).
_KEPT_EVENT_BYTES = 8 * 1024
_RENDERED: LRUCache[Hashable, bytes] = LRUCache(maxsize=1024 * 1024, getsizeof=len)


def _event(entry: CalendarEntry, base_url: str) -> Event:
    start = entry.event_date.astimezone(UTC)
    modified = entry.updated_at.astimezone(UTC)
    event = Event()
    event.add("uid", f"{entry.id}@{UID_DOMAIN}")  # the event's id: the same event keeps its UID across reads
    event.add("dtstamp", modified)  # the event's last change, not the read's time: an unchanged feed reads the same
    event.add("last-modified", modified)
    event.add("dtstart", start)
    event.add("dtend", start + DURATION)
    event.add("summary", _text(entry.title))
    if place := ", ".join(part for part in (_text(entry.city).strip(), _text(entry.location).strip()) if part):
        event.add("location", place)
    if (description := _text(entry.description)).strip():
        event.add("description", description)
    event.add("url", f"{base_url}/events/{entry.id}")
    return event


def _text(value: str) -> str:
    """Text as RFC 5545 TEXT takes it: CR LF and lone CR as newlines, other control characters dropped."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
