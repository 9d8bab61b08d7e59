"""Checks for what editors really get wrong (issue 12): every problem of a file at once, misspelt
keys, near-duplicate people and organisations, skeleton text, numbering against dates, template
errors in the template's words, announcements that stay true, and the smaller hints.

Each test builds a real archive and asserts on the exact messages (`path:line`, hint) and the exit
codes of `check`, `check --strict` and `build`, or on the pages."""

from __future__ import annotations

import pytest

from support import TEMPLATES, Archive, session_md
from kaffee_site.cli import main


def check(archive: Archive, capsys, *extra: str) -> tuple[int, str]:
    code = main(archive.args("check", "--templates", str(TEMPLATES), *extra))
    return code, capsys.readouterr().out


def build(archive: Archive, capsys, *extra: str) -> tuple[int, str]:
    code = main(archive.args("build", *extra))
    return code, capsys.readouterr().err


def problem(archive: Archive, rel: str, line: int, message: str, hint: str | None = None,
            warning: bool = False) -> str:
    text = f"{archive.content / rel}:{line}: {'warning: ' if warning else ''}{message}"
    return text + (f"\n    hint: {hint}" if hint else "")


def lines_of(out: str, archive: Archive, rel: str) -> list[str]:
    """The problem lines (without hints) reported for one file."""
    prefix = f"{archive.content / rel}:"
    return [line for line in out.splitlines() if line.startswith(prefix)]


TOPIC = "---\ntitle: Verstetigung\n---\nWie Wissen im Landkreis bleibt.\n"


# --- every problem of a file in one run ---------------------------------------------------------

BROKEN = """\
---
title: Verstetigung im Kreis
date: 2025-02-30
image:
  src: media/fehlt.png
---
Wir sprachen über [[Verstetigng]].

![](media/auch-fehlt.png)
"""


def test_a_bad_date_does_not_hide_the_broken_wikilink_the_missing_alt_and_the_missing_image(archive, capsys):
    archive.write("topics/verstetigung.md", TOPIC)
    archive.write("sessions/x.md", BROKEN)
    code, out = check(archive, capsys)
    assert code == 1
    assert problem(archive, "sessions/x.md", 3, "'date' is not a valid date: '2025-02-30'",
                   "February 2025 has 28 days: check the day") in out
    assert problem(archive, "sessions/x.md", 4, "the image has no alt text",
                   "add '  alt: …' describing what the picture shows, for readers who cannot see it") in out
    # the missing alt in the front matter no longer hides that the file does not exist
    assert problem(archive, "sessions/x.md", 5, "the image 'media/fehlt.png' does not exist",
                   "put the file into the content's media/ folder or correct the name") in out
    assert problem(archive, "sessions/x.md", 7, "unknown link target 'Verstetigng'",
                   "did you mean 'Verstetigung'?") in out
    assert problem(archive, "sessions/x.md", 9, "the image 'media/auch-fehlt.png' does not exist") in out
    assert problem(archive, "sessions/x.md", 9, "the image 'media/auch-fehlt.png' has no alt text") in out
    assert len(lines_of(out, archive, "sessions/x.md")) == 6


def test_build_reports_the_same_problems_at_once_and_writes_nothing(archive, capsys):
    archive.write("topics/verstetigung.md", TOPIC)
    archive.write("sessions/x.md", BROKEN)
    code, err = build(archive, capsys)
    assert code == 1
    for line, message in ((3, "'date' is not a valid date: '2025-02-30'"), (4, "the image has no alt text"),
                          (5, "the image 'media/fehlt.png' does not exist"),
                          (7, "unknown link target 'Verstetigng'")):
        assert problem(archive, "sessions/x.md", line, message) in err
    assert "build failed: 4 error(s); the output folder was not changed" in err
    assert not archive.output.exists()


