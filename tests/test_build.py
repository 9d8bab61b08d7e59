"""What a reader finds in a built archive: pages, links between them, slugs, escaping, drafts, media.

Each test builds a small archive in tmp_path with the real command and reads the HTML it wrote.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from support import TEMPLATES, Archive, epoch, session_md, tree_snapshot, picture_bytes
from test_links import broken_links


def _order(html: str, *needles: str) -> list[int]:
    """Positions of the needles in the page; fails when one is missing."""
    positions = []
    for needle in needles:
        assert needle in html, f"{needle!r} not on the page"
        positions.append(html.index(needle))
    return positions


def _series(archive: Archive) -> None:
    """Three sessions of one series (written out of order), one of another, an announcement."""
    archive.write("site.yaml", "title: Testarchiv\nseries: Smarter Kaffee\n")
    archive.write("media/runde.png", picture_bytes())
    archive.write("sessions/b.md", session_md(
        "Zweite Runde", "2024-10-10", number=2, topics="[Open Data]",
        summary="Die zweite Runde in einem Satz.",
        speakers="[{name: Anna Schmidt, org: Landkreis Nord}]"))
    archive.write("sessions/a.md", session_md(
        "Erste Runde", "2024-09-05", number=1, topics="[Verstetigung, Open Data]",
        speakers="[{name: Anna Schmidt, org: Landkreis Nord}, {name: Bernd Maier, org: Prognos AG}]",
        image="{src: media/runde.png, alt: Vier Gesichter in einer Videokonferenz}",
        next="{date: 2024-10-10, title: Zweite Runde}",
        body="Der erste Absatz fasst zusammen.\n\nDer zweite Absatz nicht."))
    archive.write("sessions/2025/c.md", session_md(
        "Dritte Runde", "2025-01-16", number=3, topics="[Verstetigung]",
        next="{date: 2025-02-13, title: Vierte Runde}"))
    archive.write("sessions/werkstatt.md", session_md(
        "Werkstatt Daten", "2024-11-01", series="Datenwerkstatt", number=1))
    archive.write("topics/verstetigung.md",
                  "---\ntitle: Verstetigung\nsummary: Wie Wissen bleibt.\n---\nDie lange Beschreibung.\n")
    archive.write("pages/impressum.md", "---\ntitle: Impressum\n---\nVerantwortlich ist niemand.\n")


# --- pages and content ---------------------------------------------------------------------

def test_index_lists_sessions_newest_first_with_their_facts(archive: Archive):
    _series(archive)
    assert archive.build() == 0
    html = archive.page("")
    dritte, werkstatt, zweite, erste = _order(
        html, ">Dritte Runde<", ">Werkstatt Daten<", ">Zweite Runde<", ">Erste Runde<")
    assert dritte < werkstatt < zweite < erste
    item = html[zweite:erste]
    assert "10.\u00a0Oktober\u00a02024" in item and "Nr.\u00a02" in item and "Die zweite Runde in einem Satz." in item
    assert 'href="/themen/open-data/"' in item
    # without a summary, the first paragraph stands in
    assert "Der erste Absatz fasst zusammen." in html[erste:]
    assert "Der zweite Absatz nicht." not in html


def test_index_announces_the_upcoming_session_on_top(archive: Archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-01-20"))  # after the third report, before the fourth
    _series(archive)
    assert archive.build() == 0
    html = archive.page("")
    announced, first_session = _order(html, "13.\u00a0Februar\u00a02025", ">Dritte Runde<")
    assert announced < first_session
    assert "Vierte Runde" in html[announced:first_session]
    # 10 October already has its report: it is no longer upcoming
    assert "Nächster Termin" in html and html.count("Nächster Termin") == 1


def test_session_page_shows_date_series_speakers_topics_and_image(archive: Archive):
    _series(archive)
    assert archive.build() == 0
    html = archive.page("sitzungen/a/")
    assert "<h1>Erste Runde</h1>" in html and '<html lang="de">' in html
    assert "5.\u00a0September\u00a02024" in html and 'datetime="2024-09-05"' in html
    assert "Smarter Kaffee Nr.\u00a01" in html
    assert '<a href="/personen/anna-schmidt/">Anna Schmidt</a>' in html
    assert '<a href="/organisationen/landkreis-nord/">Landkreis Nord</a>' in html
    assert '<a href="/personen/bernd-maier/">Bernd Maier</a>' in html
    assert '<a href="/organisationen/prognos-ag/">Prognos AG</a>' in html
    assert '<a href="/themen/verstetigung/">Verstetigung</a>' in html
    assert '<a href="/themen/open-data/">Open Data</a>' in html
    assert re.search(r'<figure class="lead"><picture><source type="image/webp" srcset="/media/runde-8\.\w+\.webp 8w"'
                     r'.*<img src="/media/runde-8\.\w+\.png" width="8" height="6" '
                     r'alt="Vier Gesichter in einer Videokonferenz" decoding="async"></picture></figure>', html)
    assert "Der zweite Absatz nicht." in html


def test_session_page_links_previous_and_next_of_its_own_series(archive: Archive):
    _series(archive)
    assert archive.build() == 0
    middle = archive.page("sitzungen/b/")
    assert re.search(r'href="/sitzungen/a/" rel="prev">.*Erste Runde', middle)
    assert re.search(r'href="/sitzungen/c/" rel="next">.*Dritte Runde', middle)
    # the Datenwerkstatt session lies between them in time but belongs to another series
    assert 'href="/sitzungen/werkstatt/" rel=' not in middle
    first, last = archive.page("sitzungen/a/"), archive.page("sitzungen/c/")
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert 'rel="prev"' not in archive.page("sitzungen/werkstatt/")


def test_announcement_links_its_report_once_the_report_exists(archive: Archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-01-20"))
    _series(archive)
    assert archive.build() == 0
    announcing = archive.page("sitzungen/a/")
    # the report is the series' next session: the navigation links it, once; no second box
    assert '<section class="announcement"' not in announcing
    above_related = announcing.split('<section aria-labelledby="verwandt">')[0]
    assert above_related.count('href="/sitzungen/b/"') == 1 and 'rel="next"' in above_related
    pending = _section(announcement=archive.page("sitzungen/c/"))
    assert "13.\u00a0Februar\u00a02025" in pending and "Vierte Runde" in pending
    # no report to link yet: the one link is the announced event's own calendar file
    assert re.findall(r'<a [^>]*href="([^"]*)"', pending) == ["/sitzungen/c/termin-2025-02-13.ics"]


def test_announcement_is_plain_text_before_the_report_is_written(archive: Archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2024-09-20"))
    _series(archive)
    (archive.content / "sessions/b.md").unlink()
    (archive.content / "sessions/2025/c.md").unlink()  # a later report would make it past news
    assert archive.build() == 0
    pending = _section(announcement=archive.page("sitzungen/a/"))
    assert "10.\u00a0Oktober\u00a02024" in pending and "Zweite Runde" in pending
    assert re.findall(r'<a [^>]*href="([^"]*)"', pending) == ["/sitzungen/a/termin-2024-10-10.ics"]


def _section(announcement: str) -> str:
    match = re.search(r'<section class="announcement".*?</section>', announcement, re.S)
    assert match, "no announcement on the page"
    return match.group(0)


def test_archive_page_groups_sessions_by_year(archive: Archive):
    _series(archive)
    assert archive.build() == 0
    html = archive.page("sitzungen/")
    y2025, dritte, y2024, werkstatt, erste = _order(
        html, ">2025</a></h2>", ">Dritte Runde<", ">2024</a></h2>", ">Werkstatt Daten<", ">Erste Runde<")
    assert y2025 < dritte < y2024 < werkstatt < erste


def test_topic_index_counts_sessions_and_topic_page_lists_them_newest_first(archive: Archive):
    _series(archive)
    assert archive.build() == 0
    index = archive.page("themen/")
    assert re.search(r'href="/themen/open-data/">Open Data</a> <span class="count wraps">besprochen in 2\u00a0Sitzungen', index)
    assert re.search(r'href="/themen/verstetigung/">Verstetigung</a> <span class="count wraps">besprochen in 2\u00a0Sitzungen', index)
    topic = archive.page("themen/verstetigung/")
    assert "<h1>Verstetigung</h1>" in topic and "Wie Wissen bleibt." in topic and "Die lange Beschreibung." in topic
    dritte, erste = _order(topic, ">Dritte Runde<", ">Erste Runde<")
    assert dritte < erste
    assert ">Zweite Runde<" not in topic


def test_a_topic_without_a_file_gets_a_page(archive: Archive):
    _series(archive)
    assert archive.build() == 0
    html = archive.page("themen/open-data/")
    assert "<h1>Open Data</h1>" in html
    zweite, erste = _order(html, ">Zweite Runde<", ">Erste Runde<")
    assert zweite < erste


def test_person_and_organisation_pages_list_their_sessions(archive: Archive):
    _series(archive)
    assert archive.build() == 0
    person = archive.page("personen/anna-schmidt/")
    assert "<h1>Anna Schmidt</h1>" in person and 'href="/organisationen/landkreis-nord/"' in person
    zweite, erste = _order(person, ">Zweite Runde<", ">Erste Runde<")
    assert zweite < erste
    org = archive.page("organisationen/prognos-ag/")
    assert 'href="/personen/bernd-maier/"' in org and ">Erste Runde<" in org and ">Zweite Runde<" not in org


def test_pages_become_folders_of_their_own(archive: Archive):
    _series(archive)
    archive.write("pages/ueber-uns.md", "---\ntitle: Über uns\nslug: wir\n---\nWir trinken Kaffee.\n")
    assert archive.build() == 0
    assert "<h1>Impressum</h1>" in archive.page("impressum/")
    assert "Wir trinken Kaffee." in archive.page("wir/")
    assert 'href="/impressum/"' in archive.page("")  # reachable from every page


def test_unknown_front_matter_keys_are_no_error(archive: Archive):
    archive.write("sessions/x.md", session_md(ort="Online", teilnehmende=42))
    assert archive.build() == 0


# --- slugs with umlauts -------------------------------------------------------------------

def test_umlauts_become_ascii_in_every_slug(archive: Archive):
    archive.write("sessions/Fördermittel für Straßen.md", session_md(
        "Geld", topics="[Bürgerbeteiligung]", speakers="[{name: Jörg Weiß, org: Landkreis Göttingen-Süd}]"))
    assert archive.build() == 0
    out = archive.output
    for path in ("sitzungen/foerdermittel-fuer-strassen", "personen/joerg-weiss",
                 "organisationen/landkreis-goettingen-sued", "themen/buergerbeteiligung"):
        assert (out / path / "index.html").is_file(), path
    html = archive.page("sitzungen/foerdermittel-fuer-strassen/")
    assert ">Jörg Weiß</a>" in html and ">Landkreis Göttingen-Süd</a>" in html and ">Bürgerbeteiligung</a>" in html


def test_an_explicit_slug_wins_over_the_file_name(archive: Archive):
    archive.write("sessions/lang-und-umständlich.md", session_md(slug="kurz"))
    assert archive.build() == 0
    assert (archive.output / "sitzungen/kurz/index.html").is_file()
    assert not (archive.output / "sitzungen/lang-und-umstaendlich").exists()


# --- escaping ------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(1)>'


def _hostile_archive(archive: Archive) -> None:
    def q(text: str) -> str:  # a YAML single-quoted scalar
        return "'" + text.replace("'", "''") + "'"

    archive.write("site.yaml", f"title: {q(SCRIPT + ' Archiv')}\ndescription: {q(ATTR + ' Beschreibung')}\n")
    archive.write("media/x.png", picture_bytes())
    archive.write("topics/boese.md", f"---\ntitle: {q(SCRIPT + ' Datei')}\nsummary: {q(ATTR)}\n"
                                     f"aliases: [{q(SCRIPT + ' Alias')}]\n---\nBeschreibung {SCRIPT}\n")
    archive.write("pages/boese.md", f"---\ntitle: {q(SCRIPT + ' Seite')}\nsummary: {q(ATTR)}\n---\n{SCRIPT}\n")
    archive.write("sessions/boese.md", session_md(
        q(SCRIPT), "2024-09-05", number=1, summary=q(ATTR), series=q(SCRIPT + " Reihe"),
        topics=f"[{q(SCRIPT + ' Thema')}, {q(SCRIPT + ' Alias')}]",
        speakers=f"[{{name: {q(SCRIPT + ' Name')}, org: {q(ATTR + ' Org')}}}]",
        image=f"{{src: media/x.png, alt: {q(ATTR)}}}",
        next=f"{{date: 2024-10-10, title: {q(SCRIPT)}}}",
        body=f"Roh im Text: {SCRIPT} und <b onclick=x>fett</b>\n\n<div>{ATTR}</div>\n"))
    archive.write("sessions/nett.md", session_md("Nett", "2024-08-01", number=2, topics=f"[{q(SCRIPT + ' Thema')}]"))


def test_hostile_front_matter_and_body_never_reach_the_html_unescaped(archive: Archive):
    _hostile_archive(archive)
    assert archive.build() == 0
    html_files = sorted(archive.output.rglob("*.html"))
    for path in html_files:
        html = path.read_text(encoding="utf-8")
        # the theme's own script elements carry attributes (JSON-LD, the search page); content's never do
        for raw in ("<script>", "<img src=x", "onerror=alert(1)>", "<b onclick", "<div>\"><img"):
            assert raw not in html, f"{path.relative_to(archive.output)} contains {raw!r}"


@pytest.mark.parametrize("url_path, shown", [
    ("", [SCRIPT, ATTR, SCRIPT + " Thema", SCRIPT + " Archiv", ATTR + " Beschreibung", SCRIPT + " Reihe",
          SCRIPT + " Seite"]),
    ("sitzungen/boese/", [SCRIPT, ATTR, SCRIPT + " Name", ATTR + " Org", SCRIPT + " Thema", SCRIPT + " Reihe",
                          SCRIPT + " Datei"]),
    ("themen/boese/", [SCRIPT + " Datei", ATTR, SCRIPT + " Alias", SCRIPT]),
    ("boese/", [SCRIPT + " Seite", ATTR, SCRIPT]),
    ("sitzungen/", [SCRIPT]),
    ("themen/", [SCRIPT + " Thema"]),
    ("themen/script-alert-1-script-thema/", [SCRIPT + " Thema", SCRIPT, ATTR]),
    ("personen/script-alert-1-script-name/", [SCRIPT + " Name", ATTR + " Org", SCRIPT]),
    ("organisationen/img-src-x-onerror-alert-1-org/", [ATTR + " Org", SCRIPT + " Name", SCRIPT]),
])
def test_hostile_names_appear_escaped_where_they_are_shown(archive: Archive, url_path: str, shown: list[str]):
    _hostile_archive(archive)
    assert archive.build() == 0
    html = archive.page(url_path)
    for text in shown:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
        assert escaped in html, f"{text!r} not shown escaped on {url_path or 'index'}"


def test_raw_html_in_the_body_is_shown_as_text(archive: Archive):
    _hostile_archive(archive)
    assert archive.build() == 0
    html = archive.page("sitzungen/boese/")
    assert "Roh im Text: &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b onclick=x&gt;fett&lt;/b&gt;" in html
    assert 'alt="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in html


# --- drafts --------------------------------------------------------------------------------

def _with_draft(archive: Archive) -> None:
    archive.write("sessions/fertig.md", session_md(
        "Fertig", "2024-09-05", topics="[Open Data]", speakers="[{name: Anna Schmidt, org: Kreis}]"))
    archive.write("sessions/entwurf.md", session_md(
        "Halbfertiger Entwurf", "2024-10-10", draft="true", topics="[Open Data]",
        speakers="[{name: Anna Schmidt, org: Kreis}, {name: Nur Im Entwurf}]"))


def test_drafts_are_left_out_by_default(archive: Archive):
    _with_draft(archive)
    assert archive.build() == 0
    assert not (archive.output / "sitzungen/entwurf").exists()
    assert not (archive.output / "personen/nur-im-entwurf").exists()
    for path in archive.output.rglob("*.html"):
        assert "Halbfertiger Entwurf" not in path.read_text(encoding="utf-8"), path
    assert ">Fertig<" in archive.page("themen/open-data/")
    assert broken_links(archive.output) == []


def test_drafts_are_built_with_the_drafts_option(archive: Archive):
    _with_draft(archive)
    assert archive.build("--drafts") == 0
    assert "<h1>Halbfertiger Entwurf</h1>" in archive.page("sitzungen/entwurf/")
    for url_path in ("", "themen/open-data/", "personen/anna-schmidt/", "sitzungen/"):
        assert "Halbfertiger Entwurf" in archive.page(url_path), url_path
    assert (archive.output / "personen/nur-im-entwurf/index.html").is_file()


def test_draft_false_is_published(archive: Archive):
    archive.write("sessions/x.md", session_md("Veröffentlicht", draft="false"))
    assert archive.build() == 0
    assert "Veröffentlicht" in archive.page("sitzungen/x/")


# --- media ---------------------------------------------------------------------------------

def test_media_files_are_copied_unchanged_with_their_folders(archive: Archive):
    files = {
        "media/logo.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>\n",
        "media/2024/september/daten.csv": b"a;b\r\n1;2\x00\r\n",
        "media/dokumente/Handout Ü.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    }
    for rel, data in files.items():
        archive.write(rel, data)
    # raster pictures are never published as they are (they may carry a GPS position: images/)
    archive.write("media/2024/september/foto.jpg", picture_bytes("JPEG"))
    archive.write("sessions/x.md", session_md())
    assert archive.build() == 0
    for rel, data in files.items():
        assert (archive.output / rel).read_bytes() == data, rel
    assert not (archive.output / "media/2024/september/foto.jpg").exists()


@pytest.mark.parametrize("src", ["media/bilder/foto.png", "/media/bilder/foto.png"])
def test_image_src_with_or_without_leading_slash(archive: Archive, src: str):
    archive.write("site.yaml", "base_url: https://example.org/kaffee/\n")
    archive.write("media/bilder/foto.png", picture_bytes())
    archive.write("sessions/x.md", session_md(image=f"{{src: {src}, alt: Ein Foto}}"))
    assert archive.build() == 0
    assert re.search(r'<img src="/kaffee/media/bilder/foto-8\.\w+\.png" width="8" height="6" alt="Ein Foto"',
                     archive.page("sitzungen/x/"))
    assert broken_links(archive.output, "/kaffee/", "https://example.org") == []


# --- rebuilds ------------------------------------------------------------------------------

def test_a_removed_session_disappears_on_the_next_build(archive: Archive):
    archive.write("sessions/bleibt.md", session_md("Bleibt", speakers="[{name: Anna Schmidt}]"))
    gone = archive.write("sessions/weg.md", session_md("Weg", "2024-10-10", topics="[Nur hier]",
                                                       speakers="[{name: Bernd Weg}]"))
    assert archive.build() == 0
    assert (archive.output / "sitzungen/weg/index.html").is_file()
    gone.unlink()
    assert archive.build() == 0
    for stale in ("sitzungen/weg", "themen/nur-hier", "personen/bernd-weg"):
        assert not (archive.output / stale).exists(), stale
    assert "Weg" not in archive.page("")
    assert broken_links(archive.output) == []


def test_unchanged_files_are_not_rewritten(archive: Archive):
    archive.write("sessions/a.md", session_md("A", "2024-09-05"))
    archive.write("sessions/b.md", session_md("B", "2024-10-10"))
    assert archive.build() == 0
    long_ago = 1_000_000_000
    for path in archive.output.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    archive.write("sessions/b.md", session_md("B", "2024-10-10", body="Ein neuer Absatz."))
    assert archive.build() == 0
    assert (archive.output / "sitzungen/a/index.html").stat().st_mtime == long_ago
    assert (archive.output / "static/style.css").stat().st_mtime == long_ago
    assert (archive.output / "sitzungen/b/index.html").stat().st_mtime != long_ago


def test_rebuilding_the_same_content_changes_nothing(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md())
    assert archive.build() == 0
    before = tree_snapshot(archive.output)
    capsys.readouterr()
    assert archive.build() == 0
    assert tree_snapshot(archive.output) == before
    assert "(0 written" in capsys.readouterr().out


def test_the_summary_line_counts_pages_and_time(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md())
    assert archive.build() == 0
    out = capsys.readouterr().out.strip()
    assert re.fullmatch(r"built \d+ files into .+ \(\d+ written, 0 unchanged, 0 removed\) in \d+\.\d\d s"
                        r", search index \d+\.\d\d s", out), out  # search is on by default, timed apart


def test_the_output_folder_is_created_with_its_parents(archive: Archive):
    archive.write("sessions/a.md", session_md())
    deep = archive.root / "a" / "b" / "site"
    from kaffee_site.cli import main
    assert main(["build", "--content", str(archive.content), "--output", str(deep),
                 "--templates", str(Path(__file__).parent.parent / "templates")]) == 0
    assert (deep / "index.html").is_file()


def test_a_one_off_build_keeps_neither_the_files_text_nor_copies_of_the_model(archive: Archive):
    """--no-cache reads every file once: after linking, the raw text of the files is let go and
    no memory store holds a second copy of each session and body (the memory of a big archive).
    A cached build keeps both, for its next run."""
    from kaffee_site.engine import Engine
    from kaffee_site.options import BuildOptions

    archive.write("site.yaml", "title: Test\nsearch: false\n")
    archive.write("sessions/2024-09-05-a.md", session_md("Eins", "2024-09-05", "Ein Text über nichts."))
    one_off = Engine(BuildOptions(archive.content, archive.output, TEMPLATES, cache=False))
    checked, _, _ = one_off.run()
    assert checked.content is None and one_off.sources.doc("sessions/2024-09-05-a.md") is None
    assert not one_off.cache.memo.count("session") and not one_off.cache.memo.count("body")
    assert "Ein Text über nichts." in archive.page("sitzungen/2024-09-05-a/")
    cached = Engine(BuildOptions(archive.content, archive.output, TEMPLATES, cache=True))
    checked, _, _ = cached.run()
    assert checked.content is not None and cached.sources.doc("sessions/2024-09-05-a.md") is not None
    assert cached.cache.memo.count("session") and cached.cache.memo.count("body")


def test_bodies_are_held_as_utf8_and_shown_as_written(archive: Archive):
    """German text is never pure ASCII, so a Python str of it takes two bytes a character:
    the Site holds every body as UTF-8 instead, and pages and feeds show the same text."""
    from kaffee_site.engine import load_site
    from kaffee_site.options import BuildOptions

    archive.write("site.yaml", "title: Test\nsearch: false\n")
    archive.write("sessions/2024-09-05-a.md", session_md("Eins", "2024-09-05", "Grüße aus Görlitz – 😀 und <b>."))
    body = load_site(BuildOptions(archive.content, archive.output, TEMPLATES)).site.sessions[0].body
    assert type(body.utf8) is bytes and body.html == "<p>Grüße aus Görlitz – 😀 und &lt;b&gt;.</p>\n"
    assert len(body.utf8) < sys.getsizeof(body.html) - sys.getsizeof("")
    assert archive.run("build").returncode == 0
    assert body.html in archive.page("sitzungen/2024-09-05-a/")
    assert "Grüße aus Görlitz – 😀 und &amp;lt;b&amp;gt;." in (archive.output / "feed.xml").read_text()
