"""iCalendar files: termine.ics and each session's termin.ics, read with the `icalendar` package
and checked byte by byte for what RFC 5545 asks (CRLF, folding at 75 octets, UTF-8 intact)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from reader_support import BASE, built_sample, parse_html
from support import Archive, epoch, session_md

from kaffee_site.clock import berlin_offset
from kaffee_site.outputs.calendar import fold

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Archive:
    return built_sample(tmp_path_factory.mktemp("calendar"), "search: false")


@pytest.fixture(scope="module")
def timed(tmp_path_factory) -> Archive:
    """The sample with the time its sessions take place, as site.yaml may give it."""
    return built_sample(tmp_path_factory.mktemp("timed"), "search: false", 'event_start: "10:00"', 'event_end: "11:00"')


def _calendar(archive: Archive, rel: str = "termine.ics") -> icalendar.Calendar:
    return icalendar.Calendar.from_ical((archive.output / rel).read_bytes())


def _events(archive: Archive, rel: str = "termine.ics") -> list:
    return _calendar(archive, rel).walk("VEVENT")


def _assert_rfc5545_lines(raw: bytes) -> None:
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert b"\n" not in raw.replace(b"\r\n", b""), "a bare line feed"
    assert b"\r" not in raw.replace(b"\r\n", b""), "a bare carriage return"
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # each physical line is whole UTF-8: no character was split by folding


def test_every_session_is_in_the_calendar(timed: Archive):
    events = _events(timed)
    summaries = [str(e["SUMMARY"]) for e in events]
    assert len(events) == 8  # 8 published sessions; the newest announces nothing (the draft's own is not taken)
    assert summaries[-1] == "Smarter Kaffee: KI in der Kreisverwaltung – gemeinsam statt allein"
    assert len({str(e["UID"]) for e in events}) == 8
    starts = [e.decoded("DTSTART") for e in events]
    assert starts == sorted(starts)
    for event in events:
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start.tzinfo is not None and str(event["DTSTART"].params["TZID"]) == "Europe/Berlin"
        assert (start.astimezone(BERLIN).time(), end - start) == (time(10, 0), timedelta(hours=1))
        assert event.decoded("DTSTAMP") == datetime.combine(event.decoded("DTSTAMP").date(), time(0),
                                                            tzinfo=event.decoded("DTSTAMP").tzinfo)
    first = events[0]
    assert first.decoded("DTSTART") == datetime(2024, 5, 16, 10, 0, tzinfo=BERLIN)
    assert first.decoded("DTSTAMP").date() == date(2024, 5, 16)  # from the content, not the clock
    assert str(first["URL"]) == BASE + "sitzungen/2024-05-16-auftakt/"


def test_the_calendar_declares_its_time_zone(timed: Archive):
    calendar = _calendar(timed)
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Berlin"]
    # the written rules agree with the time zone database: summer and winter time in 2024
    summer = [e for e in calendar.walk("VEVENT") if e.decoded("DTSTART").month == 9][0]
    assert summer.decoded("DTSTART").utcoffset() == timedelta(hours=2)
    winter = [e for e in calendar.walk("VEVENT") if e.decoded("DTSTART").month == 12][0]
    assert winter.decoded("DTSTART").utcoffset() == timedelta(hours=1)


def test_lines_end_in_crlf_and_are_folded_at_75_octets(sample: Archive):
    for path in [sample.output / "termine.ics", *sample.output.glob("sitzungen/*/termin.ics")]:
        _assert_rfc5545_lines(path.read_bytes())


def test_folding_never_splits_a_character():
    line = "SUMMARY:" + "Förderjahr 🤖 Übergänge – ä" * 20
    folded = fold(line)
    raw = folded.encode("utf-8") + b"\r\n"
    _assert_rfc5545_lines(raw)
    assert folded.replace("\r\n ", "") == line
    assert max(len(x.encode()) for x in folded.split("\r\n")) in (74, 75)  # lines are filled, not cut short


def test_each_session_page_links_its_own_calendar_file(sample: Archive):
    all_uids = {str(e["SUMMARY"]): str(e["UID"]) for e in _events(sample)}
    url_path = "sitzungen/2024-09-05-verstetigung/"
    page = parse_html(sample.page(url_path))
    links = [a["href"] for a in page.anchors if a.get("type") == "text/calendar" and "termin.ics" in a["href"]]
    assert links == ["/kaffee/" + url_path + "termin.ics"]
    assert "In den Kalender" in page.plain
    events = _events(sample, url_path + "termin.ics")
    assert len(events) == 1
    assert str(events[0]["UID"]) == all_uids[str(events[0]["SUMMARY"])]  # the same event as in termine.ics
    assert "Verstetigung" in [str(c) for c in events[0]["CATEGORIES"].cats]


def test_time_and_end_in_the_front_matter_win_over_the_defaults(archive: Archive):
    archive.write("site.yaml", "base_url: https://example.org/\nsearch: false\nevent_start: \"09:00\"\nevent_end: 9:45\n")
    archive.write("sessions/a.md", session_md("Nachmittags", "2024-03-07", time='"14:30"', end="16:00"))
    archive.write("sessions/b.md", session_md("Nur Beginn", "2024-03-08", time="13:00"))
    archive.write("sessions/c.md", session_md("Standard", "2024-03-09"))
    assert archive.build() == 0
    times = {str(e["SUMMARY"]).split(": ")[1]: (e.decoded("DTSTART").time(), e.decoded("DTEND").time())
             for e in _events(archive)}
    assert times == {"Nachmittags": (time(14, 30), time(16, 0)),
                     "Nur Beginn": (time(13, 0), time(13, 45)),  # keeps the default length
                     "Standard": (time(9, 0), time(9, 45))}
    assert "14:30–16:00\u00a0Uhr" in archive.page("sitzungen/a/")


def test_an_announced_session_takes_its_time_from_next(archive: Archive, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2024-03-10"))  # after both reports, before the announced days
    archive.write("site.yaml", "base_url: https://example.org/\nsearch: false\n")
    archive.write("sessions/a.md", session_md("A", "2024-03-07", next='{date: 2024-04-04, title: Später, time: "15:30"}'))
    archive.write("sessions/b.md", session_md("B", "2024-03-08", next='{date: 2024-05-02, time: "7:61"}'))
    assert archive.build() == 1
    assert "sessions/b.md:4: 'next.time' must be a time of day like 10:00, not '7:61'" in capsys.readouterr().err
    archive.write("sessions/b.md", session_md("B", "2024-03-08"))
    assert archive.build() == 0
    announced = [e for e in _events(archive) if "Später" in str(e["SUMMARY"])]
    assert [e.decoded("DTSTART").time() for e in announced] == [time(15, 30)]


def test_a_wrong_time_fails_the_build_naming_the_file(archive: Archive, capsys):
    archive.write("site.yaml", "search: false\n")
    archive.write("sessions/a.md", session_md("A", "2024-03-07", time="25:00"))
    archive.write("sessions/b.md", session_md("B", "2024-03-08", time='"11:00"', end='"10:00"'))
    assert archive.build() == 1
    err = capsys.readouterr().err
    assert "sessions/a.md:4: 'time' must be a time of day like 10:00, not '25:00'" in err
    assert "sessions/b.md:5: 'end' (10:00) must be after 'time' (11:00)" in err
    assert not archive.output.exists()


def test_an_announced_session_keeps_its_uid_when_its_report_arrives(archive: Archive, monkeypatch):
    archive.write("site.yaml", "base_url: https://example.org/\nsearch: false\n")
    archive.write("sessions/a.md", session_md("A", "2024-03-07", next="{date: 2024-04-04, title: Später}"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2024-03-10"))
    assert archive.build() == 0
    announced = {e.decoded("DTSTART"): str(e["UID"]) for e in _events(archive)}  # all-day: dates
    archive.write("sessions/b.md", session_md("Später", "2024-04-04"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2024-04-05"))
    assert archive.build() == 0
    reported = {e.decoded("DTSTART"): str(e["UID"]) for e in _events(archive)}
    assert announced == reported and len(reported) == 2


def test_titles_with_commas_semicolons_and_long_umlauts_survive(archive: Archive):
    title = "Daten; Fragen, Antworten – Übergänge in Kreisverwaltungen 🤖 " * 3
    archive.write("site.yaml", "search: false\n")
    archive.write("sessions/a.md", session_md(f"'{title.strip()}'", "2024-03-07"))
    assert archive.build() == 0
    _assert_rfc5545_lines((archive.output / "termine.ics").read_bytes())
    assert str(_events(archive)[0]["SUMMARY"]) == "Smarter Kaffee: " + title.strip()
    assert "URL" not in _events(archive)[0]  # base_url without a host: no absolute URL to give


@pytest.mark.parametrize("year", range(1996, 2040, 3))
def test_summer_time_rule_matches_the_time_zone_database(year: int):
    day = datetime(year, 1, 1, 10, 0)
    while day.year == year:
        assert berlin_offset(day) == day.replace(tzinfo=BERLIN).utcoffset(), day
        day += timedelta(days=1)
