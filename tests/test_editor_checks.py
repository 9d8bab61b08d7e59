"""Checks for what editors really get wrong (issue 12): every problem of a file at once, misspelt
keys, near-duplicate people and organisations, skeleton text, numbering against dates, template
errors in the template's words, announcements that stay true, and the smaller hints.

Each test builds a real archive and asserts on the exact messages (`path:line`, hint) and the exit
codes of `check`, `check --strict` and `build`, or on the pages."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading

import pytest

from support import TEMPLATES, Archive, epoch, session_md, wait_until, picture_bytes, with_legal_pages
from kaffee_site.cli import main


def check(archive: Archive, capsys, *extra: str) -> tuple[int, str]:
    with_legal_pages(archive)  # as every German archive has them (tests/test_legal_pages.py)
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
    assert "build failed: 4 errors; the output folder was not changed" in err
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
    assert problem(archive, "sessions/x.md", 8, "unknown key 'speakers.1.orga'", "did you mean 'org'?", True) in out
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
    archive.write("media/a.png", picture_bytes(size=(800, 600)))  # as wide as the column shows it
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


# --- announcements ---------------------------------------------------------------------------

def announcing(title: str, day: str, next_day: str | None = None, draft: bool = False, **front) -> str:
    if next_day:
        front["next"] = f"\n  date: {next_day}\n  title: Nach {title}"
    if draft:
        front["draft"] = "true"
    return session_md(title, day, **front)


def announcement_of(html: str) -> str | None:
    """The datetime of the page's 'Nächster Termin' box, or None without one."""
    if 'class="announcement"' not in html:
        return None
    box = html.split('class="announcement"', 1)[1].split("</section>", 1)[0]
    assert html.count('class="announcement"') == 1
    return box.split('datetime="', 1)[1].split('"', 1)[0]


