"""Languages: every word of the archive comes from the catalogue of its language.

The UI strings are listed from the templates (Jinja's own extractor) and from the Python
modules (calls of gettext & co. with literal text); every catalogue must translate each of
them and nothing else. An English archive is then built with every kind of page and checked
against the German catalogue: not one German UI word may be left.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jinja2
import pytest
from support import ROOT, TEMPLATES, Archive, session_md

from kaffee_site.cli import main
from kaffee_site.cms.words import strings as cms_strings
from kaffee_site.errors import Problem
from kaffee_site.i18n import (LOCALES, MONTHS, WEEKDAYS, CatalogueProblem, available_languages, catalogue,
                              parse_po, read_catalogue)
from kaffee_site.serve.livereload import overlay

_GETTEXT = {"gettext": (None, 0, None), "_": (None, 0, None), "ngettext": (None, 0, 1),
            "pgettext": (0, 1, None), "npgettext": (0, 1, 2)}


def template_strings() -> set[tuple]:
    """(context, msgid, plural) of every string the default theme's templates translate."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    found = set()
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".xml", ".txt"):
            continue
        for _, func, message in env.extract_translations(path.read_text(encoding="utf-8")):
            args = (message,) if isinstance(message, str) else tuple(message)
            ctx, single, plural = _GETTEXT[func]
            found.add((args[ctx] if ctx is not None else None, args[single],
                       args[plural] if plural is not None and len(args) > plural else None))
    return found


def python_strings() -> set[tuple]:
    """Strings the Python modules translate: `x.gettext("…")` and friends with literal text."""
    found = set()
    for path in sorted((ROOT / "src/kaffee_site").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _GETTEXT:
                literal = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                           for a in node.args]
                ctx, single, plural = _GETTEXT[node.func.attr]
                if len(literal) > single and literal[single] is not None:
                    found.add((literal[ctx] if ctx is not None else None, literal[single],
                               literal[plural] if plural is not None else None))
    return found


def ui_strings() -> set[tuple]:
    named = {("month", m, None) for m in MONTHS} | {("weekday", d, None) for d in WEEKDAYS}
    # the browser editor's labels and hints, made from the schema (cms/words.py)
    return template_strings() | python_strings() | named | cms_strings()


def test_the_extractors_find_the_strings_we_know_of():
    strings = ui_strings()
    assert (None, "Skip to content", None) in strings  # base.html
    assert (None, "%(num)s session", "%(num)s sessions") in strings  # ngettext in a template
    assert ("button", "Search", None) in strings  # pgettext
    assert (None, "Report: %(url)s", None) in strings  # calendar.py
    assert ("date", "%(day)s %(month)s %(year)s", None) in strings  # i18n.py
    assert len(strings) > 80


@pytest.mark.parametrize("language", available_languages())
def test_every_ui_string_is_translated_and_nothing_else(language: str):
    words = catalogue(language)
    wanted = ui_strings()
    keys = {(ctx, msgid) for ctx, msgid, _ in wanted}
    missing = sorted(f"{ctx or ''}|{msgid}" for ctx, msgid in keys if not words.messages.get((ctx, msgid)))
    assert missing == [], f"{language}.po lacks translations"
    stale = sorted(f"{ctx or ''}|{msgid}" for ctx, msgid in words.messages if (ctx, msgid) not in keys)
    assert stale == [], f"{language}.po has entries no template or module uses"
    for ctx, msgid, plural in wanted:
        forms = words.messages[(ctx, msgid)]
        assert len(forms) == (2 if plural else 1) and all(forms), (language, msgid)


@pytest.mark.parametrize("language", available_languages())
def test_translations_keep_the_placeholders(language: str):
    placeholder = re.compile(r"%\(\w+\)s|\{\w+\}")
    words = catalogue(language)
    for (_, msgid), forms in words.messages.items():
        for form in forms:
            assert sorted(set(placeholder.findall(form))) == sorted(set(placeholder.findall(msgid))), (msgid, form)
            assert form.count("<a ") == msgid.count("<a "), (msgid, form)