def test_a_link_to_a_session_whose_front_matter_is_broken_is_not_a_second_error(archive, capsys):
    archive.write("sessions/a.md", session_md("Auftakt", "2024-13-01"))
    archive.write("sessions/b.md", session_md("Zweite Runde", "2024-06-13",
                                              body="Siehe [[Auftakt]] und [dort](/sitzungen/a/)."))
    code, out = check(archive, capsys)
    assert code == 1
    assert lines_of(out, archive, "sessions/b.md") == []
    assert lines_of(out, archive, "sessions/a.md") == [
        problem(archive, "sessions/a.md", 3, "'date' is not a valid date: '2024-13-01'")]


# --- unknown front-matter keys ------------------------------------------------------------------

def test_misspelt_keys_are_warnings_with_the_nearest_key_and_fail_strict(archive, capsys):
    archive.write("sessions/x.md", session_md("Auftakt", "2024-05-16", topic="[Verstetigung]", sumary="Kurz.",
                                              speakers="\n  - name: Anna Roth\n    orga: Kreis Coesfeld"))
    code, out = check(archive, capsys)
    assert code == 0
    assert problem(archive, "sessions/x.md", 4, "unknown key 'topic'", "did you mean 'topics'?", True) in out
    assert problem(archive, "sessions/x.md", 5, "unknown key 'sumary'", "did you mean 'summary'?", True) in out
    assert problem(archive, "sessions/x.md", 8, "unknown key 'speakers.0.orga'", "did you mean 'org'?", True) in out
    assert check(archive, capsys, "--strict")[0] == 1
    # build still works (warnings only), and says so
    code, err = build(archive, capsys)
    assert code == 0 and problem(archive, "sessions/x.md", 4, "unknown key 'topic'", warning=True) in err


def test_titel_instead_of_title_names_the_typo(archive, capsys):
    archive.write("sessions/x.md", "---\ntitel: Auftakt\ndate: 2024-05-16\n---\nText.\n")
    archive.write("topics/x.md", "---\ntitl: Verstetigung\n---\n")
    code, out = check(archive, capsys)
    assert code == 1
    assert lines_of(out, archive, "sessions/x.md") == [problem(archive, "sessions/x.md", 2, "'title' is missing")]
    assert problem(archive, "sessions/x.md", 2, "'title' is missing",
                   "did you mean 'title'? The front matter has 'titel'") in out
    assert problem(archive, "topics/x.md", 2, "'title' is missing",
                   "did you mean 'title'? The front matter has 'titl'") in out


def test_a_key_far_from_every_known_one_says_how_to_declare_it(archive, capsys):
    archive.write("sessions/x.md", session_md("Auftakt", "2024-05-16", livestream="https://example.org/live"))
    code, out = check(archive, capsys, "--strict")
    assert code == 1
    assert problem(archive, "sessions/x.md", 4, "unknown key 'livestream'",
                   "the build does not use it; if your theme does, list 'livestream' under 'extra_keys' in site.yaml",
                   True) in out


def test_keys_declared_in_site_yaml_are_not_reported(archive, capsys):
    archive.write("site.yaml", "title: Test\nextra_keys: [livestream, image.credit, banner]\nbanner: rot\n")
    archive.write("sessions/x.md", session_md("Auftakt", "2024-05-16", livestream="https://example.org/live",
                                              image="\n  src: media/a.png\n  alt: Ein Bild\n  credit: Foto X"))
    archive.write("media/a.png", b"png")
    code, out = check(archive, capsys, "--strict")
    assert (code, out) == (0, "")


def test_unknown_keys_in_site_yaml_are_warnings_too(archive, capsys):
    archive.write("site.yaml", "title: Test\nserach: false\nextra_keys: livestream\n")
    code, out = check(archive, capsys)
    assert code == 1
    assert problem(archive, "site.yaml", 2, "unknown key 'serach' in site.yaml", "did you mean 'search'?", True) in out
    assert problem(archive, "site.yaml", 3, "'extra_keys' must be a list of key names",
                   "write e.g. 'extra_keys: [livestream, protokoll]'") in out


