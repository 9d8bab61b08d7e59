"""`kaffee-site check`: every problem with its file and line, warnings vs errors, --strict, GitHub format."""

from __future__ import annotations

import pytest

from support import TEMPLATES, Archive, session_md, tree_snapshot, picture_bytes, with_legal_pages
from kaffee_site.review.links import resolve_link
from kaffee_site.cli import main


def check(archive: Archive, capsys, *extra: str) -> tuple[int, str, str]:
    with_legal_pages(archive)  # as every German archive has them (tests/test_legal_pages.py)
    code = main(archive.args("check", "--templates", str(TEMPLATES), *extra))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def place(archive: Archive, rel: str, line: int) -> str:
    return f"{archive.content / rel}:{line}: "


def test_a_clean_archive_passes_and_nothing_is_written(archive: Archive, capsys):
    with_legal_pages(archive)
    archive.write("sessions/a.md", session_md("Auftakt", "2024-05-16", number=1))
    archive.write("sessions/b.md", session_md("Zweite Runde", "2024-06-13", number=2,
                                              body="Siehe [die erste Runde](/sitzungen/a/) und [[Auftakt]]."))
    before = tree_snapshot(archive.content)
    code, out, err = check(archive, capsys)
    assert (code, out) == (0, "")
    assert "check passed: 0 errors, 0 warnings" in err
    assert tree_snapshot(archive.content) == before
    assert not archive.output.exists()


def test_everything_the_build_rejects_is_reported_at_once(archive: Archive, capsys):
    archive.write("sessions/a.md", "---\ntitle: A\ndate: 2024-13-01\n---\nText\n")
    archive.write("sessions/b.md", "---\ntitle: B\ntitle: C\ndate: 2024-01-01\n---\nText\n")
    code, out, err = check(archive, capsys)
    assert code == 1
    assert place(archive, "sessions/a.md", 3) + "'date' is not a valid date: '2024-13-01'" in out
    assert place(archive, "sessions/b.md", 3) + "the key 'title' appears twice" in out
    assert "check failed: 2 errors" in err
    assert not archive.output.exists()


def test_a_link_to_a_session_that_does_not_exist_is_an_error_with_a_suggestion(archive: Archive, capsys):
    archive.write("sessions/2024-05-16-auftakt.md", session_md("Auftakt", "2024-05-16"))
    body = "Erster Absatz.\n\nMehr dazu [beim Auftakt](/sitzungen/2024-05-16-auftak/#start)."
    archive.write("sessions/b.md", session_md("B", "2024-06-13", body=body))
    code, out, _ = check(archive, capsys)
    assert code == 1
    assert place(archive, "sessions/b.md", 7) + \
        "the link '/sitzungen/2024-05-16-auftak/#start' leads to no page of the archive" in out
    assert "hint: did you mean '/sitzungen/2024-05-16-auftakt/'?" in out


GOOD_LINKS = ["/sitzungen/a/", "../a/", "../a", "/sitzungen/a/index.html", "/", "/themen/", "#abschnitt",
              "https://example.org/x", "mailto:a@example.org", "/ueber/", "/static/style.css"]