def test_dates_in_both_languages_never_from_the_os_locale(monkeypatch):
    from datetime import date, time
    monkeypatch.setenv("LC_ALL", "C")
    day = date(2024, 9, 5)
    assert catalogue("de").date(day) == "5. September 2024"
    assert catalogue("en").date(day) == "5 September 2024"
    assert catalogue("de").date(date(2025, 3, 1)) == "1. März 2025"
    assert catalogue("de").weekday(day) == "Donnerstag" and catalogue("en").weekday(day) == "Thursday"
    assert catalogue("de").time_range(time(10), time(11, 30)) == "10:00–11:30 Uhr"
    assert catalogue("en").time_range(time(10), time(11, 30)) == "10:00–11:30"
    assert catalogue("de-AT").language == "de"


def test_the_po_reader_reads_what_translation_tools_write(tmp_path: Path):
    po = tmp_path / "fr.po"
    po.write_text(
        '# a comment\nmsgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        '#: base.html:3\nmsgid "Skip to content"\nmsgstr "Aller au "\n"contenu"\n\n'
        '#, fuzzy\nmsgid "Topics"\nmsgstr "Sujets"\n\n'
        'msgctxt "button"\nmsgid "Search"\nmsgstr "Chercher"\n\n'
        'msgid "%(num)s session"\nmsgid_plural "%(num)s sessions"\nmsgstr[0] "%(num)s séance"\n'
        'msgstr[1] "%(num)s séances"\n\nmsgid "Say \\"hi\\""\nmsgstr "Dis \\"salut\\"\\n"\n', encoding="utf-8")
    words = read_catalogue(po, "fr")
    assert words.gettext("Skip to content") == "Aller au contenu"
    assert words.gettext("Topics") == "Topics"  # fuzzy: not confirmed by a translator, so not used
    assert words.pgettext("button", "Search") == "Chercher" and words.gettext("Search") == "Search"
    assert words.ngettext("%(num)s session", "%(num)s sessions", 0) == "%(num)s séance"  # French: 0 is singular
    assert words.ngettext("%(num)s session", "%(num)s sessions", 2) == "%(num)s séances"
    assert words.gettext('Say "hi"') == 'Dis "salut"\n'


def test_a_broken_catalogue_line_is_named(tmp_path: Path):
    with pytest.raises(CatalogueProblem) as err:
        parse_po('msgid "a"\nmsgstr "b"\nmsgstr oops\n', "xx.po")
    assert str(err.value).startswith("xx.po:3: cannot read this line of the catalogue")
    with pytest.raises(CatalogueProblem) as err:
        parse_po('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', "xx.po")
    assert str(err.value) == "xx.po:4: the message 'a' is there twice"


def test_an_unknown_language_is_an_error_at_its_line(archive: Archive, capsys):
    archive.write("site.yaml", "title: Archiv\nlanguage: fr\n")
    archive.write("sessions/a.md", session_md())
    assert archive.build() == 1
    err = capsys.readouterr().err
    assert f"{archive.content / 'site.yaml'}:2: there is no catalogue for the language 'fr'" in err
    assert "hint: the languages are de, en;" in err


def test_the_serve_overlay_speaks_the_archive_language():
    problems = [Problem("content/sessions/a.md", 3, "'date' must be a date", "write 2024-09-05")]
    english, german = overlay(problems, "en"), overlay(problems, "de")
    assert 'lang="en"' in english and "could not be rebuilt (1 error)" in english
    assert "nicht neu gebaut" not in english and "Hinweis" not in english
    assert 'lang="de"' in german and "Die Seite konnte nicht neu gebaut werden (1 Fehler)" in german
    # one language per message: a tool message's hint is in the tool's words, never "Hinweis: write …"
    for page in (english, german):
        assert '<small lang="en">hint: write 2024-09-05</small>' in page and "Hinweis" not in page


# --- an English archive ----------------------------------------------------------------------

