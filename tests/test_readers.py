"""What readers and their software get from the built pages (issue 13): unique ids, preview
images, true times, German typography, year pages and the topic timeline.

Every test builds a real archive and reads the written files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from reader_support import built_sample, html_pages, parse_html
from support import Archive, session_md

# Headings an editor may well write that the theme uses as ids of its own sections.
THEME_WORDS_REPORT = """\
## Themen

Zuerst die Themen, siehe [unten](#ausblick-code-und-verstetigung) und [hier](#themen-2).

## Referierende

## Verwandt

## Main

## Themen

## 

### ###

## ???

## Ausblick: `Code` und [[Verstetigung]]
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Archive:
    return built_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def headings_archive(tmp_path_factory) -> Archive:
    """A small archive whose reports use the theme's own words as headings, twice and empty."""
    archive = Archive(tmp_path_factory.mktemp("headings"))
    archive.write("site.yaml", "title: Test\nsearch: false\n")
    archive.write("topics/verstetigung.md", "---\ntitle: Verstetigung\n---\n## Themen\n\n## Main\n")
    archive.write("pages/ueber.md", "---\ntitle: Über\n---\n## Main\n\n## Main\n")
    speakers = "\n  - name: Ada Muster\n    org: Kreis A"
    archive.write("sessions/a.md", session_md("A", "2024-05-16", THEME_WORDS_REPORT, number=1,
                                              topics="[Verstetigung]", speakers=speakers,
                                              next="\n  date: 2024-06-13"))
    archive.write("sessions/b.md", session_md("B", "2024-06-13", THEME_WORDS_REPORT, number=2,
                                              topics="[Verstetigung]", speakers=speakers))
    assert archive.build() == 0
    return archive


def _ids(html: str) -> list[str]:
    return [attrs["id"] for _, attrs in parse_html(html).elements if "id" in attrs]


@pytest.mark.parametrize("which", ["sample", "headings_archive"])
def test_ids_are_unique_and_valid_on_every_page(which, request):
    archive = request.getfixturevalue(which)
    pages = html_pages(archive.output)
    assert len(pages) > 10
    for url, path in pages.items():
        html = path.read_text(encoding="utf-8")
        ids = _ids(html)
        doubled = [i for i, n in Counter(ids).items() if n > 1]
        assert not doubled, f"{url}: ids used twice: {doubled}"
        assert all(i and not any(c.isspace() for c in i) for i in ids), f"{url}: empty or spaced id in {ids}"
        # every reference into the page finds its target
        page = parse_html(html)
        labels = [ref for _, attrs in page.elements for ref in attrs.get("aria-labelledby", "").split()]
        anchors = [a["href"][1:] for a in page.anchors if a.get("href", "").startswith("#") and len(a["href"]) > 1]
        missing = [ref for ref in labels + anchors if ref not in ids]
        assert not missing, f"{url}: references to missing ids {missing}"


def test_body_heading_ids_are_prefixed_numbered_and_never_empty(headings_archive):
    html = headings_archive.page("sitzungen/a/")
    assert '<h2 id="h-themen">Themen</h2>' in html
    assert '<h2 id="h-themen-2">Themen</h2>' in html
    assert '<h2 id="h-main">Main</h2>' in html
    assert '<h2 id="h-referierende">Referierende</h2>' in html
    assert "<h2></h2>" in html and "<h3></h3>" in html  # '## ' and '### ###' (CommonMark) get no id
    assert 'id=""' not in html and 'id="-1"' not in html
    assert '<h2 id="h-6">???</h2>' in html  # no letters to name it by: the sixth id of the body
    assert 'id="h-ausblick-code-und-verstetigung"' in html
    # in-page links name the heading as the editor sees it and reach its prefixed id
    assert '<a href="#h-ausblick-code-und-verstetigung">unten</a>' in html and '<a href="#h-themen-2">hier</a>' in html


# --- no invented times ------------------------------------------------------------------------

def _ics_lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_without_a_given_time_sessions_are_all_day_events(sample):
    calendar = _ics_lines(sample.output / "termine.ics")
    starts = [line for line in calendar if line.startswith("DTSTART;")]  # VTIMEZONE's own are 'DTSTART:'
    ends = [line for line in calendar if line.startswith("DTEND")]
    assert len(starts) == 9 and len(ends) == 9  # 8 reports and the announced session
    assert all(line.startswith("DTSTART;VALUE=DATE:") and len(line) == len("DTSTART;VALUE=DATE:20240516")
               for line in starts)
    assert "DTSTART;VALUE=DATE:20240905" in starts and "DTEND;VALUE=DATE:20240906" in ends
    own = _ics_lines(sample.output / "sitzungen/2024-09-05-verstetigung/termin.ics")
    assert "DTSTART;VALUE=DATE:20240905" in own and "DTEND;VALUE=DATE:20240906" in own
    assert not [line for line in calendar + own if "TZID=" in line and line.startswith("DT")]
    html = sample.page("sitzungen/2024-09-05-verstetigung/")
    assert "Uhr" not in parse_html(html).plain
    [event] = [e for e in _json_ld(html)]
    assert (event["startDate"], event["endDate"]) == ("2024-09-05", "2024-09-05")


def _json_ld(html: str) -> list[dict]:
    import json

    return [json.loads(text) for text in parse_html(html).json_ld()]


def test_a_time_appears_where_the_session_or_site_gives_one(archive):
    archive.write("site.yaml", 'search: false\nevent_start: "09:30"\n')
    archive.write("sessions/a.md", session_md("A", "2024-09-05"))
    archive.write("sessions/b.md", session_md("B", "2024-09-12", time='"14:00"', end='"15:30"'))
    assert archive.build() == 0
    a, b = archive.page("sitzungen/a/"), archive.page("sitzungen/b/")
    assert "09:30 Uhr" in parse_html(a).plain.replace("\u00a0", " ") and "09:30–" not in parse_html(a).plain
    assert "14:00–15:30 Uhr" in parse_html(b).plain.replace("\u00a0", " ")
    ics_a = _ics_lines(archive.output / "sitzungen/a/termin.ics")
    assert "DTSTART;TZID=Europe/Berlin:20240905T093000" in ics_a
    assert not [line for line in ics_a if line.startswith("DTEND")]  # no end known: none made up
    assert "DTEND;TZID=Europe/Berlin:20240912T153000" in _ics_lines(archive.output / "sitzungen/b/termin.ics")
    [event] = _json_ld(a)
    assert event["startDate"] == "2024-09-05T09:30:00+02:00" and "endDate" not in event


def test_an_end_without_a_start_in_site_yaml_is_an_error(archive, capsys):
    archive.write("site.yaml", 'event_end: "11:00"\n')
    archive.write("sessions/a.md", session_md())
    assert archive.build() == 1
    assert "site.yaml:1: 'event_end' needs an 'event_start'" in capsys.readouterr().err
