"""Addresses that last (issue 22): `redirect_from` on sessions, topics, people and organisations;
the build remembers what it published (`urls.json` in the output, a copy in the build cache) and
`check` warns when a published address would disappear, naming the key that keeps it.

Each test does what an editor does: build, move or rename files, run `check` (exit codes and
messages), build again, and reads the pages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support import Archive, session_md, with_legal_pages
from kaffee_site.cli import main

AUFTAKT = "sessions/2024/2024-05-16-auftakt.md"
ZWEITE = "sessions/2024/2024-06-13-foerdermittel.md"


def archive_of_two(archive: Archive) -> Archive:
    archive.write("site.yaml", "title: Testarchiv\nbase_url: https://example.org/kaffee/\nsearch: false\n")
    archive.write("topics/open-data.md", "---\ntitle: Open Data\n---\nDaten für alle.\n")
    archive.write(AUFTAKT, session_md("Auftakt", "2024-05-16", "Wir sprachen über Open Data.", number=1,
                                      topics="\n  - Open Data",
                                      speakers="\n  - name: Jana Beispiel\n    org: Kreis Beispiel"))
    archive.write(ZWEITE, session_md("Fördermittel", "2024-06-13", "Geld.", number=2, topics="\n  - Open Data"))
    return with_legal_pages(archive)


def run_check(archive: Archive, capsys, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()  # what a build before printed
    code = main(archive.args("check", "--output", str(archive.output), *extra))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def redirect_target(archive: Archive, url_path: str) -> str:
    page = archive.page(url_path)
    assert '<meta http-equiv="refresh"' in page, page
    return page.split('url=', 1)[1].split('"', 1)[0]


def test_sessions_people_and_organisations_accept_redirect_from(archive: Archive, capsys):
    archive_of_two(archive)
    archive.write(AUFTAKT, session_md("Auftakt", "2024-05-16", "Text.", number=1, redirect_from="[erste-runde]",
                                      speakers="\n  - name: Jana Beispiel\n    org: Kreis Beispiel"))
    archive.write("people/jana-beispiel.md", "---\nname: Jana Beispiel\nredirect_from: [jana-b]\n---\n")
    archive.write("organisations/kreis-beispiel.md",
                  "---\nname: Kreis Beispiel\nredirect_from:\n  - landkreis-beispiel\n---\n")
    archive.write("topics/open-data.md", "---\ntitle: Open Data\nredirect_from: [daten]\n---\nDaten.\n")
    assert archive.build() == 0
    assert redirect_target(archive, "sitzungen/erste-runde/") == "/kaffee/sitzungen/2024-05-16-auftakt/"
    assert redirect_target(archive, "personen/jana-b/") == "/kaffee/personen/jana-beispiel/"
    assert redirect_target(archive, "organisationen/landkreis-beispiel/") == "/kaffee/organisationen/kreis-beispiel/"
    assert redirect_target(archive, "themen/daten/") == "/kaffee/themen/open-data/"
    code, out, err = run_check(archive, capsys, "--strict")
    assert (code, out) == (0, ""), out
    published = json.loads((archive.output / "urls.json").read_text(encoding="utf-8"))["addresses"]
    assert published["sitzungen/erste-runde/"] == {"kind": "redirect", "to": "sitzungen/2024-05-16-auftakt/"}
    assert published["sitzungen/2024-05-16-auftakt/"]["kind"] == "session"


def test_a_redirect_from_that_is_a_page_of_its_own_is_an_error_at_its_line(archive: Archive, capsys):
    archive_of_two(archive)
    archive.write(ZWEITE, session_md("Fördermittel", "2024-06-13", "Geld.", number=2,
                                     redirect_from="\n  - 2024-05-16-auftakt"))
    code, out, _ = run_check(archive, capsys)
    assert code == 1
    assert (f"{archive.content / ZWEITE}:6: redirect_from '2024-05-16-auftakt' is the slug of an existing session "
            f"({archive.content / AUFTAKT})") in out


def test_a_renamed_session_file_is_reported_until_its_old_address_is_kept(archive: Archive, capsys):
    archive_of_two(archive)
    assert archive.build() == 0
    moved = "sessions/2024/2024-05-16-start.md"
    (archive.content / AUFTAKT).rename(archive.content / moved)
    code, out, err = run_check(archive, capsys)
    warning = (f"{archive.content / moved}:2: warning: the address /sitzungen/2024-05-16-auftakt/ of the report "
               "'Auftakt' that the last build published is gone; it is here now, at /sitzungen/2024-05-16-start/\n"
               "    hint: keep the old address: add 'redirect_from: [2024-05-16-auftakt]' to this file's front matter")
    assert code == 0 and warning in out, out
    assert run_check(archive, capsys, "--strict")[0] == 1
    # a fresh CI clone: no output folder, the build cache restored
    shutil.rmtree(archive.output)
    assert warning in run_check(archive, capsys)[1]
    # the editor keeps the address: the warning goes, the old address leads to the new page
    text = (archive.content / moved).read_text(encoding="utf-8").replace("number: 1", "number: 1\nredirect_from: "
                                                                                         "[2024-05-16-auftakt]")
    (archive.content / moved).write_text(text, encoding="utf-8")
    assert run_check(archive, capsys, "--strict")[:2] == (0, "")
    assert archive.build() == 0
    assert redirect_target(archive, "sitzungen/2024-05-16-auftakt/") == "/kaffee/sitzungen/2024-05-16-start/"


def test_a_fresh_clone_knows_the_addresses_from_the_cache_or_from_the_live_list(archive: Archive, capsys,
                                                                               tmp_path: Path):
    archive_of_two(archive)
    assert archive.build() == 0
    live = tmp_path / "live-urls.json"  # what CI fetches from the published archive
    shutil.copy(archive.output / "urls.json", live)
    (archive.content / ZWEITE).unlink()
    gone = (f"{archive.content / 'sessions'}: warning: the address /sitzungen/2024-06-13-foerdermittel/ of the report "
            "'Fördermittel' that the last build published is gone\n    hint: moved or renamed? add 'redirect_from: "
            "[2024-06-13-foerdermittel]' to its file; deleted? add it to the session readers should find instead")
    shutil.rmtree(archive.output)  # a fresh clone: no output folder, the build cache restored
    assert gone in run_check(archive, capsys)[1]
    shutil.rmtree(archive.root / ".kaffee-cache")  # the cache lost too: nothing here knows ...
    assert run_check(archive, capsys)[1] == ""
    code, out, _ = run_check(archive, capsys, "--published", str(live))  # ... but the live archive does
    assert gone in out
    live.write_text("{}", encoding="utf-8")  # the first deploy: nothing published yet
    assert run_check(archive, capsys, "--published", str(live))[:2] == (0, "")
    live.write_text("<html>404</html>", encoding="utf-8")
    code, _, err = run_check(archive, capsys, "--published", str(live))
    assert code == 2 and f"{live}: this is not a urls.json written by kaffee-site" in err


def test_what_serve_wrote_is_no_publication(archive: Archive, capsys):
    """serve writes the output as a preview: a session renamed there is not 'published' until a
    build says so, so check and serve do not warn about an address only serve ever wrote."""
    archive_of_two(archive)
    from kaffee_site.engine import Engine
    from kaffee_site.options import BuildOptions
    Engine(BuildOptions(archive.content, archive.output), warm=True).rebuild()  # serve's engine
    assert (archive.output / "urls.json").is_file()
    (archive.content / ZWEITE).rename(archive.content / "sessions/2024/2024-06-13-geld.md")
    assert run_check(archive, capsys, "--strict")[:2] == (0, "")


def test_a_deleted_report_is_kept_by_a_redirect_from_of_another(archive: Archive, capsys):
    archive_of_two(archive)
    assert archive.build() == 0
    (archive.content / ZWEITE).unlink()
    assert run_check(archive, capsys, "--strict")[0] == 1
    archive.write(AUFTAKT, session_md("Auftakt", "2024-05-16", "Text.", number=1, topics="\n  - Open Data",
                                      speakers="\n  - name: Jana Beispiel\n    org: Kreis Beispiel",
                                      redirect_from="[2024-06-13-foerdermittel]"))
    assert run_check(archive, capsys, "--strict")[:2] == (0, "")


def test_people_named_only_by_a_deleted_report_go_with_it_but_a_file_of_theirs_is_kept(archive: Archive, capsys):
    archive_of_two(archive)
    archive.write(ZWEITE, session_md("Fördermittel", "2024-06-13", "Geld.", number=2, topics="\n  - Open Data",
                                     speakers="\n  - name: Uwe Muster\n    org: Amt Muster\n"
                                              "  - name: Rita Beispiel\n    org: Amt Muster"))
    archive.write("people/rita-beispiel.md", "---\nname: Rita Beispiel\n---\nLeitet das Amt.\n")
    assert archive.build() == 0
    (archive.content / ZWEITE).unlink()
    archive.write(AUFTAKT, session_md("Auftakt", "2024-05-16", "Text.", number=1, topics="\n  - Open Data",
                                      speakers="\n  - name: Jana Beispiel\n    org: Kreis Beispiel",
                                      redirect_from="[2024-06-13-foerdermittel]"))
    code, out, _ = run_check(archive, capsys, "--strict")
    # Uwe Muster and Amt Muster had pages only because the report named them: no warning for them
    assert "uwe-muster" not in out and "amt-muster" not in out
    # Rita Beispiel has a file: her page stays, named by no report (nothing is gone)
    assert (code, out) == (0, "")
    (archive.content / "people/rita-beispiel.md").unlink()
    code, out, _ = run_check(archive, capsys, "--strict")
    assert code == 1 and "the address /personen/rita-beispiel/ of the person 'Rita Beispiel'" in out


def test_a_report_made_a_draft_says_so(archive: Archive, capsys):
    archive_of_two(archive)
    assert archive.build() == 0
    archive.write(ZWEITE, session_md("Fördermittel", "2024-06-13", "Geld.", number=2, draft="true"))
    code, out, _ = run_check(archive, capsys)
    assert (f"{archive.content / ZWEITE}:5: warning: the address /sitzungen/2024-06-13-foerdermittel/ of the report "
            "'Fördermittel' that the last build published is gone: the report is a draft now") in out


def test_a_page_renamed_is_kept_by_its_slug(archive: Archive, capsys):
    archive_of_two(archive)
    archive.write("pages/impressum.md", "---\ntitle: Impressum\n---\nWir.\n")
    assert archive.build() == 0
    (archive.content / "pages/impressum.md").rename(archive.content / "pages/anbieter.md")
    out = run_check(archive, capsys)[1]
    assert (f"{archive.content / 'pages/anbieter.md'}:2: warning: the address /impressum/ of the page 'Impressum' that "
            "the last build published is gone; it is here now, at /anbieter/\n    hint: keep the old address: add "
            "'slug: impressum' to this file's front matter") in out


def test_a_renamed_folder_is_one_warning_naming_the_setting(archive: Archive, capsys):
    archive_of_two(archive)
    assert archive.build() == 0
    archive.write("site.yaml", "title: Testarchiv\nbase_url: https://example.org/kaffee/\nsearch: false\n"
                               "urls:\n  sessions: protokolle\n")
    out = run_check(archive, capsys)[1]
    assert (f"{archive.content / 'site.yaml'}: warning: 2 addresses the last build published under /sitzungen/ are "
            "gone: the folder is called /protokolle/ now\n    hint: keep the old addresses with "
            "'urls: {sessions: sitzungen}' in site.yaml") in out
    assert out.count("warning:") == 1


# --- renaming a topic: the one recipe, and the hints that lead to it --------------------------------

def test_renaming_a_topic_hints_lead_to_the_recipe(archive: Archive, capsys):
    archive_of_two(archive)
    assert archive.build() == 0
    # the editor renames the file and the title; the reports still list 'Open Data'
    (archive.content / "topics/open-data.md").unlink()
    archive.write("topics/offene-daten.md", "---\ntitle: Offene Daten\n---\nDaten für alle.\n")
    out = run_check(archive, capsys)[1]
    assert (f"{archive.content / AUFTAKT}:6: warning: unknown topic 'Open Data': no file in topics/ defines it, but the "
            "last build had it at /themen/open-data/\n    hint: renamed? add it as an alias and redirect_from: in the "
            "renamed topic's file, 'aliases: [Open Data]' and 'redirect_from: [open-data]' (see the README, "
            "\"Rename a topic\")") in out
    # half the recipe: redirect_from alone is refused, and says what is missing
    archive.write("topics/offene-daten.md", "---\ntitle: Offene Daten\nredirect_from: [open-data]\n---\nDaten.\n")
    code, out, _ = run_check(archive, capsys)
    assert code == 1
    assert (f"{archive.content / 'topics/offene-daten.md'}:3: redirect_from 'open-data': the topic 'Open Data' still "
            "has a page of its own, because sessions still list it and no topic file has that name\n    hint: add "
            "'Open Data' to this topic's aliases ('aliases: [Open Data]'): those sessions then mean this topic, and "
            "its old address leads here") in out
    # the recipe: alias and redirect_from
    archive.write("topics/offene-daten.md",
                  "---\ntitle: Offene Daten\naliases: [Open Data]\nredirect_from: [open-data]\n---\nDaten.\n")
    assert run_check(archive, capsys, "--strict")[:2] == (0, "")
    assert archive.build() == 0
    assert redirect_target(archive, "themen/open-data/") == "/kaffee/themen/offene-daten/"
    assert "Offene Daten" in archive.page("sitzungen/2024-05-16-auftakt/")
    topics = [p.parent.name for p in (archive.output / "themen").glob("*/index.html")]
    assert sorted(topics) == ["offene-daten", "open-data"]  # the old one is the redirect, no second topic page
    assert "<h1>Offene Daten</h1>" in archive.page("themen/offene-daten/")


def test_an_alias_without_redirect_from_names_the_key(archive: Archive, capsys):
    archive_of_two(archive)
    assert archive.build() == 0
    (archive.content / "topics/open-data.md").unlink()
    archive.write("topics/offene-daten.md", "---\ntitle: Offene Daten\naliases: [Open Data]\n---\nDaten.\n")
    out = run_check(archive, capsys)[1]
    assert (f"{archive.content / 'topics/offene-daten.md'}:2: warning: the address /themen/open-data/ of the topic "
            "'Open Data' that the last build published is gone; it is here now, at /themen/offene-daten/\n"
            "    hint: keep the old address: add 'redirect_from: [open-data]' to this file's front matter") in out