def english_archive(archive: Archive) -> Archive:
    """Every kind of page: sessions with speakers, topics, a mention, an announcement, a page,
    paged lists (page_size 1), a redirect, search."""
    archive.write("site.yaml", "title: Coffee Round\nlanguage: en\npage_size: 1\nbase_url: https://example.org/\n")
    archive.write("topics/open-data.md", "---\ntitle: Open Data\nredirect_from:\n  - data\n---\nAbout data.\n")
    archive.write("topics/funding.md", "---\ntitle: Funding\n---\nMoney.\n")
    archive.write("sessions/2024-09-05-first.md", session_md(
        "First round", "2024-09-05", "We talked about Open Data and [[Funding]].", number=1,
        topics="\n  - Open Data\n  - Funding",
        speakers="\n  - name: Ann Example\n    org: County Office",
        next="\n  date: 2024-10-10\n  title: Second round"))
    archive.write("sessions/2024-10-10-second.md", session_md(
        "Second round", "2024-10-10", "More on funding.", number=2, topics="\n  - Funding",
        speakers="\n  - name: Ann Example\n    org: County Office\n  - name: Bo Example",
        next="\n  date: 2024-11-14\n  title: Third round"))
    archive.write("pages/imprint.md", "---\ntitle: Imprint\n---\nWho we are.\n")
    return archive


def german_fragments() -> set[str]:
    """Pieces of the German catalogue's texts that differ from English (placeholders and tags cut out)."""
    de, en = catalogue("de"), catalogue("en")
    english = "\n".join(form for forms in en.messages.values() for form in forms)
    pieces = set()
    for forms in de.messages.values():
        for form in forms:
            for piece in re.split(r"%\(\w+\)s|\{\w+\}|<[^>]+>", form):
                piece = piece.strip(" .,:;()»«–…")
                if len(piece) >= 4 and piece not in english:  # 'Person', 'Organisation' are English too
                    pieces.add(piece)
    return pieces


def test_an_english_archive_has_not_one_german_ui_word(archive: Archive, capsys):
    english_archive(archive)
    assert archive.build() == 0, capsys.readouterr().err
    pages = {p.relative_to(archive.output).as_posix(): p.read_text(encoding="utf-8")
             for p in sorted(archive.output.rglob("*")) if p.suffix in (".html", ".xml", ".ics", ".txt")}
    assert len(pages) > 20
    fragments = german_fragments()
    assert {"Zum Inhalt springen", "Referierende", "In den Kalender", "Sitzungen", "September"} - fragments == {"September"}
    for path, text in pages.items():
        if path.endswith(".html"):
            assert re.search(r'<html lang="en">', text), path
        left = sorted(f for f in fragments if f in text)
        assert left == [], f"{path}: German words {left}"
    session = next(text for path, text in pages.items() if path.endswith("first/index.html"))
    # no time given: none shown (issue 13); the date never breaks
    assert "5\u00a0September\u00a02024</time> ·" in session and "Add to calendar" in session
    assert "Speakers" in session and "Coffee Round No. 1" not in session


def test_an_english_archive_lives_in_english_folders(archive: Archive, capsys):
    english_archive(archive)
    assert archive.build() == 0, capsys.readouterr().err
    out = archive.output
    for path in ("sessions/index.html", "sessions/2024-09-05-first/index.html", "sessions/2024-09-05-first/event.ics",
                 "topics/funding/index.html", "topics/funding/feed.xml", "topics/data/index.html",
                 "people/ann-example/index.html", "organisations/county-office/index.html", "search/index.html",
                 "page/2/index.html", "data/sessions.json", "data/sessions.csv", "calendar.ics", "imprint/index.html"):
        assert (out / path).is_file(), path
    german = {"sitzungen", "themen", "personen", "organisationen", "seite", "suche", "daten", "termin"}
    assert {p.parts[0] for p in out.iterdir()} & german == set()
    for page in out.rglob("*"):
        if page.suffix in (".html", ".xml", ".json", ".csv", ".ics"):
            text = page.read_text(encoding="utf-8")
            assert not re.search(r"/(sitzungen|themen|personen|organisationen|suche|daten)/|/seite/\d|termine?\.ics",
                                 text), page
    nav = archive.page("")
    assert 'href="/sessions/"' in nav and 'href="/calendar.ics"' in nav and 'href="/data/sessions.json"' in nav
    assert 'rel="next">Next page</a>' in nav and 'href="/page/2/"' in nav


