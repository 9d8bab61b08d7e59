"""Hostile settings (issue 18): what decides where the archive's own files live is checked whole.

`base_url` and the folder names of `urls:` are plain; `language` is a language tag and nothing
else; a value of site.yaml that reaches a file format is escaped for it (the property test in
test_settings_property.py feeds random strings through every format). When Pagefind fails, the
message is one line that names what it was given, never Rust's backtrace notes.
"""

from __future__ import annotations

import pytest
from icalendar import Calendar

from kaffee_site.cli import main
from kaffee_site.outputs.calendar import calendar_bytes
from support import TEMPLATES, Archive, session_md, tree_snapshot


def _check_and_build(archive: Archive, capsys) -> tuple[str, str]:
    """`check --strict`, then `build`: both must refuse with exit 1 and no traceback."""
    capsys.readouterr()
    assert main(archive.args("check", "--templates", str(TEMPLATES), "--strict")) == 1
    checked = capsys.readouterr()
    assert archive.build() == 1
    built = capsys.readouterr()
    for text in (*checked, *built):
        assert "Traceback" not in text
    return checked.out, built.err


def _archive(archive: Archive, settings: str) -> None:
    archive.write("site.yaml", "title: Test\n" + settings)
    archive.write("sessions/a.md", session_md("Eine Sitzung", number=1))


@pytest.mark.parametrize("base_url, why", [
    ("/\\\\evil.example/", "must not hold a backslash"),  # YAML "\\": one backslash
    ("https://example.org//evil.example/", "must not hold '//' in its path"),
    ("//evil.example/", "must not hold '//' in its path"),
    ("https://example.org@evil.example/", "has no plain host name"),
    ("https:/\\\\evil.example/", "must not hold a backslash"),
    ("https://example.org/k\\taffee/", "must not hold spaces or control characters"),
    ("https://example.org/a/../../evil/", "has the folder '..'"),
    ("javascript:alert(1)//", "is not an http(s) URL or a path"),
])
def test_a_base_url_that_a_browser_reads_as_another_host_is_refused(archive: Archive, capsys, base_url, why):
    _archive(archive, f'base_url: "{base_url}"\nsearch: false\n')
    checked, built = _check_and_build(archive, capsys)
    for text in (checked, built):
        assert f"{archive.content}/site.yaml:2: 'base_url' " in text and why in text, text
    assert not archive.output.exists()


def test_a_refused_base_url_never_reaches_a_page(archive: Archive, capsys):
    """The issue's case: the search page loaded `//evil.example/static/search.js`. Now nothing is
    written, and the previous output stays as it was."""
    _archive(archive, 'base_url: "/kaffee/"\n')
    assert archive.build() == 0
    before = tree_snapshot(archive.output)
    archive.write("site.yaml", 'title: Test\nbase_url: "/\\\\evil.example/"\n')
    _check_and_build(archive, capsys)
    assert tree_snapshot(archive.output) == before
    assert not any(b"evil.example" in data for data in before.values())


@pytest.mark.parametrize("base_url", [
    "/", "/kaffee/", "https://example.org", "https://example.org/kaffee/", "http://localhost:8000/",
    "https://[::1]:8443/k/", "/k%C3%A4ffee/", "HTTPS://EXAMPLE.ORG/Kaffee/", "https://a.example:8080/x_y/v1.2/~z/",
    "https://example.org/kaffee/\\n",  # YAML's "\n" at the end is stripped like a space
])
def test_plain_base_urls_are_taken(archive: Archive, base_url: str):
    _archive(archive, f'base_url: "{base_url}"\nsearch: false\n')
    assert archive.build() == 0