def test_unknown_keys_in_topic_and_page_files(archive, capsys):
    archive.write("topics/x.md", "---\ntitle: Verstetigung\nalias: [Verstetigen]\n---\n")
    archive.write("pages/x.md", "---\ntitle: Impressum\nsumary: Wer wir sind\n---\nText\n")
    code, out = check(archive, capsys)
    assert code == 0
    assert problem(archive, "topics/x.md", 3, "unknown key 'alias'", "did you mean 'aliases'?", True) in out
    assert problem(archive, "pages/x.md", 3, "unknown key 'sumary'", "did you mean 'summary'?", True) in out


# --- people and organisations ---------------------------------------------------------------------

def speakers(*pairs: tuple[str, str]) -> str:
    return "".join(f"\n  - name: {name}\n    org: {org}" for name, org in pairs)


def test_close_names_without_records_are_warnings_with_did_you_mean(archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-05-16", speakers=speakers(
        ("Franziska Stader", "Kreis Coesfeld"), ("Jan Brandt", "Prognos AG"))))
    archive.write("sessions/b.md", session_md("B", "2024-06-13", speakers=speakers(
        ("Franziska Stader", "Kreis Coesfeld"), ("Jan Brandt", "Prognos AG"))))
    archive.write("sessions/c.md", session_md("C", "2024-07-11", speakers=speakers(
        ("Franziska Strader", "Kreis Coesfeldt"), ("Jan Brandt", "Prognos"))))
    code, out = check(archive, capsys)
    assert code == 0
    assert lines_of(out, archive, "sessions/a.md") == lines_of(out, archive, "sessions/b.md") == []
    assert problem(archive, "sessions/c.md", 5, "the person 'Franziska Strader' is close to the person 'Franziska Stader'",
                   "did you mean 'Franziska Stader'? If they are different, give each a file in people/", True) in out
    assert problem(archive, "sessions/c.md", 6,
                   "the organisation 'Kreis Coesfeldt' is close to the organisation 'Kreis Coesfeld'",
                   "did you mean 'Kreis Coesfeld'? If they are different, give each a file in organisations/",
                   True) in out
    assert problem(archive, "sessions/c.md", 8, "the organisation 'Prognos' is close to the organisation 'Prognos AG'",
                   "did you mean 'Prognos AG'? If they are different, give each a file in organisations/",
                   True) in out
    assert len(lines_of(out, archive, "sessions/c.md")) == 3
    assert check(archive, capsys, "--strict")[0] == 1


def test_kreis_and_landkreis_and_legal_forms_count_as_close(archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-05-16", speakers=speakers(
        ("Anna Roth", "Landkreis Coesfeld"), ("Ben Ott", "Digitalagentur e.V."))))
    archive.write("sessions/b.md", session_md("B", "2024-06-13", speakers=speakers(
        ("Anna Roth", "Landkreis Coesfeld"), ("Ben Ott", "Digitalagentur e.V."))))
    archive.write("sessions/c.md", session_md("C", "2024-07-11", speakers=speakers(
        ("Anna Roth", "Kreis Coesfeld"), ("Dr. Ben Ott", "Digitalagentur"))))
    code, out = check(archive, capsys)
    assert [line.split(": warning: ")[1] for line in lines_of(out, archive, "sessions/c.md")] == [
        "the organisation 'Kreis Coesfeld' is close to the organisation 'Landkreis Coesfeld'",
        "the person 'Dr. Ben Ott' is close to the person 'Ben Ott'",
        "the organisation 'Digitalagentur' is close to the organisation 'Digitalagentur e.V.'",
    ]