def test_links_that_reach_a_page_pass(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-05-16"))
    body = "\n\n".join(f"[Link]({target})" for target in GOOD_LINKS)
    archive.write("sessions/b.md", session_md("B", "2024-06-13", body=body))
    archive.write("pages/ueber.md", "---\ntitle: Über uns\n---\nWir.\n")
    code, out, _ = check(archive, capsys)
    assert (code, out) == (0, "")


BAD_LINKS = ["../../../etc/passwd", "/sitzungen/draft/", "a.md", "/pagex/", "/kaffee/sitzungen/a/"]


def test_links_that_reach_nothing_fail(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-05-16"))
    archive.write("sessions/draft.md", session_md("Entwurf", "2024-07-01", draft="true"))
    body = "\n\n".join(f"[Link]({target})" for target in BAD_LINKS)
    archive.write("sessions/b.md", session_md("B", "2024-06-13", body=body))
    code, out, _ = check(archive, capsys)
    assert code == 1
    for index, target in enumerate(BAD_LINKS):
        line = 5 + 2 * index
        assert place(archive, "sessions/b.md", line) + f"the link '{target}' leads to no page of the archive" in out


def test_a_link_to_the_markdown_file_gets_a_hint(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-05-16"))
    archive.write("sessions/b.md", session_md("B", "2024-06-13", body="[A](a.md)"))
    _, out, _ = check(archive, capsys)
    assert "hint: link to the page, not to its Markdown file" in out


def test_links_in_pages_and_topic_files_are_checked_too(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-05-16", topics="[Open Data]"))
    archive.write("pages/ueber.md", "---\ntitle: Über uns\n---\n[weg](/gibts-nicht/)\n")
    archive.write("topics/open-data.md", "---\ntitle: Open Data\n---\nSiehe ![Karte](media/karte.png)\n")
    code, out, _ = check(archive, capsys)
    assert code == 1
    assert place(archive, "pages/ueber.md", 4) + "the link '/gibts-nicht/' leads to no page" in out
    assert place(archive, "topics/open-data.md", 4) + "the image 'media/karte.png' does not exist" in out


def test_images_need_their_file_and_a_real_alt_text(archive: Archive, capsys):
    archive.write("media/da.png", picture_bytes())
    body = ("![](media/da.png)\n\n![Ein Foto](media/fehlt.png)\n\n![bild.png](media/da.png)\n\n"
            "![Gruppenfoto der Runde](/media/da.png)\n\n![ ](https://example.org/karte.png)\n\n"
            "![Karte des Landkreises](https://example.org/karte.png)")
    archive.write("sessions/a.md", session_md("A", "2024-05-16", body=body))
    code, out, _ = check(archive, capsys)
    assert code == 1
    assert place(archive, "sessions/a.md", 5) + "the image 'media/da.png' has no alt text" in out
    assert place(archive, "sessions/a.md", 7) + "the image 'media/fehlt.png' does not exist" in out
    assert place(archive, "sessions/a.md", 9) + \
        "warning: the alt text of the image 'media/da.png' is only a file name" in out
    assert place(archive, "sessions/a.md", 13) + "the image 'https://example.org/karte.png' has no alt text" in out
    assert ":11:" not in out and ":15:" not in out


def test_a_front_matter_image_whose_alt_is_its_file_name_is_a_warning(archive: Archive, capsys):
    archive.write("media/foto.jpg", picture_bytes("JPEG"))
    archive.write("sessions/a.md", "---\ntitle: A\ndate: 2024-05-16\nimage:\n  src: media/foto.jpg\n  alt: foto\n---\nText\n")
    code, out, _ = check(archive, capsys)
    assert code == 0
    assert place(archive, "sessions/a.md", 6) + "warning: the alt text 'foto' is only a file name" in out


def test_duplicate_numbers_are_errors_and_gaps_are_warnings(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-01-11", number=1))
    archive.write("sessions/b.md", session_md("B", "2024-02-08", number=2))
    archive.write("sessions/c.md", session_md("C", "2024-03-14", number=2))
    archive.write("sessions/d.md", session_md("D", "2024-06-13", number=5))
    archive.write("sessions/andere.md", session_md("Andere Reihe", "2024-03-01", number=7, series="Werkstatt"))
    code, out, _ = check(archive, capsys)
    assert code == 1
    assert place(archive, "sessions/c.md", 4) + \
        f"number 2 of the series 'Smarter Kaffee' is also used by {archive.content / 'sessions/b.md'}" in out
    assert "hint: give each session its own number: by its date this one is number 3" in out
    assert place(archive, "sessions/d.md", 4) + \
        "warning: the numbering of the series 'Smarter Kaffee' jumps from 2 to 5 (missing: 3–4)" in out
    assert "andere.md" not in out  # a series of its own, starting wherever it starts


def test_a_draft_holds_its_number(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-01-11", number=1))
    archive.write("sessions/b.md", session_md("B", "2024-02-08", number=2, draft="true"))
    archive.write("sessions/c.md", session_md("C", "2024-03-14", number=3))
    assert check(archive, capsys)[:2] == (0, "")


def test_a_next_date_that_is_not_after_the_session_is_reported_once(archive: Archive, capsys):
    text = "---\ntitle: A\ndate: 2024-05-16\nnext:\n  date: 2024-05-16\n  title: Wieder\n---\nText\n"
    archive.write("sessions/a.md", text)
    code, out, _ = check(archive, capsys)
    assert code == 0
    assert out.count("is not after this one") == 1
    assert place(archive, "sessions/a.md", 5) + "warning: the next session (2024-05-16) is not after this one" in out


def test_unknown_and_near_duplicate_topics_are_warnings(archive: Archive, capsys):
    archive.write("topics/verstetigung.md", "---\ntitle: Verstetigung\n---\n")
    archive.write("sessions/a.md", session_md("A", "2024-01-11", topics="\n  - Verstetigung\n  - Digitalisierung"))
    archive.write("sessions/b.md", session_md("B", "2024-02-08", topics="\n  - Digitalisierungen\n  - Verstetigungen"))
    code, out, err = check(archive, capsys)
    assert code == 0
    assert place(archive, "sessions/a.md", 6) + \
        "warning: unknown topic 'Digitalisierung': no file in topics/ defines it" in out
    assert place(archive, "sessions/b.md", 5) + \
        "warning: topic 'Digitalisierungen' is close to the topic 'Digitalisierung'" in out
    assert place(archive, "sessions/b.md", 6) + "warning: unknown topic 'Verstetigungen' is close" in out
    assert out.count("sessions/b.md:6:") == 1  # the registry's warning, not a second one
    assert "3 warnings" in err


def test_without_topic_files_topics_are_not_unknown(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-01-11", topics="[Digitalisierung]"))
    assert check(archive, capsys)[:2] == (0, "")


def test_the_speaker_placeholder_is_a_warning(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-01-11",
                                              speakers="\n  - name: Vorname Nachname\n    org: Organisation"))
    code, out, _ = check(archive, capsys)
    assert code == 0
    assert place(archive, "sessions/a.md", 5) + "warning: the speaker 'Vorname Nachname' (Organisation) is still the placeholder" in out


def test_a_template_error_is_reported_with_its_line(archive: Archive, capsys, tmp_path):
    theme = tmp_path / "theme"
    import shutil
    shutil.copytree(TEMPLATES, theme)
    (theme / "page.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{{ page.title }\n{% endblock %}\n")
    archive.write("pages/ueber.md", "---\ntitle: Über uns\n---\nWir.\n")
    code = main(archive.args("check", "--templates", str(theme)))
    out = capsys.readouterr().out
    assert code == 1
    assert "page.html:3: " in out


def test_strict_makes_warnings_fail(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-01-11", number=1))
    archive.write("sessions/b.md", session_md("B", "2024-03-14", number=3))
    assert check(archive, capsys)[0] == 0
    code, out, err = check(archive, capsys, "--strict")
    assert code == 1
    assert "jumps from 1 to 3" in out
    assert "check failed: 0 errors, 1 warning (--strict: warnings fail)" in err


def test_github_format_prints_escaped_annotations(archive: Archive, capsys, monkeypatch):
    monkeypatch.chdir(archive.root)
    with_legal_pages(archive)
    archive.write("sessions/a.md", session_md("A", "2024-01-11", number=1))
    archive.write("sessions/b.md", session_md("B", "2024-03-14", number=3, body="100% [kaputt](/weg/)"))
    code = main(["check", "--content", "content", "--templates", str(TEMPLATES), "--format", "github"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines == [
        "::warning file=content/sessions/b.md,line=4,title=kaffee-site check::the numbering of the series "
        "'Smarter Kaffee' jumps from 1 to 3 (missing: 2)%0Ahint: add the missing report, or number the later reports of the series down (3 → 2)",
        "::error file=content/sessions/b.md,line=6,title=kaffee-site check::the link '/weg/' leads to no page "
        "of the archive%0Ahint: write site links like /sitzungen/<slug>/ or use a [[wikilink]] with the title",
    ]


def test_github_format_escapes_properties_and_makes_absolute_paths_relative(archive: Archive, capsys, monkeypatch):
    monkeypatch.chdir(archive.root)
    with_legal_pages(archive)
    archive.write("sessions/a,b:c.md", "---\ntitle: [x\n---\n")
    code = main(archive.args("check", "--templates", str(TEMPLATES), "--format", "github"))
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("::error file=content/sessions/a%2Cb%3Ac.md,line=2,title=kaffee-site check::invalid YAML")


def test_check_runs_as_a_command(archive: Archive):
    archive.write("sessions/a.md", session_md("A", "2024-01-11", body="[x](/nirgends/)"))
    result = archive.run("check", "--templates", str(TEMPLATES))
    assert result.returncode == 1
    assert "sessions/a.md:5: the link '/nirgends/' leads to no page of the archive" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_missing_content_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["check", "--content", str(tmp_path / "fehlt")]) == 2
    assert "the content folder does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("target, page, expected", [
    ("/sitzungen/x/", "sitzungen/y/", "sitzungen/x"),
    ("media/a%20b.png", "sitzungen/y/", "media/a b.png"),
    ("../x/#teil", "sitzungen/y/", "sitzungen/x"),
    ("../../../x", "sitzungen/y/", ".."),
    ("#oben", "sitzungen/y/", None),
    ("?q=1", "", None),
    ("./", "", ""),
])
def test_resolve_link(target, page, expected):
    assert resolve_link(target, page) == expected
