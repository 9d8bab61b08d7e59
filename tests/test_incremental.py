"""A warm engine's rebuilds (what `serve` does on a save) give exactly what a clean build gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kaffee_site.commands.build import build
from kaffee_site.engine import Engine
from kaffee_site.options import BuildOptions
from clean_builds import clean_bytes
from support import TEMPLATES, Archive, session_md, tree_snapshot

SITE = "title: Testarchiv\nbase_url: https://example.org/kaffee/\nsearch: false\npage_size: 3\n"


def speakers(*people: tuple[str, str]) -> str:
    return "".join(f"\n  - name: {name}\n    org: {org}" for name, org in people)


def session(title: str, day: str, number: int, topics: str, body: str = "Ein Bericht.", **front) -> str:
    return session_md(title, day, body=body, number=number, topics=topics, **front)


@pytest.fixture
def setup(archive: Archive, tmp_path: Path):
    theme = tmp_path / "theme"
    shutil.copytree(TEMPLATES, theme)
    archive.write("site.yaml", SITE)
    archive.write("topics/open-data.md", "---\ntitle: Open Data\naliases: [Offene Daten]\n---\nDaten für alle.\n")
    archive.write("topics/verstetigung.md", "---\ntitle: Verstetigung\n---\nWas bleibt.\n")
    archive.write("pages/impressum.md", "---\ntitle: Impressum\n---\nWer wir sind.\n")
    archive.write("media/bild.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    archive.write("sessions/2024/2024-05-16-auftakt.md", session(
        "Auftakt", "2024-05-16", 1, "[Open Data]", "Wir sprachen über Offene Daten und Verstetigung.",
        speakers=speakers(("Anna Alt", "Kreis A"), ("Bernd Bau", "Kreis B"))))
    archive.write("sessions/2024/2024-06-13-foerdermittel.md", session(
        "Fördermittel", "2024-06-13", 2, "[Verstetigung, Fördermittel]", "Siehe [[2024-05-16-auftakt]].",
        speakers=speakers(("Anna Alt", "Kreis A"))))
    archive.write("sessions/2024/2024-07-11-digitallotsen.md", session(
        "Digitallotsen", "2024-07-11", 3, "[Open Data, Digitallotsen]", "Lotsen helfen.",
        next="\n  date: 2024-09-05\n  title: Verstetigung"))
    archive.write("sessions/2024/2024-09-05-verstetigung.md", session(
        "Verstetigung", "2024-09-05", 4, "[Verstetigung]", "Was bleibt, wenn Geld fehlt?",
        image="\n  src: media/bild.svg\n  alt: Ein Bild"))
    options = BuildOptions(archive.content, archive.output, theme)
    rebuilder = Engine(options, warm=True)
    first = rebuilder.rebuild()
    assert first.ok and first.full, first.problems
    return archive, rebuilder, theme


def assert_same_as_clean_build(archive: Archive, theme: Path, tmp_path: Path) -> None:
    def clean_build() -> dict[str, bytes]:
        clean = tmp_path / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        build(BuildOptions(archive.content, clean, theme))
        return tree_snapshot(clean)

    incremental, fresh = tree_snapshot(archive.output), clean_bytes(clean_build, archive.content, theme)
    assert sorted(incremental) == sorted(fresh)
    assert [path for path in fresh if incremental[path] != fresh[path]] == []


def step(rebuilder: Engine, *changed: Path):
    result = rebuilder.rebuild(changed)
    assert result.ok, [p.format() for p in result.problems]
    return result


def test_a_sequence_of_edits_gives_what_a_clean_build_gives(setup, tmp_path):
    archive, rebuilder, theme = setup
    assert_same_as_clean_build(archive, theme, tmp_path)
    s = archive.content / "sessions/2024"

    edits = [
        # body edit
        lambda: archive.write("sessions/2024/2024-07-11-digitallotsen.md", session(
            "Digitallotsen", "2024-07-11", 3, "[Open Data, Digitallotsen]", "Lotsen helfen vor Ort.",
            next="\n  date: 2024-09-05\n  title: Verstetigung")),
        # title edit: neighbours, topic pages, wikilinks, feeds show it
        lambda: archive.write("sessions/2024/2024-05-16-auftakt.md", session(
            "Der Auftakt", "2024-05-16", 1, "[Open Data]", "Wir sprachen über Offene Daten und Verstetigung.",
            speakers=speakers(("Anna Alt", "Kreis A"), ("Bernd Bau", "Kreis B")))),
        # a new session with a new topic and a new speaker: a new page of the index
        lambda: archive.write("sessions/2024/2024-10-10-neu.md", session(
            "Neu", "2024-10-10", 5, "[Künstliche Intelligenz, Open Data]", "KI im Kreis.",
            speakers=speakers(("Carla Chen", "Kreis C")))),
        # a speaker changes organisation
        lambda: archive.write("sessions/2024/2024-06-13-foerdermittel.md", session(
            "Fördermittel", "2024-06-13", 2, "[Verstetigung, Fördermittel]", "Siehe [[2024-05-16-auftakt]] und [[Der Auftakt|dort]].",
            speakers=speakers(("Anna Alt", "Kreis Z")))),
        # a topic file: new title, new alias, a redirect from the old slug
        lambda: archive.write("topics/open-data.md",
                              "---\ntitle: Offene Verwaltungsdaten\naliases: [Open Data, Offene Daten]\n---\nDaten.\n"),
        # a page title: every page's footer shows it
        lambda: archive.write("pages/impressum.md", "---\ntitle: Impressum und Kontakt\n---\nWer wir sind.\n"),
        # a date change reorders the series
        lambda: archive.write("sessions/2024/2024-09-05-verstetigung.md", session(
            "Verstetigung", "2024-04-01", 4, "[Verstetigung]", "Was bleibt, wenn Geld fehlt?",
            image="\n  src: media/bild.svg\n  alt: Ein Bild")),
        # a rename: the old page goes, the new one comes
        lambda: (s / "2024-10-10-neu.md").rename(s / "2024-10-10-ki.md"),
        # a delete
        lambda: (s / "2024-07-11-digitallotsen.md").unlink(),
        # media: one more, one less
        lambda: archive.write("media/zwei.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>"),
        lambda: (archive.content / "media/zwei.svg").unlink(),
        # a new page and a new topic file
        lambda: archive.write("pages/kontakt.md", "---\ntitle: Kontakt\n---\nSchreiben Sie uns.\n"),
        lambda: archive.write("topics/kuenstliche-intelligenz.md", "---\ntitle: Künstliche Intelligenz\n---\nKI.\n"),
    ]
    for edit in edits:
        edit()
        result = step(rebuilder)
        assert not result.full
        assert_same_as_clean_build(archive, theme, tmp_path)


def test_a_body_edit_rewrites_its_own_page_first_and_leaves_unrelated_pages_alone(setup, tmp_path):
    archive, rebuilder, theme = setup
    page = archive.output / "sitzungen/2024-09-05-verstetigung/index.html"
    unrelated = archive.output / "sitzungen/2024-05-16-auftakt/index.html"
    before = unrelated.stat().st_mtime_ns
    path = archive.write("sessions/2024/2024-09-05-verstetigung.md", session(
        "Verstetigung", "2024-09-05", 4, "[Verstetigung]", "Was bleibt? Eine neue Antwort.",
        image="\n  src: media/bild.svg\n  alt: Ein Bild"))
    result = step(rebuilder, path)
    assert result.written[0] == "sitzungen/2024-09-05-verstetigung/index.html"
    assert "Eine neue Antwort" in page.read_text(encoding="utf-8")
    assert "sitzungen/2024-05-16-auftakt/index.html" not in result.written
    assert unrelated.stat().st_mtime_ns == before
    assert_same_as_clean_build(archive, theme, tmp_path)


def test_serve_renders_only_the_outputs_that_show_what_changed(setup, tmp_path):
    """A body edit renders the page, its termin.ics and the site feed (the full text) again,
    not the topic, person or neighbour pages that list the session; a title edit renders those
    too and writes every one whose bytes changed."""
    archive, rebuilder, theme = setup
    body = "Was bleibt, wenn Geld fehlt?\n\nEin zweiter Absatz."
    path = archive.write("sessions/2024/2024-09-05-verstetigung.md", session(
        "Verstetigung", "2024-09-05", 4, "[Verstetigung]", body, image="\n  src: media/bild.svg\n  alt: Ein Bild"))
    result = step(rebuilder, path)
    stats = rebuilder.cache.stats
    assert stats["pages_total"] - stats["pages"] == 3
    assert sorted(result.written) == ["feed.xml", "sitzungen/2024-09-05-verstetigung/index.html"]
    assert_same_as_clean_build(archive, theme, tmp_path)
    archive.write("sessions/2024/2024-09-05-verstetigung.md", session(
        "Was bleibt", "2024-09-05", 4, "[Verstetigung]", body, image="\n  src: media/bild.svg\n  alt: Ein Bild"))
    result = step(rebuilder, path)
    rendered = rebuilder.cache.stats["pages_total"] - rebuilder.cache.stats["pages"]
    assert {"themen/verstetigung/index.html", "sitzungen/2024-07-11-digitallotsen/index.html", "index.html",
            "termine.ics", "daten/sessions.json"} <= set(result.written)
    assert "themen/open-data/index.html" not in result.written
    assert len(result.written) <= rendered < stats["pages_total"] // 2
    assert_same_as_clean_build(archive, theme, tmp_path)


def test_a_body_edit_relinks_that_session_alone_and_anything_else_links_all(setup, tmp_path):
    """A save that changes a session's text and not its front matter or mentions relinks that
    one record (relink.py), a new mention too (with the topic it mentions); a changed field links
    every file again.
    After each the output is what a clean build gives."""
    archive, rebuilder, theme = setup
    files = rebuilder.cache.stats["linked"]
    assert files == 7  # every Markdown file: four sessions, two topics, one page
    rel = "sessions/2024/2024-07-11-digitallotsen.md"
    front = dict(next="\n  date: 2024-09-05\n  title: Verstetigung")
    path = archive.write(rel, session("Digitallotsen", "2024-07-11", 3, "[Open Data, Digitallotsen]",
                                      "Lotsen helfen, [[Impressum]] ausgenommen.", **front))
    step(rebuilder, path)
    assert rebuilder.cache.stats["linked"] == 1
    assert "Impressum" in (archive.output / "sitzungen/2024-07-11-digitallotsen/index.html").read_text("utf-8")
    assert_same_as_clean_build(archive, theme, tmp_path)
    path = archive.write(rel, session("Digitallotsen", "2024-07-11", 3, "[Open Data, Digitallotsen]",
                                      "Lotsen helfen mit Verstetigung.", **front))  # a new mention: a topic page changes
    result = step(rebuilder, path)
    assert rebuilder.cache.stats["linked"] == 1
    assert "themen/verstetigung/index.html" in result.written
    assert "Lotsen helfen mit" in (archive.output / "themen/verstetigung/index.html").read_text("utf-8")
    assert_same_as_clean_build(archive, theme, tmp_path)
    path = archive.write(rel, session("Digitallotsen", "2024-07-11", 3, "[Open Data]",
                                      "Lotsen helfen mit Verstetigung.", **front))  # a field
    step(rebuilder, path)
    assert rebuilder.cache.stats["linked"] == files
    assert_same_as_clean_build(archive, theme, tmp_path)
    path = archive.write(rel, session("Digitallotsen", "2024-07-11", 3, "[Open Data]",
                                      "Lotsen helfen mit Verstetigung. Und [[Nirgendwo]].", **front))
    result = rebuilder.rebuild([path])  # a body's problem (a broken link) comes and goes with its body
    assert rebuilder.cache.stats["linked"] == 1 and not result.ok
    assert [p.message for p in result.problems if "Nirgendwo" in p.message]
    path = archive.write(rel, session("Digitallotsen", "2024-07-11", 3, "[Open Data]",
                                      "Lotsen helfen mit Verstetigung.", **front))
    result = step(rebuilder, path)
    assert rebuilder.cache.stats["linked"] == 1
    assert not [p.message for p in result.problems if "Nirgendwo" in p.message]
    assert_same_as_clean_build(archive, theme, tmp_path)


def test_a_template_edit_rewrites_the_pages_made_with_it(setup, tmp_path):
    archive, rebuilder, theme = setup
    template = theme / "session.html"
    template.write_text(template.read_text(encoding="utf-8").replace("<h1>", "<h1 class=\"neu\">"), encoding="utf-8")
    result = step(rebuilder, template)
    assert not result.full
    assert rebuilder.cache.stats["linked"] == 0  # no content file changed: the last Site stands (relink.py)
    assert sorted(result.written) == sorted(f"sitzungen/{slug}/index.html" for slug in (
        "2024-05-16-auftakt", "2024-06-13-foerdermittel", "2024-07-11-digitallotsen", "2024-09-05-verstetigung"))
    assert '<h1 class="neu">' in (archive.output / "sitzungen/2024-05-16-auftakt/index.html").read_text()
    assert_same_as_clean_build(archive, theme, tmp_path)


def test_a_site_yaml_edit_reaches_every_page(setup, tmp_path):
    archive, rebuilder, theme = setup
    archive.write("site.yaml", SITE.replace("page_size: 3", "page_size: 2").replace("Testarchiv", "Neues Archiv"))
    result = step(rebuilder)
    assert "Neues Archiv" in archive.page("impressum/")
    assert len(result.written) > 20
    assert_same_as_clean_build(archive, theme, tmp_path)


def test_a_custom_theme_showing_every_session_on_person_pages_stays_right(setup, tmp_path):
    """The case of issue 10: a person page that shows a count of all sessions. Nothing declares
    that; the engine saw the page read `site.sessions`, so a session added anywhere renders it."""
    archive, rebuilder, theme = setup
    person = theme / "person.html"
    person.write_text(person.read_text(encoding="utf-8").replace(
        "{% block main %}", "{% block main %}<p class=\"alle\">{{ site.sessions | length }} Sitzungen</p>"),
        encoding="utf-8")
    step(rebuilder, person)
    page = "personen/bernd-bau/"
    assert '<p class="alle">4 Sitzungen</p>' in archive.page(page)
    archive.write("sessions/andere/2024-10-01-andere-reihe.md", session(
        "Andere Reihe", "2024-10-01", 1, "[Verstetigung]", series="Andere Reihe"))
    result = step(rebuilder)
    assert f"{page}index.html" in result.written
    assert '<p class="alle">5 Sitzungen</p>' in archive.page(page)
    assert_same_as_clean_build(archive, theme, tmp_path)


def test_a_content_error_writes_nothing_and_the_fix_catches_up(setup, tmp_path):
    archive, rebuilder, theme = setup
    before = tree_snapshot(archive.output)
    broken = archive.write("sessions/2024/2024-05-16-auftakt.md", "---\ntitle: [kaputt\ndate: 2024-05-16\n---\nText\n")
    archive.write("pages/impressum.md", "---\ntitle: Impressum neu\n---\nWer wir sind.\n")
    result = rebuilder.rebuild([broken])
    assert not result.ok
    assert any(p.path == str(broken) and p.message.startswith("invalid YAML") for p in result.problems)
    assert tree_snapshot(archive.output) == before
    archive.write("sessions/2024/2024-05-16-auftakt.md", session("Auftakt repariert", "2024-05-16", 1, "[Open Data]"))
    step(rebuilder, broken)
    assert_same_as_clean_build(archive, theme, tmp_path)


def test_a_template_error_keeps_the_output_and_a_template_fix_during_a_content_error_is_not_lost(setup, tmp_path):
    archive, rebuilder, theme = setup
    before = tree_snapshot(archive.output)
    template = theme / "page.html"
    good = template.read_text(encoding="utf-8")
    template.write_text("{% extends 'base.html' %}\n{% block main %}{{ page.title }\n{% endblock %}\n", encoding="utf-8")
    result = rebuilder.rebuild([template])
    assert not result.ok
    assert any(p.path.endswith("page.html") and p.line == 2 for p in result.problems)
    assert tree_snapshot(archive.output) == before
    # the template is fixed while a content file is broken: the fix must still reach every page
    broken = archive.write("sessions/2024/2024-05-16-auftakt.md", "---\ntitle: [kaputt\n---\n")
    template.write_text(good.replace("<h1>", "<h1 class=\"seite\">"), encoding="utf-8")
    assert not rebuilder.rebuild([template, broken]).ok
    archive.write("sessions/2024/2024-05-16-auftakt.md", session("Auftakt", "2024-05-16", 1, "[Open Data]"))
    step(rebuilder, broken)
    assert '<h1 class="seite">' in (archive.output / "impressum/index.html").read_text(encoding="utf-8")
    assert_same_as_clean_build(archive, theme, tmp_path)


def test_an_unchanged_save_writes_nothing(setup):
    archive, rebuilder, _ = setup
    path = archive.content / "sessions/2024/2024-05-16-auftakt.md"
    path.write_bytes(path.read_bytes())
    result = step(rebuilder, path)
    assert result.written == ()


def test_an_interrupted_rebuild_writes_the_edited_page_and_the_next_one_catches_up(setup, tmp_path):
    archive, rebuilder, theme = setup
    index_before = (archive.output / "index.html").read_bytes()
    path = archive.write("sessions/2024/2024-09-05-verstetigung.md", session(
        "Verstetigung", "2024-09-05", 4, "[Verstetigung]", "Ganz neuer erster Absatz.",
        image="\n  src: media/bild.svg\n  alt: Ein Bild"))
    result = rebuilder.rebuild([path], interrupted=lambda: True)
    assert result.ok and result.interrupted
    assert result.written == ("sitzungen/2024-09-05-verstetigung/index.html",)
    assert "Ganz neuer erster Absatz." in archive.page("sitzungen/2024-09-05-verstetigung/")
    assert (archive.output / "index.html").read_bytes() == index_before  # its teaser comes later
    result = step(rebuilder, path)
    assert "index.html" in result.written
    assert "sitzungen/2024-09-05-verstetigung/index.html" not in result.written  # already right
    assert_same_as_clean_build(archive, theme, tmp_path)


def test_a_body_with_an_error_writes_nothing_not_even_its_own_page(setup):
    archive, rebuilder, _ = setup
    before = tree_snapshot(archive.output)
    path = archive.write("sessions/2024/2024-09-05-verstetigung.md", session(
        "Verstetigung", "2024-09-05", 4, "[Verstetigung]", "Siehe [[Gibt es nicht]].",
        image="\n  src: media/bild.svg\n  alt: Ein Bild"))
    assert rebuilder.rebuild([path], interrupted=lambda: True).written == ()
    assert tree_snapshot(archive.output) == before
    result = rebuilder.rebuild([path])
    assert not result.ok and "unknown link target 'Gibt es nicht'" in [p.message for p in result.problems]
    assert tree_snapshot(archive.output) == before


def test_a_look_without_changes_writes_nothing_and_keeps_the_warnings(setup):
    archive, rebuilder, _ = setup
    archive.write("sessions/2024/2024-11-14-warnung.md", session(
        "Warnung", "2024-11-14", 7, "[Verstetigung]", next="\n  date: 2024-11-01\n  title: Früher"))
    first = step(rebuilder)
    assert any("is not after this one" in p.message for p in first.problems)
    again = step(rebuilder)
    assert again.written == () and again.problems == first.problems


def test_quick_saves_with_interruptions_end_equal_to_a_clean_build(setup, tmp_path):
    archive, rebuilder, theme = setup
    for n in range(4):
        path = archive.write("sessions/2024/2024-06-13-foerdermittel.md", session(
            "Fördermittel", "2024-06-13", 2, "[Verstetigung, Fördermittel]", f"Fassung {n}: Open Data hilft.",
            speakers=speakers(("Anna Alt", "Kreis A"))))
        result = rebuilder.rebuild([path], interrupted=lambda: n % 2 == 0)
        assert result.ok and result.written[0] == "sitzungen/2024-06-13-foerdermittel/index.html"
        assert f"Fassung {n}:" in archive.page("sitzungen/2024-06-13-foerdermittel/")
    step(rebuilder)
    assert_same_as_clean_build(archive, theme, tmp_path)
