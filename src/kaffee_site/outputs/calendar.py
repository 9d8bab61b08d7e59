"""When sessions happen, and the iCalendar files (RFC 5545) that put them into calendars.

`termine.ics` holds every session and every announced session without a report yet;
each session page links its own `termin.ics`. Times are German wall-clock times
(Europe/Berlin) written with TZID and a VTIMEZONE, so calendars show 10:00 in Germany
whatever the reader's zone; a session without a known time is an all-day event. Everything comes from the content: DTSTAMP is the day the
event became known, never the clock, so the same content gives the same bytes.
"""

from __future__ import annotations

import re

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from kaffee_site.clock import iso_with_offset
from kaffee_site.config import SiteConfig
from kaffee_site.i18n import catalogue
from kaffee_site.model import Announcement, Session, Site
from kaffee_site.outputs.kind import PageSpec
from kaffee_site.text import slugify

TZID = "Europe/Berlin"
LINE_OCTETS = 75
CRLF = "\r\n"

# The EU summer-time rule (clock.py), for calendars that do not know Europe/Berlin.
VTIMEZONE = (
    "BEGIN:VTIMEZONE", f"TZID:{TZID}", f"X-LIC-LOCATION:{TZID}",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
    "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
    "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class When:
    """When a session takes place, as far as the content says: a day, and a start and end
    only where the session or site.yaml gives them (we never invent a time of day)."""

    day: date
    start: time | None = None
    end: time | None = None  # only with a start

    @property
    def start_at(self) -> datetime | None:
        return datetime.combine(self.day, self.start) if self.start is not None else None

    @property
    def end_at(self) -> datetime | None:
        return datetime.combine(self.day, self.end) if self.start is not None and self.end is not None else None

    @property
    def moment(self) -> datetime:
        """A point in time for formats that need one (Atom): the start, or the day's beginning."""
        return self.start_at or datetime.combine(self.day, time(0))


def session_times(session: Session, config: SiteConfig) -> When:
    """Start and end (German wall-clock time) from 'time:' / 'end:' or site.yaml's
    'event_start' / 'event_end'; with only 'time:', the session keeps the site's length."""
    return _when(session.date, session.time, session.end, config)


def announced_times(announcement: Announcement, config: SiteConfig) -> When:
    """From `next.time` / `next.end`; with a time and no end, the site's length (event_start to
    event_end) or no end at all."""
    return _when(announcement.date, announcement.time, announcement.end, config)


def _when(day: date, start: time | None, end: time | None, config: SiteConfig) -> When:
    if start is None:
        start = config.event_start
        end = end or config.event_end
    elif end is None and config.event_start is not None and config.event_end is not None:
        length = datetime.combine(day, config.event_end) - datetime.combine(day, config.event_start)
        later = datetime.combine(day, start) + length
        end = later.time() if later.date() == day else None  # a length past midnight: no end to say
    if start is None or (end is not None and end <= start):
        end = None
    return When(day, start, end)


@dataclass(frozen=True)
class Event:
    uid: str
    when: When  # German wall-clock time; all day when no time is known
    stamp: date  # the day the event became known: DTSTAMP
    summary: str
    description: str
    url: str
    categories: tuple[str, ...] = ()


def event_uids(site: Site) -> dict[str, str]:
    """Session slug -> UID. An announced session keeps its UID once its report exists:
    the UID is made from series and date, so calendars update the event instead of doubling it."""
    host = urlsplit(site.config.base_url).hostname or "kaffee-site"
    keys = Counter((s.series, s.date) for s in site.sessions)
    return {s.slug: _uid(s.series, s.date, host, s.slug if keys[(s.series, s.date)] > 1 else None)
            for s in site.sessions}


def _uid(series: str, day: date, host: str, slug: str | None = None) -> str:
    return f"{slugify(series) or 'sitzung'}-{day:%Y%m%d}{'-' + slug if slug else ''}@{host}"


def session_event(site: Site, session: Session, uid: str) -> Event:
    url = site.config.absolute_url(session.url_path)
    report = catalogue(site.config.language).gettext("Report: %(url)s") % {"url": url}
    description = "\n\n".join(x for x in (session.teaser, report) if x)
    return Event(uid, session_times(session, site.config), session.date, _summary(session.title, session.series),
                 description, url,
                 tuple(site.topic(t).title for t in session.topics))


def announced_event(site: Site, announcement: Announcement) -> Event:
    source = site.session(announcement.announced_by)
    url = site.config.absolute_url(source.url_path)
    host = urlsplit(site.config.base_url).hostname or "kaffee-site"
    description = catalogue(site.config.language).gettext("Announced in “%(title)s”: %(url)s") % {
        "title": source.title, "url": url}
    return Event(_uid(announcement.series, announcement.date, host), announced_times(announcement, site.config),
                 source.date,
                 _summary(announcement.title, announcement.series), description, url)


def _summary(title: str | None, series: str) -> str:
    return f"{series}: {title}" if title and title != series else series


def site_events(site: Site) -> list[Event]:
    """Every session, then every announced session without a report, oldest first."""
    uids = event_uids(site)
    events = [session_event(site, s, uids[s.slug]) for s in site.sessions]
    taken = {e.uid for e in events}
    events += [e for e in (announced_event(site, a) for a in site.upcoming) if e.uid not in taken]
    return sorted(events, key=lambda e: (e.when.moment, e.uid))


def site_calendar(site: Site) -> bytes:
    """termine.ics: the whole programme."""
    return calendar_bytes(site_events(site), name=site.config.title, language=site.config.language)


def announcement_path(site: Site, announcement: Announcement) -> str:
    """The announced event's own .ics, in the announcing session's folder, named by its date:
    sitzungen/<slug>/termin-2024-10-10.ics (its report's own termin.ics does not exist yet)."""
    session = site.session(announcement.announced_by)
    stem = site.config.urls.event.removesuffix(".ics")
    return f"{session.url_path}{stem}-{announcement.date.isoformat()}.ics"


def announcement_calendar(site: Site, announcement: Announcement) -> bytes:
    """The announced session alone, to add with one click from the announcement."""
    event = announced_event(site, announcement)
    return calendar_bytes([event], name=event.summary, language=site.config.language)


def session_calendar(site: Site, session: Session, uid: str) -> bytes:
    """sitzungen/<slug>/termin.ics: one session, to add with one click."""
    return calendar_bytes([session_event(site, session, uid)], name=session.title, language=site.config.language)


def calendar_bytes(events: Iterable[Event], name: str, language: str = "de") -> bytes:
    # PRODID is TEXT like any other (RFC 5545 3.7.3): escaped, whatever config.py let through
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//kaffee-site//Session archive//{escape_text(language.upper())}",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{escape_text(name)}",
             f"X-WR-TIMEZONE:{TZID}", *VTIMEZONE]
    head = "".join(fold(line) + CRLF for line in lines)
    return (head + "".join(map(event_text, events)) + "END:VCALENDAR" + CRLF).encode("utf-8")