@pytest.mark.parametrize("key, name", [
    ("sessions", "sitzungen\\n"), ("search", "su che"), ("calendar", "termine.ics\\n"), ("topics", "\\\\x"),
])
def test_a_folder_name_is_plain_as_a_whole(archive: Archive, capsys, key: str, name: str):
    """'$' in a pattern lets a trailing newline through: "sitzungen\\n" was a folder name."""
    _archive(archive, f'urls:\n  {key}: "{name}"\nsearch: false\n')
    checked, built = _check_and_build(archive, capsys)
    for text in (checked, built):
        assert f"{archive.content}/site.yaml:3: 'urls.{key}' must be a " in text, text


FORGED = "de-x\\nBEGIN:VEVENT\\nUID:forged@evil\\nSUMMARY:Forged\\nDTSTART:20300101T100000Z\\nEND:VEVENT"


@pytest.mark.parametrize("language, why", [
    (FORGED, "is not a language tag"),
    ("de_AT", "is not a language tag"),
    ("de-", "is not a language tag"),
    ("d\\u00e9", "is not a language tag"),
    ("de\\u200b", "is not a language tag"),
    # well-formed, but longer than Pagefind can take (it panicked at 32 characters)
    ("de-DE-1901-1996-u-co-phonebk-x-abc", "is longer than 31 characters"),
])
def test_language_is_a_language_tag_and_nothing_else(archive: Archive, capsys, language: str, why: str):
    """The issue's row: a language with line breaks forged an event in termine.ics, and with
    search on Pagefind panicked (a Rust backtrace note as the message) while check passed."""
    _archive(archive, f'language: "{language}"\n')  # search stays on
    checked, built = _check_and_build(archive, capsys)
    for text in (checked, built):
        assert f"{archive.content}/site.yaml:2: 'language' " in text and why in text, text
        assert "BACKTRACE" not in text and "pagefind" not in text
    assert not archive.output.exists()


@pytest.mark.parametrize("language", ["de", "en", "de-AT", "de-CH-1996", "en-Latn-GB-x-kaffee"])
def test_language_tags_are_taken(archive: Archive, language: str):
    _archive(archive, f'language: "{language}"\nsearch: false\n')
    assert archive.build() == 0
    assert f'<html lang="{language}">' in archive.page("")


def test_the_calendar_escapes_the_language_in_prodid():
    """Whatever reaches calendar_bytes, PRODID is TEXT: escaped, so no line of its own appears."""
    data = calendar_bytes([], name="Kaffee", language="de-x\nBEGIN:VEVENT\nSUMMARY:forged\nEND:VEVENT")
    lines = data.decode("utf-8").split("\r\n")
    assert [line for line in lines if line.startswith(("BEGIN:VEVENT", "SUMMARY"))] == []
    calendar = Calendar.from_ical(data)
    assert calendar.walk("VEVENT") == []
    assert "SUMMARY:FORGED" in str(calendar["PRODID"])  # kept, as text


def test_a_pagefind_failure_names_the_page_and_no_backtrace(archive: Archive, capsys):
    """A theme can still give a page a lang Pagefind panics on: the build says which page and why,
    in one line, and the output is not changed."""
    _archive(archive, "")
    theme = archive.root / "theme"
    theme.mkdir()
    build = archive.args("build")[:-2] + ["--templates", str(theme)]
    assert main(build) == 0
    before = tree_snapshot(archive.output)
    long_lang = "de-x-" + "-".join(["abcdefgh"] * 4)
    (theme / "base.html").write_text((TEMPLATES / "base.html").read_text(encoding="utf-8").replace(
        '<html lang="{{ config.language }}">', f'<html lang="{long_lang}">'), encoding="utf-8")
    capsys.readouterr()
    assert main(build) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "BACKTRACE" not in err and "note:" not in err, err
    assert "the search index (pagefind) failed: Pagefind stopped with an internal error (" in err, err
    assert f'has lang="{long_lang}", longer than the 31 characters Pagefind can take' in err, err
    assert "the output folder was not changed" in err
    assert len(err.strip().splitlines()) == 1, err
    assert tree_snapshot(archive.output) == before
