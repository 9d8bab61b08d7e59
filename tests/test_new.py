"""`kaffee-site new`: the file it creates, its number, that it builds, and that it never overwrites."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaffee_site.cli import main
from kaffee_site.content.limits import CONTROL
from kaffee_site.content.load import read_source
from kaffee_site.commands.new import session_text
from support import TEMPLATES, Archive, epoch, session_md, with_legal_pages

from kaffee_site.clock import berlin_time


def new(archive: Archive, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["new", *args, "--content", str(archive.content)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_new_creates_a_complete_session_and_prints_its_path(archive: Archive, capsys):
    archive.write("site.yaml", "series: Smarter Kaffee\n")
    archive.write("sessions/2024/a.md", session_md("A", "2024-05-16", number=1))
    archive.write("sessions/2024/b.md", session_md("B", "2024-06-13", number=2))
    code, out, _ = new(archive, capsys, "Open Data im Landkreis", "--date", "2025-03-13")
    path = archive.content / "sessions/2025/2025-03-13-open-data-im-landkreis.md"
    assert code == 0
    assert out == f"{path}\n"
    assert path.read_text(encoding="utf-8") == (
        "---\n"
        'title: "Open Data im Landkreis"\n'
        "date: 2025-03-13\n"
        'series: "Smarter Kaffee"\n'
        "number: 3\n"
        "topics: []\n"
        "speakers:\n"
        "  - name: Vorname Nachname\n"
        "    org: Organisation\n"
        '# summary: "…"  # one sentence for lists; default: the first paragraph\n'
        '# image: {src: media/bild.png, alt: "Beschreibung"}  # a picture for the page and its preview\n'
        '# next: {date: YYYY-MM-DD, title: "Titel der Sitzung"}  # the next session, as announced\n'
        '# time: "HH:MM"  # when it started; default: site.yaml\'s event_start\n'
        '# end: "HH:MM"  # when it ended; default: site.yaml\'s event_end\n'
        "# draft: true  # true: left out of the build unless --drafts is given\n"
        "# example: true  # true: an invented report (a sample), marked so on its page\n"
        "# redirect_from: [alter-name]  # old slugs whose addresses lead here\n"
        "# slug: open-data-im-landkreis  # the name in the page's address; default: made from the file name\n"
        "---\n\n"
        "Worum ging es? Ein, zwei Sätze für die Übersicht.\n\n"
        "## Impuls\n\nWer hat was vorgestellt?\n\n"
        "## Diskussion\n\nWas haben die Teilnehmenden berichtet, gefragt, verabredet?\n"
    )


def test_numbers_count_per_series_and_drafts_hold_theirs(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-05-16", number=4))
    archive.write("sessions/b.md", session_md("B", "2024-06-13", number=7, draft="true"))
    archive.write("sessions/c.md", session_md("C", "2024-06-20", number=2, series="Werkstatt"))
    archive.write("sessions/kaputt.md", "---\ntitle: [\n---\n")
    new(archive, capsys, "Neu", "--date", "2024-09-05")
    assert "number: 8\n" in (archive.content / "sessions/2024/2024-09-05-neu.md").read_text()
    new(archive, capsys, "Werkstatt zwei", "--date", "2024-09-06", "--series", "Werkstatt")
    text = (archive.content / "sessions/2024/2024-09-06-werkstatt-zwei.md").read_text()
    assert 'series: "Werkstatt"\nnumber: 3\n' in text
    new(archive, capsys, "Ganz neu", "--date", "2024-09-07", "--series", "Lesekreis")
    assert "number: 1\n" in (archive.content / "sessions/2024/2024-09-07-ganz-neu.md").read_text()


def test_new_never_overwrites(archive: Archive, capsys):
    assert new(archive, capsys, "Auftakt", "--date", "2024-05-16")[0] == 0
    path = archive.content / "sessions/2024/2024-05-16-auftakt.md"
    path.write_text("mein Bericht", encoding="utf-8")
    code, out, err = new(archive, capsys, "Auftakt", "--date", "2024-05-16")
    assert (code, out) == (1, "")
    assert f"{path}: the file exists already; it was not changed" in err
    assert path.read_text(encoding="utf-8") == "mein Bericht"


def test_new_refuses_a_second_session_with_the_same_slug_elsewhere(archive: Archive, capsys):
    other = archive.write("sessions/2024-05-16-auftakt.md", session_md("Auftakt", "2024-05-16"))
    code, _, err = new(archive, capsys, "Auftakt", "--date", "2024-05-16")
    assert code == 1
    assert f"{other}: a session with this date and title exists already" in err
    assert not (archive.content / "sessions/2024").exists()


def test_the_new_file_builds_and_check_flags_the_placeholder(archive: Archive, capsys):
    with_legal_pages(archive)
    title = 'Frage: "Was nun?" – #1 & [mehr]'
    new(archive, capsys, title, "--date", "2025-01-16")
    assert archive.build() == 0
    html = archive.page("sitzungen/2025-01-16-frage-was-nun-1-mehr/")
    assert "<h1>Frage: &#34;Was nun?&#34; – #1 &amp; [mehr]</h1>" in html
    assert "Smarter Kaffee Nr.\u00a01" in html
    capsys.readouterr()
    assert main(["check", "--content", str(archive.content), "--templates", str(TEMPLATES)]) == 0
    out = capsys.readouterr().out
    assert "2025-01-16-frage-was-nun-1-mehr.md:8: warning: the speaker 'Vorname Nachname'" in out
    assert main(["check", "--content", str(archive.content), "--templates", str(TEMPLATES), "--strict"]) == 1


def test_the_date_defaults_to_today(archive: Archive):
    """Today as the build knows it: SOURCE_DATE_EPOCH's day when set, else the clock's (in Germany)."""
    result = archive.run("new", "Gestern", env={"SOURCE_DATE_EPOCH": epoch("2024-10-09", "23:30")})
    assert result.returncode == 0 and result.stdout.strip().endswith("2024-10-09-gestern.md")
    clock = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    before = berlin_time(time.time()).date()
    result = subprocess.run([sys.executable, "-m", "kaffee_site", *archive.args("new", "Heute")], env=clock,
                            capture_output=True, text=True, cwd=archive.root)
    after = berlin_time(time.time()).date()
    assert result.returncode == 0, result.stderr
    made = sorted(p.name for p in archive.content.rglob("*heute.md"))
    assert made in ([f"{before.isoformat()}-heute.md"], [f"{after.isoformat()}-heute.md"])


@pytest.mark.parametrize("args, message", [
    (["!!!", "--date", "2024-01-01"], "cannot make a file name from the title"),
    (["Titel", "--date", "2024-02-30"], "'2024-02-30' is not a day: February 2024 has 29 days"),
    (["Titel", "--date", "5.9.2024"], "is not a date like 2025-03-13"),
])
def test_unusable_arguments_are_usage_errors(archive: Archive, capsys, args, message):
    try:
        code = main(["new", *args, "--content", str(archive.content)])
    except SystemExit as exit:  # argparse rejects a bad --date itself
        code = exit.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert not any(archive.content.rglob("*.md"))


def test_a_missing_content_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["new", "Titel", "--content", str(tmp_path / "fehlt")]) == 2
    assert "the content folder does not exist" in capsys.readouterr().err


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1).filter(lambda t: t.split() and not CONTROL.search(t)))
def test_any_title_survives_the_front_matter(title):
    """Whatever the title (quotes, colons, '#', any script), YAML reads back the same text, in NFC.
    Control characters are refused by `new` itself (test_a_title_with_a_control_character_is_refused)."""
    text = session_text(" ".join(title.split()), date(2024, 1, 1), title.strip() or "x", 1)
    doc = read_source(text.encode("utf-8"), "session", "s.md", "s.md")
    assert doc.meta["title"] == unicodedata.normalize("NFC", " ".join(title.split()))


def test_a_title_with_a_control_character_is_refused(archive: Archive, capsys):
    archive.write("site.yaml", "title: Test\n")
    assert main(["new", "Rot\x1b[31m", "--date", "2025-03-13", "--content", str(archive.content)]) == 2
    assert capsys.readouterr().err == "kaffee-site: the title contains the control character U+001B (ESC)\n"
    assert not any(archive.content.rglob("*.md"))