# The calendar is assembled from one piece of text per event, kept for the events seen last:
# a warm engine (`serve`) that renders termine.ics again after one session changed folds and
# escapes that session's event alone. An Event is a frozen value, so equal events give equal text.
@lru_cache(maxsize=1 << 15)
def event_text(event: Event) -> str:
    """The folded lines of one VEVENT, each ended by CRLF."""
    return "".join(fold(line) + CRLF for line in _event_lines(event))


def _event_lines(event: Event) -> Iterator[str]:
    yield "BEGIN:VEVENT"
    yield f"UID:{event.uid}"
    yield f"DTSTAMP:{event.stamp:%Y%m%d}T000000Z"
    when = event.when
    if when.start_at is None:  # no time given: an all-day event (RFC 5545 3.6.1, DTEND the next day)
        yield f"DTSTART;VALUE=DATE:{when.day:%Y%m%d}"
        yield f"DTEND;VALUE=DATE:{when.day + timedelta(days=1):%Y%m%d}"
    else:
        yield f"DTSTART;TZID={TZID}:{when.start_at:%Y%m%dT%H%M%S}"
        if when.end_at is not None:  # without an end the event is a point in time, as RFC 5545 reads it
            yield f"DTEND;TZID={TZID}:{when.end_at:%Y%m%dT%H%M%S}"
    yield f"SUMMARY:{escape_text(event.summary)}"
    yield f"DESCRIPTION:{escape_text(event.description)}"
    yield "LOCATION:Online"
    if urlsplit(event.url).scheme:  # a base_url without a host gives no absolute URL to offer
        yield f"URL:{event.url}"
    if event.categories:
        yield "CATEGORIES:" + ",".join(escape_text(c) for c in event.categories)
    yield "STATUS:CONFIRMED"
    yield "TRANSP:OPAQUE"
    yield "END:VEVENT"


def escape_text(text: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and line breaks escaped; other controls dropped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return _CONTROLS.sub("", text)


_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f]")  # below ' ', except the tab


def fold(line: str, limit: int = LINE_OCTETS) -> str:
    """Fold a content line to at most `limit` octets per line, never inside a UTF-8 character.

    Cut on the encoded bytes (a cut that lands on a continuation byte moves back to the start
    of its character): one slice per line instead of one step per character, which made the
    archive's calendar the slowest output at 10,000 sessions."""
    data = line.encode("utf-8")
    if len(data) <= limit:
        return line
    parts, start, room = [], 0, limit
    while len(data) - start > room:
        end = start + room
        while (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end])
        start, room = end, limit - 1  # continuation lines start with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def plan(site: Site, planned: list[PageSpec]) -> list[PageSpec]:
    """termine.ics, then each session's termin.ics and the .ics of its announcement while that is ahead."""
    urls, uids = site.config.urls, event_uids(site)
    return [PageSpec(urls.calendar, "", producer=site_calendar),
            *(PageSpec(f"{s.url_path}{urls.event}", "", (("session", s), ("uid", uids[s.slug])),
                       producer=session_calendar) for s in site.sessions),
            *(PageSpec(announcement_path(site, s.next), "", (("announcement", s.next),), producer=announcement_calendar)
              for s in site.sessions if s.next is not None and s.next.ahead)]


def template_globals(site: Site) -> dict:
    return {"session_times": lambda session: session_times(session, site.config),
            "announced_times": lambda announcement: announced_times(announcement, site.config),
            "announcement_path": lambda announcement: announcement_path(site, announcement),
            "iso_moment": iso_with_offset}