def test_short_names_one_letter_apart_and_names_two_apart_are_not_reported(archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-05-16", speakers=speakers(
        ("Jan Ott", "VKU"), ("Jens Müller", "Kreis Kleve"))))
    archive.write("sessions/b.md", session_md("B", "2024-06-13", speakers=speakers(
        ("Jan Otter", "VKA"), ("Jan Müller", "Kreis Lippe"))))
    code, out = check(archive, capsys, "--strict")
    assert (code, out) == (0, "")


PERSON = """\
---
name: Franziska Stader
aliases: [Franzi Stader]
role: Digitallotsin
description: Koordiniert die Digitallotsen im Kreis Coesfeld.
link: https://www.kreis-coesfeld.de/
---
"""

ORGANISATION = """\
---
name: Prognos AG
aliases: [Prognos]
description: Beratet Kommunen bei der Digitalisierung.
link: https://www.prognos.com/
---
"""


def test_records_resolve_names_like_topics_and_warn_about_typos(archive, capsys):
    archive.write("people/franziska-stader.md", PERSON)
    archive.write("organisations/prognos.md", ORGANISATION)
    archive.write("sessions/a.md", session_md("A", "2024-05-16", speakers=speakers(
        ("franziska  stader", "prognos ag"), ("Franzi Stader", "Prognos"))))
    archive.write("sessions/b.md", session_md("B", "2024-06-13", speakers=speakers(
        ("Franziska Strader", "Prognos GmbH"),)))
    code, out = check(archive, capsys)
    assert code == 0
    assert lines_of(out, archive, "sessions/a.md") == [
        problem(archive, "sessions/a.md", 5, "the person 'franziska  stader' is written differently from "
                "'Franziska Stader'", warning=True),
        problem(archive, "sessions/a.md", 6, "the organisation 'prognos ag' is written differently from "
                "'Prognos AG'", warning=True),
    ]
    assert problem(archive, "sessions/b.md", 5, "the person 'Franziska Strader' is close to the person "
                   "'Franziska Stader'", "did you mean 'Franziska Stader'? If it is another name for the same "
                   f"person, add it to the aliases in {archive.content / 'people/franziska-stader.md'}", True) in out
    assert problem(archive, "sessions/b.md", 6, "the organisation 'Prognos GmbH' is close to the organisation "
                   "'Prognos AG'", warning=True) in out
    assert build(archive, capsys)[0] == 0
    people = sorted(p.name for p in (archive.output / "personen").iterdir() if p.is_dir())
    assert people == ["franziska-stader", "franziska-strader"]
    organisations = sorted(p.name for p in (archive.output / "organisationen").iterdir() if p.is_dir())
    assert organisations == ["prognos", "prognos-gmbh"]


def test_bad_person_and_organisation_files_are_errors(archive, capsys):
    archive.write("people/a.md", "---\nnme: Anna Roth\nlink: www.example.org\nrolle: Lotsin\n---\n")
    archive.write("people/b.md", "---\nname: Anna Roth\n---\n")
    archive.write("people/c.md", "---\nname: Ben Ott\naliases: [Anna Roth]\n---\n")
    archive.write("organisations/d.md", "---\nname: Prognos\nslug: Prognos AG\n---\n")
    code, out = check(archive, capsys)
    assert code == 1
    assert problem(archive, "people/a.md", 2, "'name' is missing",
                   "did you mean 'name'? The front matter has 'nme'") in out
    assert problem(archive, "people/a.md", 3, "'link' must be a web address, not 'www.example.org'",
                   "write it with https://, e.g. 'link: https://www.kreis-coesfeld.de/'") in out
    assert problem(archive, "people/a.md", 4, "unknown key 'rolle'", "did you mean 'role'?", True) in out
    assert problem(archive, "people/c.md", 1, "the name 'Anna Roth' belongs to two people: 'Anna Roth' and 'Ben Ott'",
                   "remove it from the aliases of one of them") in out
    assert problem(archive, "organisations/d.md", 3, "the slug 'Prognos AG' is not allowed") in out
