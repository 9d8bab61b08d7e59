"""Property (issue 18): whatever strings site.yaml holds, every output parses and nothing is injected.

Hypothesis writes random site.yaml texts (control characters, line breaks, quotes, slashes,
markup, calendar and CSV syntax, non-ASCII) into every string setting of the schema's site.yaml
table (a checked one gets a valid value, or the attacker's string one or two at a time), builds
a one-session archive, and then either the build refused them with a `site.yaml:line:` message,
or every output parses with a real parser for its format: html5lib (strict: any parse error
fails) for the pages, expat for Atom and the sitemap, `icalendar` for the calendars, `json` for
the open data and JSON-LD, PyYAML for the editor's configuration, `csv` for the spreadsheet,
and no injected element, key, event or line appears anywhere. Few examples on a small archive
keep it to seconds.
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
from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st
from icalendar import Calendar
from PIL import Image

from kaffee_site import cms_settings
from kaffee_site.appearance import SCHEMES, SETTINGS as THEME_COLOURS
from kaffee_site.cli import main
from kaffee_site.content import schema
from kaffee_site.urls import KEYS as URL_KEYS
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
LOGO = "logo.png"  # written into media/ by _build
# Settings whose format is checked: what an editor writes that passes (the attacker's strings are
# tried in them too). Colours are the default theme's, so no pair fails the contrast check.
VALID = {
    "base_url": ["/", "/kaffee/", "https://example.org/kaffee/", "http://localhost:8000/k%C3%A4/"],
    "language": ["de", "en", "de-AT", "en-GB", "de-CH-1996"],
    **{f"urls.{key}": ([f"{key}.ics", f"{key}-k.ics"] if key in ("calendar", "event") else [key, f"{key}-k"])
       for key in URL_KEYS},
    **{f"theme.{key}{suffix}": [default[prop], default[prop].upper()]
       for suffix, default, _ in SCHEMES for key, prop in THEME_COLOURS.items()},
    "theme.logo": [LOGO],
    "theme.footer_links.url": ["/x/", "https://example.org/a?b=1&c=<2>", "mailto:a@example.org"],
    "image.src": [f"media/{LOGO}"],
    "cms.backend": list(cms_settings.BACKENDS),  # gitea needs server and app_id: both are always drawn
    "cms.repository": ["owner/name", "group/sub/project"],
    "repository": ["https://github.com/land/archiv", "https://gitlab.example.org/g/a&b<c>\"d"],
    "edit_url": ["https://example.org/edit/main/content/", "http://localhost/x'y<z>/"],
    "cms.branch": ["main", "release/2024"],
    "cms.folder": ["content", "site/content", ""],
    "cms.server": ["https://git.example.org", "https://git.example.org:8443/x/"],
    "cms.app_id": ["a1b2c3"],
    "cms.auth_url": ["https://auth.example.org"],
    # (the pinned default itself, written out, is refused: its '@' is outside the address pattern)
    "cms.script": ["https://cdn.example.org/decap-cms/3.16.3/decap-cms.js"],
    "cms.integrity": [cms_settings.DEFAULT_INTEGRITY],
    "images.formats": ["webp", "avif"],
    "images.keep": ["copyright"],
}


def _strategies(free: st.SearchStrategy) -> dict[str, st.SearchStrategy]:
    """A strategy for every string a site.yaml can hold, by its dotted path in the schema:
    free text gets `free`, a checked setting one of its valid values."""
    found: dict[str, st.SearchStrategy] = {}

    def walk(fields, prefix):
        for field in fields:
            path = prefix + field.key
            if field.fields:
                walk(field.fields, path + ".")
            elif field.type in (schema.STRING, schema.TEXT, schema.IMAGE, schema.STRINGS):
                valid = st.sampled_from(VALID[path]) if path in VALID else free
                found[path] = st.lists(valid, min_size=1, max_size=2) if field.type == schema.STRINGS else valid
    walk(schema.SITE.fields, "")
    return found


@st.composite
def _attacker(draw) -> dict[str, object]:
    """Any string (control characters too) in one or two settings, free or checked, and what an
    editor types in the rest: hostile strings everywhere at once would be refused every time,
    at the first control character, and the outputs never looked at."""
    editor = _strategies(TEXT)
    attacked = draw(st.sets(st.sampled_from(sorted(editor)), min_size=1, max_size=2))
    return {path: draw(ANY if path in attacked else strategy) for path, strategy in editor.items()}


def _site_values(drawn: dict[str, object]) -> dict:
    """site.yaml's mapping from dotted paths; footer links and the image as the schema nests them."""
    values: dict = {}
    for path, value in drawn.items():
        *parents, key = path.split(".")
        if parents[:2] == ["theme", "footer_links"]:
            values.setdefault("theme", {}).setdefault("footer_links", [{}])[0][key] = value
            continue
        place = values
        for parent in parents:
            place = place.setdefault(parent, {})
        place[key] = value
    return values


EDITOR = _strategies(TEXT)
# few examples, and no shrinking (each try is a build): a failure shows the example it met
FORMATS = settings(max_examples=8, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def test_every_string_setting_of_the_schema_is_drawn():
    """The property covers every string site.yaml can hold: a setting added to the schema is in it."""
    assert {"title", "description", "series", "organizer", "language", "base_url", "urls.sessions",
            "theme.footer_links.title", "theme.footer_links.url", "image.alt", "extra_keys"} <= set(EDITOR)
    assert set(VALID) <= set(EDITOR)


def _site_yaml(values: dict) -> str:
    """YAML that holds exactly these strings (yaml.safe_dump escapes what it must)."""
    return yaml.safe_dump(values, allow_unicode=True)


def _build(root: Path, values: dict) -> tuple[int, str, Path, Path]:
    """A one-session archive with these settings, built; (exit code, stderr, content, output)."""
    content, output = root / "content", root / "output"
    (content / "sessions").mkdir(parents=True)
    (content / "media").mkdir()
    Image.new("RGB", (40, 30), "#7a3e12").save(content / "media" / LOGO)
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


@FORMATS
@given(drawn=st.fixed_dictionaries(EDITOR))
def test_any_text_an_editor_can_type_builds_and_every_output_parses(tmp_path_factory, drawn):
    code, said, _, output = _build(tmp_path_factory.mktemp("settings"), _site_values(drawn))
    assert code == 0, said
    _assert_every_output_parses(output)


@FORMATS
@example(drawn={"language": f"de-x\nBEGIN:VEVENT\nUID:{MARK}\nEND:VEVENT\nX-A:"})  # the PRODID
@example(drawn={"base_url": "/\\evil.example/"})  # the script from elsewhere
@example(drawn={"organizer": f"K\nBEGIN:VEVENT\nUID:{MARK}\nEND:VEVENT\n", "title": f"</title><{MARK}>"})
@given(drawn=_attacker())
def test_any_string_is_refused_at_its_line_or_every_output_parses(tmp_path_factory, drawn):
    code, said, content, output = _build(tmp_path_factory.mktemp("settings"), _site_values(drawn))
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
        elif path.suffix in (".yml", ".yaml"):  # the browser editor's configuration
            _no_injected_key(rel, yaml.safe_load(data))
        elif path.suffix == ".csv":
            rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
            assert len({len(row) for row in rows}) == 1, (rel, rows)
            assert not any(row[0].lstrip("\ufeff").startswith(MARK) for row in rows), (rel, rows)
        if path.suffix in (".ics", ".txt"):  # formats made of lines: no line of its own made from a setting
            # (in HTML, XML and JSON a line break inside a text is that text: their parsers judge them)
            for line in data.decode("utf-8").splitlines():
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