def test_folder_names_can_be_set_in_site_yaml(archive: Archive, capsys):
    archive.write("site.yaml", "title: Archiv\nurls:\n  sessions: protokolle\n  topics: schlagworte\n  event: kalender.ics\n")
    archive.write("sessions/a.md", session_md("A", "2024-09-05", "Über [[Schlagwort]].", topics="\n  - Schlagwort"))
    archive.write("pages/personen-info.md", "---\ntitle: Info\n---\nText.\n")
    assert archive.build() == 0, capsys.readouterr().err
    assert (archive.output / "protokolle/a/kalender.ics").is_file()
    assert (archive.output / "schlagworte/schlagwort/index.html").is_file()
    assert (archive.output / "personen/index.html").is_file()  # the others keep the language's names
    page = archive.page("protokolle/a/")
    assert 'href="/schlagworte/schlagwort/"' in page and 'href="/protokolle/a/kalender.ics"' in page
    assert "/sitzungen/" not in page and "/themen/" not in page


@pytest.mark.parametrize("yaml, line, message", [
    ("urls:\n  sessions: Protokolle\n", 3, "'urls.sessions' must be a folder name like 'sitzungen'"),
    ("urls:\n  event: termin\n", 3, "'urls.event' must be a file name like 'termine.ics'"),
    ("urls:\n  sitzungen: protokolle\n", 3, "'urls' has no key 'sitzungen'"),
    ("urls:\n  topics: media\n", 3, "'urls.topics' cannot be 'media': the archive uses that name itself"),
    ("urls:\n  people: themen\n", 3, "'urls.people' and 'urls.topics' are both 'themen'"),
    ("urls: protokolle\n", 2, "'urls' must be a mapping of folder names"),
])
def test_a_bad_folder_name_is_an_error_at_its_line(archive: Archive, capsys, yaml: str, line: int, message: str):
    archive.write("site.yaml", "title: Archiv\n" + yaml)
    archive.write("sessions/a.md", session_md())
    assert archive.build() == 1
    assert f"{archive.content / 'site.yaml'}:{line}: {message}" in capsys.readouterr().err
    assert not archive.output.exists()


def test_a_page_may_not_take_a_folder_name_of_its_language(archive: Archive, capsys):
    archive.write("site.yaml", "title: Archive\nlanguage: en\n")
    archive.write("pages/sessions.md", "---\ntitle: Sessions\n---\nText.\n")
    archive.write("pages/sitzungen.md", "---\ntitle: Sitzungen\n---\nText.\n")  # German name: free in English
    assert archive.build() == 1
    err = capsys.readouterr().err
    assert "sessions.md:2: the page slug 'sessions' is taken by the archive" in err and "sitzungen.md" not in err


def test_a_third_language_is_one_more_catalogue(archive: Archive, capsys, tmp_path, monkeypatch):
    """A French catalogue beside the two: `language: fr` then works, with English folder names
    (no row in urls.py) and the catalogue's words, plural rule and date format."""
    import shutil

    import kaffee_site.i18n as i18n

    locales = tmp_path / "locales"
    shutil.copytree(LOCALES, locales)
    french = (LOCALES / "en.po").read_text(encoding="utf-8")
    french = french.replace('"Language: en\\n"', '"Language: fr\\n"').replace("plural=(n != 1)", "plural=(n > 1)")
    for english, translated in (("Skip to content", "Aller au contenu"), ("September", "septembre")):
        french = french.replace(f'msgid "{english}"\nmsgstr "{english}"', f'msgid "{english}"\nmsgstr "{translated}"')
    french = french.replace('msgstr[0] "%(num)s session"\nmsgstr[1] "%(num)s sessions"',
                            'msgstr[0] "%(num)s séance"\nmsgstr[1] "%(num)s séances"')
    (locales / "fr.po").write_text(french, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES", locales)
    i18n.catalogue.cache_clear()
    try:
        archive.write("site.yaml", "title: Archive\nlanguage: fr\nsearch: false\n")
        archive.write("sessions/a.md", session_md("Première", "2024-09-05", "Texte.",
                                                  speakers="\n  - name: Anne Exemple"))
        assert archive.build() == 0, capsys.readouterr().err
        page = archive.page("sessions/a/")
        assert '<html lang="fr">' in page and "Aller au contenu" in page and "5\u00a0septembre\u00a02024" in page  # h13: no line break inside a date
        assert "1 séance" in archive.page("people/")
        assert i18n.catalogue("fr").ngettext("%(num)s session", "%(num)s sessions", 0) == "%(num)s séance"  # n > 1
    finally:
        i18n.catalogue.cache_clear()
