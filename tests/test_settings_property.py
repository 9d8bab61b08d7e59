"""Property (issue 18): whatever strings site.yaml holds, every output parses and nothing is injected.

Hypothesis writes random site.yaml texts (control characters, line breaks, quotes, slashes,
markup, calendar and CSV syntax, non-ASCII) into the settings that reach the outputs, builds a
one-session archive, and then either the build refused them with a `site.yaml:line:` message,
or every output parses with a real parser for its format: html5lib (strict: any parse error
fails) for the pages, expat for Atom and the sitemap, `icalendar` for the calendars, `json` for
the open data and JSON-LD, `csv` for the spreadsheet, and no injected element, key, event or
line appears anywhere. Few examples on a small archive keep it to seconds.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import html5lib
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from icalendar import Calendar

from kaffee_site.cli import main
from support import TEMPLATES, session_md

MARK = "INJ"  # every injected piece names itself, so it can be looked for in every format
PIECES = [
    "\n", "\t", '"', "'", "<", ">", "&", "/", "\\", ":", ";", ",", "=", "+", "-", "@", "#", "%", "{{", " ",
    f"<script>{MARK}()</script>", f"<{MARK} x=1>", f'" on{MARK}="x', f"\nBEGIN:VEVENT\nUID:{MARK}\nEND:VEVENT\n",
    f"\nX-{MARK}:1", f'"}}, "{MARK}": {{"', f"]]><{MARK}/>", f"</title><{MARK}>", f"\n{MARK},x,y\n", f"={MARK}()",
    "\u2028", "\u2029", "\ufeff", "\ud7ff", "ä", "€", "𝔘", "\u202e", "\u00a0",
]
CONTROLS = ["\r", "\r\n", "\x00", "\x1b[31m", "\x85", "\x7f", "\x0b"]
PRINTABLE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=4)
# what an editor can type that site.yaml takes: anything but control characters
# (a setting that is blank once stripped is refused: each starts with a letter)
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), PRINTABLE), min_size=1, max_size=6).map(lambda p: "K" + "".join(p))
# and what an attacker can write: control characters too, in every setting
ANY = st.lists(st.one_of(st.sampled_from(PIECES + CONTROLS), st.text(min_size=1, max_size=4)),
               min_size=1, max_size=6).map("".join)
LANGUAGES = st.sampled_from(["de", "en", "de-AT", "en-GB", "de-CH-1996"])
BASE_URLS = st.sampled_from(["/", "/kaffee/", "https://example.org/kaffee/", "http://localhost:8000/k%C3%A4/"])
# few examples, and no shrinking (each try is a build): a failure shows the example it met
FORMATS = settings(max_examples=8, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _site_yaml(values: dict) -> str:
    """YAML that holds exactly these strings (yaml.safe_dump escapes what it must)."""
    return yaml.safe_dump(values, allow_unicode=True)


def _build(root: Path, values: dict) -> tuple[int, str, Path, Path]:
    """A one-session archive with these settings, built; (exit code, stderr, content, output)."""
    content, output = root / "content", root / "output"
    (content / "sessions").mkdir(parents=True)
    (content / "site.yaml").write_text(_site_yaml({"search": False, "event_start": "10:00", "event_end": "11:30",
                                                   **values}), encoding="utf-8")
    (content / "sessions/a.md").write_text(session_md("Eine Sitzung", number=1, topics="[Open Data]",
                                                      speakers="[{name: Ada Muster, org: Kreis X}]"),
                                           encoding="utf-8")
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(["build", "--content", str(content), "--output", str(output), "--templates", str(TEMPLATES),
                     "--no-cache"])
    assert "Traceback" not in err.getvalue()
    return code, err.getvalue(), content, output


def _values(title, description, series, organizer, link, language, base_url) -> dict:
    return {"title": title, "description": description, "series": series, "organizer": organizer,
            "language": language, "base_url": base_url, "theme": {"footer_links": [{"title": link, "url": "/x/"}]}}


@FORMATS
@given(title=TEXT, description=TEXT, series=TEXT, organizer=TEXT, link=TEXT, language=LANGUAGES, base_url=BASE_URLS)
def test_any_text_an_editor_can_type_builds_and_every_output_parses(tmp_path_factory, title, description, series,
                                                                   organizer, link, language, base_url):
    values = _values(title, description, series, organizer, link, language, base_url)
    code, said, _, output = _build(tmp_path_factory.mktemp("settings"), values)
    assert code == 0, said
    _assert_every_output_parses(output)


@FORMATS
@given(title=ANY, description=ANY, series=ANY, organizer=ANY, link=ANY, language=st.one_of(LANGUAGES, ANY),
       base_url=st.one_of(BASE_URLS, ANY))
def test_any_string_is_refused_at_its_line_or_every_output_parses(tmp_path_factory, title, description, series,
                                                                 organizer, link, language, base_url):
    values = _values(title, description, series, organizer, link, language, base_url)
    code, said, content, output = _build(tmp_path_factory.mktemp("settings"), values)
    if code != 0:  # refused: by its line in site.yaml, and nothing written
        assert code == 1 and f"{content}/site.yaml:" in said, said
        assert not output.exists()
        return
    _assert_every_output_parses(output)


def _assert_every_output_parses(output: Path) -> None:
    files = [p for p in sorted(output.rglob("*")) if p.is_file()]
    assert files
    for path in files:
        rel = path.relative_to(output).as_posix()
        data = path.read_bytes()
        if path.suffix == ".html":
            _html(rel, data)
        elif path.suffix == ".xml":
            _xml(rel, data)
        elif path.suffix == ".ics":
            _calendar(rel, data)
        elif path.suffix == ".json":
            _no_injected_key(rel, json.loads(data))
        elif path.suffix == ".csv":
            rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
            assert len({len(row) for row in rows}) == 1, (rel, rows)
        if path.suffix in (".html", ".xml", ".ics", ".json", ".csv", ".txt"):
            text = data.decode("utf-8")
            for line in text.splitlines():  # no line of its own made from a setting
                assert not line.lstrip("\ufeff").startswith((MARK, f"X-{MARK}", f"UID:{MARK}")), (rel, line)


def _html(rel: str, data: bytes) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(data)  # strict: a parse error raises
    for element in document.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        assert MARK.lower() not in tag.lower(), (rel, tag)
        assert not any(MARK.lower() in name.lower() for name in element.attrib), (rel, element.attrib)
        if tag == "script":
            if element.get("type") == "application/ld+json":
                _no_injected_key(rel, json.loads(element.text or ""))
            else:
                assert MARK not in (element.text or ""), (rel, element.text)


def _xml(rel: str, data: bytes) -> None:
    tree = ElementTree.fromstring(data)  # expat: not well-formed raises
    for element in tree.iter():
        assert MARK not in element.tag and not any(MARK in name for name in element.attrib), (rel, element.tag)


def _calendar(rel: str, data: bytes) -> None:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1, (rel, [str(e.get("UID")) for e in events])
    assert MARK not in str(events[0]["UID"])
    for component in calendar.walk():
        assert not any(MARK in str(key) for key in component), (rel, list(component))


def _no_injected_key(rel: str, value: object) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert MARK not in key, (rel, key)
            _no_injected_key(rel, item)
    elif isinstance(value, list):
        for item in value:
            _no_injected_key(rel, item)


@pytest.mark.parametrize("title", [f"A\nB <{MARK}> & \"C\" \u2028 ä", f"X-{MARK}: 1\nBEGIN:VEVENT\n{MARK},1"])
def test_a_hostile_title_that_is_accepted_parses_everywhere(tmp_path: Path, title: str):
    """The property's oracle, once by hand: such a title builds, and every format holds it."""
    content, output = tmp_path / "content", tmp_path / "output"
    (content / "sessions").mkdir(parents=True)
    (content / "site.yaml").write_text(_site_yaml({"title": title, "description": title, "search": False}),
                                       encoding="utf-8")
    (content / "sessions/a.md").write_text(session_md("Eine Sitzung"), encoding="utf-8")
    assert main(["build", "--content", str(content), "--output", str(output), "--templates", str(TEMPLATES),
                 "--no-cache"]) == 0
    _assert_every_output_parses(output)
