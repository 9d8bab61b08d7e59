"""Open data: daten/sessions.json and daten/sessions.csv, read with json and csv."""

from __future__ import annotations

import csv
import io
import json

from support import Archive, session_md

from kaffee_site.outputs.opendata import CSV_COLUMNS

TRICKY = 'Daten, "offen" & frei; für alle'


def _archive(archive: Archive) -> None:
    archive.write("site.yaml", "title: Test\nbase_url: https://example.org/kaffee/\nsearch: false\n")
    archive.write("sessions/b.md", session_md(f"'{TRICKY}'", "2024-10-10", number=2, topics="[Open Data, Verstetigung]",
                                              speakers="[{name: Anna Ärger, org: 'Kreis A, Abteilung 2'}, {name: Bo}]"))
    archive.write("sessions/a.md", session_md("Start", "2024-09-05", number=1, series="Werkstatt"))


def _csv_rows(archive: Archive) -> list[dict[str, str]]:
    raw = (archive.output / "daten/sessions.csv").read_bytes()
    text = raw.decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_json_has_every_session_with_topics_speakers_and_urls(archive: Archive):
    _archive(archive)
    assert archive.build() == 0
    data = json.loads((archive.output / "daten/sessions.json").read_text(encoding="utf-8"))
    assert data["title"] == "Test" and data["url"] == "https://example.org/kaffee/"
    assert [s["title"] for s in data["sessions"]] == ["Start", TRICKY]  # oldest first
    tricky = data["sessions"][1]
    assert tricky == {
        "title": TRICKY, "date": "2024-10-10", "number": 2, "series": "Smarter Kaffee",
        "topics": ["Open Data", "Verstetigung"],
        "speakers": [{"name": "Anna Ärger", "org": "Kreis A, Abteilung 2"}, {"name": "Bo", "org": None}],
        "url": "https://example.org/kaffee/sitzungen/b/",
    }
    assert data["sessions"][0]["series"] == "Werkstatt"


def test_csv_has_a_header_and_quotes_what_needs_quoting(archive: Archive):
    _archive(archive)
    assert archive.build() == 0
    raw = (archive.output / "daten/sessions.csv").read_text(encoding="utf-8")
    assert raw.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = _csv_rows(archive)
    assert len(rows) == 2
    assert rows[1] == {
        "date": "2024-10-10", "number": "2", "series": "Smarter Kaffee", "title": TRICKY,
        "topics": "Open Data; Verstetigung", "speakers": "Anna Ärger; Bo", "organisations": "Kreis A, Abteilung 2; ",
        "url": "https://example.org/kaffee/sitzungen/b/",
    }
    assert rows[0]["number"] == "1" and rows[0]["speakers"] == ""


def test_open_data_is_byte_identical_across_builds_and_follows_the_content(archive: Archive):
    _archive(archive)
    assert archive.build() == 0
    first = {name: (archive.output / "daten" / name).read_bytes() for name in ("sessions.json", "sessions.csv")}
    assert archive.build() == 0
    assert first == {name: (archive.output / "daten" / name).read_bytes() for name in first}
    archive.write("sessions/c.md", session_md("Drei", "2024-11-14", number=3))
    assert archive.build() == 0
    assert [r["title"] for r in _csv_rows(archive)] == ["Start", TRICKY, "Drei"]


def test_the_footer_links_feed_calendar_and_data(archive: Archive):
    _archive(archive)
    assert archive.build() == 0
    html = archive.page("")
    for target in ("feed.xml", "termine.ics", "daten/sessions.json", "daten/sessions.csv"):
        assert f'href="/kaffee/{target}"' in html
        assert (archive.output / target).is_file()