def test_the_start_page_announces_only_what_comes_after_the_newest_published_report(archive, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-05-20"))  # after every report, before 12 June
    archive.write("sessions/jan.md", announcing("Januar", "2025-01-16", "2025-02-13", number=1))
    archive.write("sessions/feb.md", announcing("Februar", "2025-02-13", "2025-03-13", draft=True, number=2))
    archive.write("sessions/mar.md", announcing("März", "2025-03-13", number=3))
    archive.write("sessions/mai.md", announcing("Mai", "2025-05-15", number=4))
    assert build(archive, capsys)[0] == 0
    # 13 February has only a draft report, but March and May are published: nothing is ahead
    assert announcement_of(archive.page("")) is None
    assert announcement_of(archive.page("sitzungen/jan/")) is None
    archive.write("sessions/mai.md", announcing("Mai", "2025-05-15", "2025-06-12", number=4))
    assert build(archive, capsys)[0] == 0
    assert announcement_of(archive.page("")) == "2025-06-12"
    assert announcement_of(archive.page("sitzungen/mai/")) == "2025-06-12"
    calendar = (archive.output / "termine.ics").read_text()
    assert "DTSTART;VALUE=DATE:20250612" in calendar and "20250213" not in calendar  # no time given: all day


def test_a_draft_does_not_announce_even_when_it_is_built(archive, capsys):
    archive.write("sessions/jan.md", announcing("Januar", "2025-01-16"))
    archive.write("sessions/feb.md", announcing("Februar", "2025-02-13", "2025-03-13", draft=True))
    assert build(archive, capsys, "--drafts")[0] == 0
    assert announcement_of(archive.page("")) is None
    assert "Februar" in archive.page("")


def test_a_session_page_shows_its_announcement_once_linking_the_report(archive, capsys):
    archive.write("sessions/sep.md", announcing("September", "2024-09-05", "2024-10-10"))
    archive.write("sessions/okt.md", announcing("Oktober", "2024-10-10", "2024-11-14"))
    archive.write("sessions/dez.md", announcing("Dezember", "2024-12-12"))
    assert build(archive, capsys)[0] == 0
    september = archive.page("sitzungen/sep/")
    # the report of 10 October exists and is the series' next session: linked once, by the navigation
    assert announcement_of(september) is None
    assert september.split('aria-labelledby="verwandt"')[0].count('href="/sitzungen/okt/"') == 1
    assert "Nächste Sitzung" in september
    # 14 November was announced but has no report, and December is published: no longer ahead
    assert announcement_of(archive.page("sitzungen/okt/")) is None
    archive.write("sessions/okt.md", announcing("Oktober", "2024-10-10", "2024-12-12"))
    assert build(archive, capsys)[0] == 0
    october = archive.page("sitzungen/okt/")
    assert announcement_of(october) is None
    assert october.split('aria-labelledby="verwandt"')[0].count('href="/sitzungen/dez/"') == 1


def test_an_announcement_that_skips_a_report_links_it_in_its_box(archive, capsys):
    archive.write("sessions/sep.md", announcing("September", "2024-09-05", "2024-11-14"))
    archive.write("sessions/okt.md", announcing("Oktober", "2024-10-10"))
    archive.write("sessions/nov.md", announcing("November", "2024-11-14"))
    assert build(archive, capsys)[0] == 0
    september = archive.page("sitzungen/sep/")
    assert announcement_of(september) == "2024-11-14"
    box = september.split('class="announcement"', 1)[1].split("</section>", 1)[0]
    assert '<a href="/sitzungen/nov/">Nach September</a>' in box


def test_a_passed_announcement_is_never_shown_as_coming(archive, capsys, monkeypatch):
    # still after the newest report, but long past: no page announces it, and the build says why
    archive.write("sessions/a.md", announcing("Alt", "2001-03-01", "2001-04-05"))
    code, err = build(archive, capsys)
    assert code == 0
    assert announcement_of(archive.page("")) is None and announcement_of(archive.page("sitzungen/a/")) is None
    assert problem(archive, "sessions/a.md", 5, "the session announced for 2001-04-05 has passed, and no report "
                   "of it is published", "write its report (kaffee-site new), or correct or remove 'next:' if it "
                   "did not take place then", True) in err
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2001-04-05", "23:59"))  # its own day: still coming
    code, err = build(archive, capsys)
    assert announcement_of(archive.page("")) == "2001-04-05" and "has passed" not in err


# --- what `new` leaves behind, numbers against dates -----------------------------------------------

def test_an_untouched_skeleton_from_new_fails_strict_once_the_speaker_is_replaced(archive, capsys):
    assert main(["new", "Open Data im Landkreis", "--date", "2025-03-13", "--content", str(archive.content)]) == 0
    path = archive.content / "sessions/2025/2025-03-13-open-data-im-landkreis.md"
    path.write_text(path.read_text().replace("Vorname Nachname", "Anna Roth").replace("Organisation", "Kreis Unna"))
    capsys.readouterr()
    code, out = check(archive, capsys, "--strict")
    assert code == 1
    rel = "sessions/2025/2025-03-13-open-data-im-landkreis.md"
    written = path.read_text().splitlines()

    def line(text: str) -> int:  # where new's skeleton put it (its front matter grows with the schema)
        return written.index(text) + 1

    summary, talks = "Worum ging es? Ein, zwei Sätze für die Übersicht.", "Wer hat was vorgestellt?"
    talk = "Was haben die Teilnehmenden berichtet, gefragt, verabredet?"
    assert lines_of(out, archive, rel) == [
        problem(archive, rel, 6, "the session lists no topics", warning=True),
        problem(archive, rel, line(summary), f"'{summary}' is still the text 'new' wrote", warning=True),
        problem(archive, rel, line(talks), f"'{talks}' is still the text 'new' wrote", warning=True),
        problem(archive, rel, line(talk), f"'{talk}' is still the text 'new' wrote", warning=True),
    ]
    assert problem(archive, rel, 6, "the session lists no topics", "name what it was about below 'topics:', "
                   "e.g. '  - Name des Themas', so topic pages find it", True) in out
    assert problem(archive, rel, line(summary), f"'{summary}' is still the text 'new' wrote",
                   "replace it with the report, or delete the line", True) in out
    assert check(archive, capsys)[0] == 0


def test_numbers_that_run_against_the_dates_are_warnings(archive, capsys):
    archive.write("sessions/a.md", session_md("Acht", "2025-01-16", number=8))
    archive.write("sessions/b.md", session_md("Neun", "2025-02-13", number=9))
    archive.write("sessions/c.md", session_md("Zehn", "2025-01-30", number=10))
    archive.write("sessions/d.md", session_md("Andere Reihe", "2024-01-01", number=11, series="Werkstatt"))
    code, out = check(archive, capsys)
    assert code == 0
    assert out == problem(archive, "sessions/c.md", 4, "number 10 of the series 'Smarter Kaffee' is dated "
                          f"2025-01-30, before number 9 (2025-02-13, {archive.content / 'sessions/b.md'})",
                          "check the number and the date: the numbers of a series follow its dates", True) + "\n"
    assert check(archive, capsys, "--strict")[0] == 1


def test_person_and_organisation_pages_show_the_record_the_topics_and_the_count(archive, capsys):
    archive.write("people/franziska-stader.md", PERSON + "Sie leitet das Projekt *Digitallotsen*.\n")
    archive.write("organisations/prognos.md", ORGANISATION)
    archive.write("topics/verstetigung.md", TOPIC)
    archive.write("sessions/a.md", session_md("A", "2024-05-16", topics="[Verstetigung, Open Data]",
                                              speakers=speakers(("Franzi Stader", "Prognos"))))
    archive.write("sessions/b.md", session_md("B", "2024-06-13", topics="[Verstetigung]",
                                              speakers=speakers(("Franziska Stader", "Prognos AG"))))
    code, err = build(archive, capsys)
    assert code == 0 and "warning" not in err
    person = archive.page("personen/franziska-stader/")
    assert '<h1>Franziska Stader</h1>\n<p class="role">Digitallotsin</p>' in person
    assert '<p class="lead">Koordiniert die Digitallotsen im Kreis Coesfeld.</p>' in person
    assert "<p>Sie leitet das Projekt <em>Digitallotsen</em>.</p>" in person
    assert '<a href="https://www.kreis-coesfeld.de/" rel="external">Mehr über Franziska Stader</a>' in person
    assert '<p class="meta">2 Sitzungen</p>' in person
    topics = person.split('<h2 id="themen">Themen</h2>', 1)[1].split("</section>", 1)[0]
    assert topics.index("Verstetigung</a> <span class=\"count\">2 Sitzungen</span>") \
        < topics.index("Open Data</a> <span class=\"count\">1 Sitzung</span>")
    organisation = archive.page("organisationen/prognos/")
    assert "<h1>Prognos AG</h1>" in organisation and '<p class="meta">2 Sitzungen</p>' in organisation
    assert '<p class="lead">Beratet Kommunen bei der Digitalisierung.</p>' in organisation
    assert organisation.count('href="/personen/franziska-stader/"') == 1
    # both spellings went to the one record: one page each, linked from both sessions
    assert sorted(p.name for p in (archive.output / "personen").iterdir() if p.is_dir()) == ["franziska-stader"]
    assert 'href="/personen/franziska-stader/">Franzi Stader</a>' in archive.page("sitzungen/a/")


# --- template errors ----------------------------------------------------------------------------------

def own_template(archive: Archive, name: str, old: str, new: str) -> int:
    """Put a changed copy of a default template into the archive's templates/; the line changed."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    assert old in text
    path = archive.root / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1


def run_here(archive: Archive, capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    """The command run from the archive's folder with relative paths, as an editor types it."""
    monkeypatch.chdir(archive.root)
    code = main([*args, "--content", "content", "--templates", "templates"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_mistake_in_base_html_is_reported_at_its_line_in_the_templates_words(archive, capsys, monkeypatch):
    archive.write("sessions/a.md", session_md("A", "2024-05-16"))
    line = own_template(archive, "base.html", "{{ config.title }}", "{{ config.titel }}")
    expected = f"templates/base.html:{line}: 'config' has no attribute 'titel'\n    hint: did you mean 'title'?"
    code, out, _ = run_here(archive, capsys, monkeypatch, "check")
    assert code == 1 and expected in out
    for extra in ((), ("--no-cache",)):
        code, _, err = run_here(archive, capsys, monkeypatch, "build", "--output", "output", *extra)
        assert code == 1 and expected in err
        assert "object" not in err and "kaffee_site" not in err
        assert not (archive.root / "output" / "index.html").exists()


def test_a_misspelt_site_attribute_is_named_also_through_the_build_cache(archive, capsys, monkeypatch):
    archive.write("sessions/a.md", session_md("A", "2024-05-16"))
    line = own_template(archive, "index.html", "{% block main %}", "{% block main %}{{ site.sesions | length }}")
    for command in (("check",), ("build", "--output", "output")):
        code, out, err = run_here(archive, capsys, monkeypatch, *command)
        assert code == 1
        assert f"templates/index.html:{line}: 'site' has no attribute 'sesions'\n    hint: did you mean 'sessions'?" \
            in out + err
        assert "RecordingSite" not in out + err


def test_syntax_errors_are_found_in_templates_no_page_uses_yet(archive, capsys, monkeypatch):
    archive.write("sessions/a.md", session_md("A", "2024-05-16"))
    line = own_template(archive, "page.html", "{{ page.title }}", "{{ page.title }")
    code, out, _ = run_here(archive, capsys, monkeypatch, "check")
    assert code == 1 and f"templates/page.html:{line}: unexpected '}}'" in out


# --- the smaller hints, and serve -----------------------------------------------------------------------

def test_new_with_an_impossible_day_says_the_day_does_not_exist(archive):
    result = archive.run("new", "Titel", "--date", "2025-02-30")
    assert result.returncode == 2
    assert "argument --date: '2025-02-30' is not a day: February 2025 has 28 days" in result.stderr
    assert "not a date like" not in result.stderr
    assert not any(archive.content.rglob("*.md"))


@pytest.mark.parametrize("front", ["title: Hallo\ndate: 2024-09-05\ntopics:\n\t- Verstetigung\n",
                                   "title: Hallo\n\tdate: 2024-09-05\n"])
def test_a_tab_in_the_yaml_indentation_says_indent_with_spaces(archive, capsys, front):
    archive.write("sessions/x.md", f"---\n{front}---\nText\n")
    code, out = check(archive, capsys)
    assert code == 1
    [line] = lines_of(out, archive, "sessions/x.md")
    assert line.startswith(problem(archive, "sessions/x.md", front.split("\t")[0].count("\n") + 2,
                                   "invalid YAML in the front matter: "))
    assert f"{line}\n    hint: indent with spaces, not tabs" in out


def test_serve_prints_each_warning_once_and_says_when_all_problems_are_fixed(archive):
    archive.write("site.yaml", "title: Test\nsearch: false\n")
    with_legal_pages(archive)
    archive.write("sessions/a.md", session_md("A", "2025-03-13", sumary="Kurz."))
    archive.write("sessions/b.md", session_md("B", "2025-04-10"))
    command = [sys.executable, "-m", "kaffee_site", "serve", "--port", "0", "--content", "content",
               "--output", "output", "--templates", str(TEMPLATES)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=archive.root)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    warning = "content/sessions/a.md:4: warning: unknown key 'sumary'"

    def printed(text: str, times: int = 1) -> bool:
        return sum(1 for line in lines if line.startswith(text)) >= times

    try:
        wait_until(lambda: printed("built "), "the first build")
        assert printed(warning)
        archive.write("sessions/b.md", session_md("B", "2025-04-31"))  # an error elsewhere
        wait_until(lambda: printed("rebuild failed: 1 error;"), "the failed rebuild")
        assert printed("content/sessions/b.md:3: 'date' is not a valid date: '2025-04-31'")
        archive.write("sessions/b.md", session_md("B", "2025-04-30"))
        wait_until(lambda: printed("the errors are fixed; 1 warning remains"), "errors fixed")
        archive.write("sessions/a.md", session_md("A", "2025-03-13", summary="Kurz."))
        wait_until(lambda: printed("all problems fixed"), "all fixed")
        wait_until(lambda: printed("rebuilt ", 2), "the rebuild after the fix")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    output = "".join(lines)
    assert output.count(warning) == 1, output
    assert output.count("all problems fixed") == 1
    assert not re.search(r"Traceback", output)


@pytest.mark.parametrize("rel, front", [("topics/x.md", "titel: Digitalagentur"), ("pages/x.md", "title: [Eins]"),
                                        ("people/x.md", "nme: Anna Roth"), ("organisations/x.md", "name: Prognos\nlink: 12")])
def test_a_bad_field_in_any_file_does_not_hide_a_broken_wikilink_in_its_body(archive, capsys, rel, front):
    archive.write("topics/verstetigung.md", TOPIC)
    archive.write(rel, f"---\n{front}\n---\nSiehe [[Verstetigng]].\n")
    code, out = check(archive, capsys)
    assert code == 1
    body_line = front.count("\n") + 4
    assert problem(archive, rel, body_line, "unknown link target 'Verstetigng'", "did you mean 'Verstetigung'?") in out
    assert len([line for line in lines_of(out, archive, rel) if "warning" not in line]) == 2
