"""Dates that stay true: the build knows today (SOURCE_DATE_EPOCH, else the clock), a passed
announcement is never shown as coming, a report dated after today waits like a draft, and an
announcement says what it knows (day, time, end) with its own calendar file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import icalendar
import pytest
from support import TEMPLATES, Archive, epoch, session_md

from kaffee_site.cli import main
from kaffee_site.clock import berlin_time, today
from kaffee_site.engine import Engine
from kaffee_site.options import BuildOptions

SEPTEMBER = session_md("Verstetigung", "2024-09-05", number=4, body="Was bleibt, wenn ein Projekt endet?",
                       next='{date: 2024-10-10, title: Nach dem Treffen, time: "16:00", end: "17:30"}')


def _announcement(html: str) -> str | None:
    match = re.search(r'<section class="announcement".*?</section>', html, re.S)
    return match.group(0) if match else None


def _build(archive: Archive, capsys, day: str, *extra: str) -> tuple[int, str]:
    os.environ["SOURCE_DATE_EPOCH"] = epoch(day)  # conftest sets it again for the next test
    code = main(archive.args("build", *extra))
    return code, capsys.readouterr().err


@pytest.fixture
def announcing(archive: Archive) -> Archive:
    archive.write("site.yaml", "title: Test\nbase_url: https://example.org/\nsearch: false\n")
    archive.write("sessions/2024-09-05-verstetigung.md", SEPTEMBER)
    return archive


def test_a_day_before_the_announced_session_both_pages_announce_it(announcing: Archive, capsys):
    code, err = _build(announcing, capsys, "2024-10-09")
    assert code == 0 and "warning" not in err
    for page in ("", "sitzungen/2024-09-05-verstetigung/"):
        box = _announcement(announcing.page(page))
        assert box is not None, page
        assert 'data-until="2024-10-10"' in box and "Nächster Termin" in box and "Nach dem Treffen" in box
        # day, time and end, each in a <time> with its German offset
        assert ('<time datetime="2024-10-10T16:00:00+02:00">10.\u00a0Oktober\u00a02024, 16:00</time>–'
                '<time datetime="2024-10-10T17:30:00+02:00">17:30\u00a0Uhr</time>') in box
        link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>In den Kalender</a>', box)
        assert link and link.group(1) == "/sitzungen/2024-09-05-verstetigung/termin-2024-10-10.ics"
    event, = icalendar.Calendar.from_ical(
        (announcing.output / "sitzungen/2024-09-05-verstetigung/termin-2024-10-10.ics").read_bytes()).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Smarter Kaffee: Nach dem Treffen"
    assert event.decoded("DTSTART").isoformat() == "2024-10-10T16:00:00+02:00"
    assert event.decoded("DTEND").isoformat() == "2024-10-10T17:30:00+02:00"
    assert "Nach dem Treffen" in (announcing.output / "termine.ics").read_text()


def test_a_day_after_the_announced_session_no_page_announces_it(announcing: Archive, capsys):
    assert _build(announcing, capsys, "2024-10-09")[0] == 0
    code, err = _build(announcing, capsys, "2024-10-11")
    assert code == 0
    home, session = announcing.page(""), announcing.page("sitzungen/2024-09-05-verstetigung/")
    assert _announcement(home) is None and _announcement(session) is None
    assert "Nächster Termin" not in home + session and "Nach dem Treffen" not in home + session
    assert "Was bleibt, wenn ein Projekt endet?" in session  # the report itself stays
    assert not (announcing.output / "sitzungen/2024-09-05-verstetigung/termin-2024-10-10.ics").exists()
    assert "Nach dem Treffen" not in (announcing.output / "termine.ics").read_text()
    # the report of 10 October is due: build and check say so, at the announcement's date
    warning = (f"{announcing.content}/sessions/2024-09-05-verstetigung.md:5: warning: the session announced for "
               "2024-10-10 has passed, and no report of it is published")
    assert warning in err
    check = announcing.run("check", "--strict", env={"SOURCE_DATE_EPOCH": epoch("2024-10-11")})
    assert check.returncode == 1 and warning in check.stdout
    # once the report is written, nothing is due and the session page links it as the next session
    announcing.write("sessions/2024-10-10-treffen.md", session_md("Nach dem Treffen", "2024-10-10", number=5))
    code, err = _build(announcing, capsys, "2024-10-11")
    assert code == 0 and "has passed" not in err
    assert 'href="/sitzungen/2024-10-10-treffen/" rel="next"' in announcing.page("sitzungen/2024-09-05-verstetigung/")


def test_on_the_announced_day_it_is_still_coming(announcing: Archive, capsys):
    os.environ["SOURCE_DATE_EPOCH"] = epoch("2024-10-10", "23:59")
    assert main(announcing.args("build")) == 0
    assert _announcement(announcing.page("")) is not None
    os.environ["SOURCE_DATE_EPOCH"] = epoch("2024-10-11", "00:01")  # midnight in Germany, 22:01 UTC
    assert main(announcing.args("build")) == 0
    assert _announcement(announcing.page("")) is None


def test_an_announced_time_without_end_takes_the_sites_length_or_none(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-09-05", next='{date: 2024-10-10, time: "16:00"}'))
    assert _build(archive, capsys, "2024-09-06")[0] == 0
    box = _announcement(archive.page(""))
    # no length known: the start alone, never a guessed end
    assert '<time datetime="2024-10-10T16:00:00+02:00">10.\u00a0Oktober\u00a02024, 16:00\u00a0Uhr</time>' in box
    ics = (archive.output / "sitzungen/a/termin-2024-10-10.ics").read_text()
    assert "DTSTART;TZID=Europe/Berlin:20241010T160000" in ics and "DTEND" not in ics
    archive.write("site.yaml", 'event_start: "10:00"\nevent_end: "11:30"\nsearch: false\n')
    assert _build(archive, capsys, "2024-09-06")[0] == 0
    box = _announcement(archive.page(""))
    assert '<time datetime="2024-10-10T17:30:00+02:00">17:30\u00a0Uhr</time>' in box  # 16:00 + 1 h 30
    # no time at all: the site's usual time
    archive.write("sessions/a.md", session_md("A", "2024-09-05", next="{date: 2024-10-10}"))
    assert _build(archive, capsys, "2024-09-06")[0] == 0
    box = _announcement(archive.page(""))
    assert ('<time datetime="2024-10-10T10:00:00+02:00">10.\u00a0Oktober\u00a02024, 10:00</time>–'
            '<time datetime="2024-10-10T11:30:00+02:00">11:30\u00a0Uhr</time>') in box


def test_an_end_needs_a_time_and_comes_after_it(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-09-05", next='{date: 2024-10-10, end: "17:00"}'))
    archive.write("sessions/b.md", session_md("B", "2024-09-06", next='{date: 2024-10-11, time: "17:00", end: "16:00"}'))
    code, err = _build(archive, capsys, "2024-09-07")
    assert code == 1
    assert "sessions/a.md:4: 'next.end' needs a 'next.time'" in err
    assert "sessions/b.md:4: 'next.end' (16:00) must be after 'next.time' (17:00)" in err


def test_a_report_dated_after_today_waits_like_a_draft(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("Gestern", "2024-10-09", number=1))
    archive.write("sessions/b.md", session_md("Übermorgen", "2024-10-12", number=2))
    code, err = _build(archive, capsys, "2024-10-10")
    assert code == 0
    warning = (f"{archive.content}/sessions/b.md:3: warning: the report is dated 2024-10-12, after today "
               "(2024-10-10): it is left out until that day")
    assert warning in err
    assert not (archive.output / "sitzungen/b").exists() and "Übermorgen" not in archive.page("")
    assert "Übermorgen" not in (archive.output / "termine.ics").read_text()
    assert 'rel="next"' not in archive.page("sitzungen/a/")
    check = archive.run("check", env={"SOURCE_DATE_EPOCH": epoch("2024-10-10")})
    assert check.returncode == 0 and warning in check.stdout
    # --future publishes it, still with a word about it
    code, err = _build(archive, capsys, "2024-10-10", "--future")
    assert code == 0 and "published only because of --future" in err
    assert "Übermorgen" in archive.page("sitzungen/b/") and "Übermorgen" in archive.page("")
    # on its day it is published without a word; a draft dated later is held back without one
    archive.write("sessions/c.md", session_md("Entwurf", "2024-12-12", number=3, draft="true"))
    code, err = _build(archive, capsys, "2024-10-12")
    assert code == 0 and "warning" not in err and "Übermorgen" in archive.page("sitzungen/b/")


def test_today_is_the_german_day_of_source_date_epoch_else_the_clock(monkeypatch):
    assert today({"SOURCE_DATE_EPOCH": "1728510000"}) == date(2024, 10, 9)  # 21:40 UTC = 23:40 in Berlin
    assert today({"SOURCE_DATE_EPOCH": "1728514800"}) == date(2024, 10, 10)  # 22:20 UTC = 00:20 in Berlin
    assert berlin_time(1728518400) == datetime(2024, 10, 10, 2, 0)  # 00:00 UTC, summer time
    assert berlin_time(1736294400) == datetime(2025, 1, 8, 1, 0)  # 00:00 UTC, winter time
    before = berlin_time(time.time()).date()
    assert today({}) in (before, before + timedelta(days=1))


def test_a_wrong_source_date_epoch_stops_the_build(archive: Archive):
    archive.write("sessions/a.md", session_md())
    for value in ("gestern", "-1", "1.5", "99999999999999"):
        result = archive.run("build", env={"SOURCE_DATE_EPOCH": value})
        assert result.returncode == 2, value
        assert result.stderr.startswith(f"kaffee-site: SOURCE_DATE_EPOCH={value!r} is not a time: it must be "
                                        "a whole number of seconds since 1970-01-01 UTC"), result.stderr
        assert not archive.output.exists()


def test_without_source_date_epoch_the_clock_decides(archive: Archive):
    tomorrow = berlin_time(time.time()).date() + timedelta(days=2)
    archive.write("sessions/a.md", session_md("Morgen", tomorrow.isoformat()))
    archive.write("sessions/b.md", session_md("Gestern", "2024-10-09", next=f"{{date: {tomorrow}, title: Bald}}"))
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run([sys.executable, "-m", "kaffee_site", *archive.args("build")], env=env,
                            capture_output=True, text=True, cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert "after today" in result.stderr and not (archive.output / "sitzungen/a").exists()


def test_a_cached_build_on_another_day_is_not_taken_as_unchanged(announcing: Archive, capsys):
    os.environ["SOURCE_DATE_EPOCH"] = epoch("2024-10-09")
    assert main(announcing.args("build")) == 0
    capsys.readouterr()
    assert main(announcing.args("build")) == 0
    assert "(0 written," in capsys.readouterr().out  # the same day: nothing to do
    os.environ["SOURCE_DATE_EPOCH"] = epoch("2024-10-11")
    assert main(announcing.args("build")) == 0
    out = capsys.readouterr().out
    assert "(0 written," not in out
    assert _announcement(announcing.page("")) is None
    assert not (announcing.output / "sitzungen/2024-09-05-verstetigung/termin-2024-10-10.ics").exists()


def test_a_warm_engine_sees_the_day_change(announcing: Archive, monkeypatch):
    """`serve` runs past midnight: the next rebuild, even with no file saved, knows the new day."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2024-10-10"))
    engine = Engine(BuildOptions(announcing.content, announcing.output, TEMPLATES), warm=True)
    assert engine.rebuild().ok
    assert _announcement(announcing.page("")) is not None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2024-10-11"))
    result = engine.rebuild()
    assert result.ok and "index.html" in result.written
    assert _announcement(announcing.page("")) is None
