"""`kaffee-site import` from saved pages, text and Markdown files and standard input; batches,
--dry-run, --date, and the promises: never overwrite, never import a report twice, never read a
picture from outside a saved page's folder, keep the source's text literal in Markdown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from import_support import SEED, body_of, front_matter, jpeg, png, run_import, small_archive
from kaffee_site.content.schema import SESSION
from kaffee_site.importer.dates import dates_in, ordinal_value

TOPICS = {"verstetigung": "title: Verstetigung\nforms: [Verstetigen]",
          "open-data": "title: Open Data\naliases: [offene Daten]"}
ORGS = {"kreis-coesfeld": "name: Kreis Coesfeld\naliases: [Landkreis Coesfeld]", "prognos-ag": "name: Prognos AG"}

SAVED_PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Smarte.Land.Regionen | 9. Smarter Kaffee</title>
<link rel="canonical" href="https://example.org/berichte/kaffee-9">
</head><body>
<nav><a href="/">Start</a> · <a href="/programm">Programm</a></nav>
<article>
<h1>9. Smarter Kaffee</h1>
<p><img src="bericht_files/runde.png" alt="Foto: fünf Menschen in einer Videokonferenz"></p>
<p>Am 13. Februar 2025 ging es im neunten »Smarten Kaffee« um offene Daten. Anna Roth und Ben Weiss von der Prognos AG
stellten eine Umfrage vor; mehr dazu im <a href="/programm/umfrage">Programm</a>.</p>
<p>Carla Stein vom Landkreis Coesfeld berichtete vom neuen Portal für offene Daten, das alle Gemeinden nutzen.</p>
<p>Offene Daten brauchen Pflege: Darin waren sich alle einig, auch mit Blick auf Open Data in kleinen Gemeinden.</p>
<table><tr><th>Kreis</th><th>Datensätze</th></tr><tr><td>Coesfeld</td><td>42</td></tr><tr><td>A|B</td><td>7</td></tr></table>
<p>Dora Licht berichtete zum Schluss von den ersten Nutzerinnen und Nutzern des Portals.</p>
</article><footer>Impressum</footer></body></html>
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return small_archive(tmp_path / "content", topics=TOPICS, organisations=ORGS)


def saved_page(folder: Path, html: str = SAVED_PAGE) -> Path:
    (folder / "bericht_files").mkdir(parents=True, exist_ok=True)
    (folder / "bericht_files/runde.png").write_bytes(png(30, 20))
    path = folder / "bericht.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_a_saved_page_with_its_picture_beside_it(tmp_path, content, capsys):
    page = saved_page(tmp_path / "saved")
    code, out, err = run_import(capsys, content, str(page))
    assert code == 0, err
    path = content / "sessions/2025/2025-02-13-9-smarter-kaffee.md"
    meta = front_matter(path)
    assert (meta["title"], meta["date"], meta["number"]) == ("9. Smarter Kaffee", "2025-02-13", 9)
    assert meta["speakers"] == [{"name": "Anna Roth", "org": "Prognos AG"}, {"name": "Ben Weiss", "org": "Prognos AG"},
                                {"name": "Carla Stein", "org": "Kreis Coesfeld"}]  # Dora Licht: no organisation
    assert meta["topics"] == ["Open Data"]
    assert meta["image"] == {"src": "media/2025-02-13-9-smarter-kaffee.png",
                             "alt": "Foto: fünf Menschen in einer Videokonferenz"}
    assert (content / "media/2025-02-13-9-smarter-kaffee.png").read_bytes() == \
        (tmp_path / "saved/bericht_files/runde.png").read_bytes()
    body = body_of(path)
    assert "[Programm](https://example.org/programm/umfrage)" in body  # relative links through the canonical address
    assert "Impressum" not in body and "Start" not in body
    assert "| Kreis | Datensätze |\n|---|---|\n| Coesfeld | 42 |\n| A\\|B | 7 |" in body
    text = path.read_text(encoding="utf-8")
    assert "    org: Kreis Coesfeld\n" in text and "'Landkreis Coesfeld'" not in text  # the alias is the known org


def test_a_person_the_archive_knows_gets_their_organisation(tmp_path, content, capsys):
    (content / "sessions/2024").mkdir(parents=True)
    (content / "sessions/2024/2024-03-14-alt.md").write_text(
        "---\ntitle: Alt\ndate: 2024-03-14\nspeakers:\n  - name: Dora Licht\n    org: Prognos\n---\nText.\n",
        encoding="utf-8")
    page = saved_page(tmp_path / "saved")
    assert run_import(capsys, content, str(page))[0] == 0
    path = content / "sessions/2025/2025-02-13-9-smarter-kaffee.md"
    assert front_matter(path)["speakers"][-1] == {"name": "Dora Licht", "org": "Prognos AG"}
    assert f"  - name: Dora Licht  # from \"Dora Licht berichtete zum Schluss von den ersten Nutzerinnen und " \
        f"Nutzern des Portals.\"; known in the archive ({content / 'sessions/2024/2024-03-14-alt.md'}); " \
        "organisation from there" in path.read_text(encoding="utf-8")


def test_a_saved_page_cannot_reach_outside_its_folder(tmp_path, content, capsys):
    (tmp_path / "secret.png").write_bytes(png())
    page = saved_page(tmp_path / "saved", SAVED_PAGE.replace("bericht_files/runde.png", "../secret.png"))
    code, out, _ = run_import(capsys, content, str(page))
    assert code == 0
    assert not (content / "media").exists()
    assert "save the page's picture '../secret.png' as" in out


def test_text_from_standard_input(tmp_path, content):
    result = subprocess.run([sys.executable, "-m", "kaffee_site", "import", "-", "--content", str(content)],
                            input=SEED.read_bytes(), capture_output=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    path = content / "sessions/2024/2024-09-05-4-smarter-kaffee.md"
    assert f"[1/1] standard input -> {path}" in out
    meta = front_matter(path)
    assert (meta["date"], meta["number"], meta["next"]["date"]) == ("2024-09-05", 4, "2024-10-10")
    assert meta["speakers"][2] == {"name": "Frederik Ludwig", "org": "Kreis Coesfeld"}
    assert "# Imported with 'kaffee-site import' from standard input" in path.read_text(encoding="utf-8")


def test_a_markdown_file_keeps_its_markup(tmp_path, content, capsys):
    (tmp_path / "bilder").mkdir()
    (tmp_path / "bilder/tafel.jpg").write_bytes(jpeg())
    source = tmp_path / "bericht.md"
    source.write_text("# Smarter Kaffee Nr. 11: Verstetigen, aber wie?\n\n"
                      "![Eine Tafel mit Notizen](bilder/tafel.jpg)\n\n"
                      "Am 10. April 2025 fragte die Runde, wie **Verstetigung** gelingt.\n\n"
                      "### Ergebnisse\n\n- erstens\n- zweitens\n\n> Ein Zitat.\n", encoding="utf-8")
    code, _, err = run_import(capsys, content, str(source))
    assert code == 0, err
    path = content / "sessions/2025/2025-04-10-smarter-kaffee-nr-11-verstetigen-aber-wie.md"
    meta = front_matter(path)
    assert (meta["number"], meta["topics"], meta["image"]["alt"]) == (11, ["Verstetigung"], "Eine Tafel mit Notizen")
    assert (content / meta["image"]["src"]).read_bytes() == (tmp_path / "bilder/tafel.jpg").read_bytes()
    assert body_of(path) == ("\nAm 10. April 2025 fragte die Runde, wie **Verstetigung** gelingt.\n\n"
                             "## Ergebnisse\n\n- erstens\n- zweitens\n\n> Ein Zitat.\n")


def test_plain_text_gets_paragraphs_headings_and_lists_from_its_shape(tmp_path, content, capsys):
    source = tmp_path / "mail.txt"
    source.write_text(
        "Smarter Kaffee im Mai\n\n"
        "Am 15. Mai 2025 trafen sich die Landkreise wieder. Die Runde war diesmal\n"
        "besonders gut besucht und diskutierte lange über offene Daten und\n"
        "ihre Pflege.\n\n"
        "Ergebnisse\n\n"
        "• Daten gemeinsam pflegen\n• Lizenzen früh klären\n\n"
        "1. Portal prüfen\n2. Termine abstimmen\n\n"
        "4. Smarter Kaffee war der erste mit [[Wikilink]] und *Sternen* und <b>Tags</b>.\n", encoding="utf-8")
    code, _, err = run_import(capsys, content, str(source))
    assert code == 0, err
    body = body_of(content / "sessions/2025/2025-05-15-smarter-kaffee-im-mai.md")
    assert body == (
        "\nAm 15. Mai 2025 trafen sich die Landkreise wieder. Die Runde war diesmal besonders gut besucht und "
        "diskutierte lange über offene Daten und ihre Pflege.\n\n"
        "## Ergebnisse\n\n- Daten gemeinsam pflegen\n- Lizenzen früh klären\n\n1. Portal prüfen\n2. Termine abstimmen\n\n"
        "4\\. Smarter Kaffee war der erste mit \\[\\[Wikilink\\]\\] und \\*Sternen\\* und \\<b>Tags\\</b>.\n")


def test_dry_run_prints_the_file_and_writes_nothing(tmp_path, content, capsys):
    code, out, _ = run_import(capsys, content, str(SEED), "--dry-run")
    assert code == 0
    assert not (content / "sessions").exists() and not (content / "media").exists()
    assert "(dry run: not written)" in out and "imported 1 of 1 report(s) (dry run: nothing written)" in out
    assert "\n---\n# Imported with 'kaffee-site import' from" in out
    assert "Am 10. Oktober 2024 steht der fünfte »Smarte Kaffee« an." in out


def test_nothing_is_overwritten_and_nothing_imported_twice(tmp_path, content, capsys):
    target = content / "sessions/2024/2024-09-05-4-smarter-kaffee.md"
    target.parent.mkdir(parents=True)
    target.write_text("mine\n", encoding="utf-8")  # not a session the archive can read: only the file is in the way
    code, _, err = run_import(capsys, content, str(SEED))
    assert code == 1 and target.read_text(encoding="utf-8") == "mine\n"
    assert f"{target} exists already; nothing was written" in err
    target.unlink()
    code, out, err = run_import(capsys, content, str(SEED), str(SEED))
    assert code == 1
    assert "[1/2] " in out and f"[2/2] not imported: {SEED}: the archive has the report of 'Smarter Kaffee' on " \
        f"2024-09-05 already: {target}; nothing was written" in err
    assert "imported 1 of 2 report(s); 1 not imported" in out
    assert len(list((content / "sessions").rglob("*.md"))) == 1


def test_a_folder_and_a_list_import_in_one_run(tmp_path, content, capsys):
    folder = tmp_path / "alt"
    saved_page(folder)
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    (folder / "notizen.pdf").write_bytes(b"%PDF")  # not a page or text: left alone
    listed = tmp_path / "quellen.txt"
    listed.write_text("# one more\n" + str(tmp_path / "nicht-da.html") + "\n", encoding="utf-8")
    code, out, err = run_import(capsys, content, str(folder), "--list", str(listed))
    assert code == 1
    assert out.count("[1/3] ") == 1 and out.count("[2/3] ") == 1
    assert f"[3/3] not imported: {tmp_path / 'nicht-da.html'}: no such file" in err
    assert "imported 2 of 3 report(s); 1 not imported" in out
    assert len(list((content / "sessions").rglob("*.md"))) == 2


def test_an_undated_source_needs_date(tmp_path, content, capsys):
    source = tmp_path / "ohne-datum.txt"
    source.write_text("Ein Bericht ohne Tag\n\nDie Runde sprach über Verstetigung und das Verstetigen.\n", encoding="utf-8")
    code, _, err = run_import(capsys, content, str(source))
    assert code == 1 and "gives no date for the session" in err and "--date YYYY-MM-DD" in err
    code, _, err = run_import(capsys, content, str(source), "--date", "2025-06-12")
    assert code == 0, err
    meta = front_matter(content / "sessions/2025/2025-06-12-ein-bericht-ohne-tag.md")
    assert (meta["date"], meta["topics"]) == ("2025-06-12", ["Verstetigung"])
    assert main_usage(capsys, content, str(source), str(SEED), "--date", "2025-06-12") == \
        "kaffee-site: --date gives the date of one report: import that source alone"


def main_usage(capsys, content: Path, *args: str) -> str:
    code, _, err = run_import(capsys, content, *args)
    assert code == 2
    return err.strip()


def test_unreadable_sources_give_one_line_each(tmp_path, content, capsys):
    binary = tmp_path / "bild.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    big = tmp_path / "gross.txt"
    big.write_bytes(b"a" * ((5 << 20) + 1))
    code, _, err = run_import(capsys, content, str(binary), str(big), "ftp://example.org/x")
    assert code == 1
    assert err.splitlines() == [
        f"[1/3] not imported: {binary}: this is not text (it holds NUL bytes); import reads web pages, text and Markdown",
        f"[2/3] not imported: {big}: larger than the limit of 5 MB for one report",
        "[3/3] not imported: ftp://example.org/x: only http and https addresses can be imported"]
    assert main_usage(capsys, content) .startswith("kaffee-site: name at least one SOURCE")
    assert main_usage(capsys, tmp_path / "nowhere", str(SEED)).startswith("kaffee-site: ")


def test_without_the_import_extra_pages_say_how_to_get_it(tmp_path, content, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # as if not installed: importing it fails
    page = saved_page(tmp_path / "saved")
    code, _, err = run_import(capsys, content, str(page))
    assert code == 1
    assert err.strip() == f"[1/1] not imported: {page}: reading web pages needs the import extra: " \
        "pip install 'kaffee-site[import]'"
    assert run_import(capsys, content, str(SEED))[0] == 0  # text needs no extra


@pytest.mark.parametrize("text, value", [
    ("4.", 4), ("vierte", 4), ("des vierten", None), ("vierten", 4), ("fünften", 5), ("Fuenfte", 5),
    ("einundzwanzigsten", 21), ("dreißigste", 30), ("hundertste", 100), ("4th", 4), ("twenty-first", 21),
    ("Twelfth", 12), ("fourth", 4), ("Kaffee", None), ("achten", 8),
])
def test_ordinals_as_reports_write_them(text, value):
    assert ordinal_value(text) == value


@pytest.mark.parametrize("text, iso, led", [
    ("am 5. September 2024", "2024-09-05", True), ("am Donnerstag, den 5. Sept. 2024", "2024-09-05", True),
    ("bis 05.09.2024", "2024-09-05", False), ("on 3 April 2025", "2025-04-03", True),
    ("on April 3rd, 2025", "2025-04-03", True), ("2024-10-10", "2024-10-10", False),
    ("am 30. Februar 2025", None, None), ("im Jahr 2022", None, None),
])
def test_dates_as_reports_write_them(text, iso, led):
    found = dates_in(text)
    assert [(d.day.isoformat(), d.led) for d in found] == ([(iso, led)] if iso else [])


def test_another_series_of_the_archive_and_an_event_date_from_structured_data(tmp_path, content, capsys):
    (content / "sessions/2025").mkdir(parents=True)
    (content / "sessions/2025/2025-01-20-werkstatt.md").write_text(
        "---\ntitle: Werkstatt eins\ndate: 2025-01-20\nseries: Werkstatt\nnumber: 1\n---\nText.\n", encoding="utf-8")
    (content / "sessions/2025/2025-03-13-kaffee.md").write_text(
        "---\ntitle: Kaffee\ndate: 2025-03-13\nnumber: 12\n---\nText.\n", encoding="utf-8")
    page = tmp_path / "werkstatt.html"
    page.write_text(
        '<html lang="de"><head><title>Zweite Werkstatt: Daten pflegen</title><script type="application/ld+json">'
        '{"@context": "https://schema.org", "@graph": [{"@type": "Event", "name": "Werkstatt",'
        ' "startDate": "2025-03-13T10:00:00+01:00"}]}</script></head><body><article><h1>Zweite Werkstatt: Daten pflegen</h1>'
        "<p>In der zweiten Werkstatt ging es darum, wie offene Daten gepflegt werden, wer sie prüft und wie oft.</p>"
        "<p>Die Teilnehmenden verabredeten, offene Daten gemeinsam zu prüfen und Fehler schneller zu melden.</p>"
        "</article></body></html>", encoding="utf-8")
    code, _, err = run_import(capsys, content, str(page))
    assert code == 0, err  # a Smarter Kaffee on the same day is another series' report
    path = content / "sessions/2025/2025-03-13-zweite-werkstatt-daten-pflegen.md"
    meta = front_matter(path)
    assert (meta["series"], meta["number"], meta["date"]) == ("Werkstatt", 2, "2025-03-13")
    text = path.read_text(encoding="utf-8")
    assert 'series: Werkstatt  # from "Zweite Werkstatt"' in text
    assert "date: 2025-03-13  # from the page's structured data: startDate \"2025-03-13T10:00:00+01:00\"" in text


def test_markdown_from_another_generator_gives_its_front_matter_title_and_date(tmp_path, content, capsys):
    source = tmp_path / "2023-11-09-post.md"
    source.write_text('---\nlayout: post\ntitle: "Open Data: ein Anfang"\ndate: 2023-11-09 10:00:00 +0100\n'
                      "tags: [daten]\n---\n\nDie Runde sprach über offene Daten und Open Data im Kreis.\n",
                      encoding="utf-8")
    code, _, err = run_import(capsys, content, str(source))
    assert code == 0, err
    path = content / "sessions/2023/2023-11-09-open-data-ein-anfang.md"
    meta = front_matter(path)
    assert (meta["title"], meta["date"], meta["topics"]) == ("Open Data: ein Anfang", "2023-11-09", ["Open Data"])
    assert "layout" not in path.read_text(encoding="utf-8")
    assert body_of(path) == "\nDie Runde sprach über offene Daten und Open Data im Kreis.\n"


def test_known_spellings_and_the_schema_order(tmp_path, content, capsys):
    (content / "sessions/2024").mkdir(parents=True)
    (content / "sessions/2024/2024-10-10-alt.md").write_text(
        "---\ntitle: Alt\ndate: 2024-10-10\nspeakers:\n  - name: Jörg Müller-Weiß\n    org: IT-Prozessbegleitung\n"
        "---\nText.\n", encoding="utf-8")
    source = tmp_path / "bericht.txt"
    source.write_text("Der elfte Smarte Kaffee\n\nBild: Ein Laptop auf einem Tisch.\n\n"
                      "Am 13. März 2025 sprach Joerg Mueller-Weiss (IT-Prozessbegleitung) mit der Runde über "
                      "Verstetigung und das Verstetigen von Projekten.\n\n"
                      "Der nächste Smarte Kaffee findet am 10. April 2025 statt.\n", encoding="utf-8")
    code, _, err = run_import(capsys, content, str(source))
    assert code == 0, err
    path = content / "sessions/2025/2025-03-13-der-elfte-smarte-kaffee.md"
    meta = front_matter(path)
    assert meta["speakers"] == [{"name": "Jörg Müller-Weiß", "org": "IT-Prozessbegleitung"}]
    assert meta["number"] == 11 and meta["next"] == {"date": "2025-04-10"}  # it says nothing about what
    assert meta["image"]["alt"] == "Ein Laptop auf einem Tisch."
    assert "written 'Joerg Mueller-Weiss' here" in path.read_text(encoding="utf-8")
    keys = [line.split(":")[0] for line in path.read_text(encoding="utf-8").split("---\n")[1].splitlines()
            if line and not line.startswith((" ", "#"))]
    assert keys == [key for key in SESSION.keys if key in keys]  # the schema's order, as `new` writes it
