"""Mistakes that would publish something wrong are errors (issue 22): a key one typo away from
`draft`, `date`, `slug` or `title`; a Markdown file whose name the build does not read; the
placeholders of the legal skeletons under `check --strict`. Run as an editor runs them: real
files, `check` and `build`, exit codes and messages."""

from __future__ import annotations

import pytest

from support import Archive, session_md, tree_snapshot, with_legal_pages
from kaffee_site.cli import main


def check(archive: Archive, capsys, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(archive.args("check", *extra))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def build(archive: Archive, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(archive.args("build"))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("line, message", [
    ("darft: true", "unknown key 'darft', one typo away from 'draft': the session would be published: only "
                    "'draft' holds it back\n    hint: write 'draft:'"),
    ("Draft: true", "unknown key 'Draft', one typo away from 'draft'"),
    ("drat: true", "unknown key 'drat', one typo away from 'draft'"),
    ("slgu: neue-adresse", "unknown key 'slgu', one typo away from 'slug': the address would be made from the file "
                           "name instead"),
])
def test_a_key_one_typo_from_draft_or_slug_is_an_error_and_nothing_is_published(archive: Archive, capsys,
                                                                                    line: str, message: str):
    archive.write("sessions/a.md", session_md("Öffentlich", "2024-05-16"))
    assert build(archive, capsys)[0] == 0
    published = tree_snapshot(archive.output)
    archive.write("sessions/b.md", f"---\ntitle: Noch nicht fertig\ndate: 2024-06-13\n{line}\n---\nEntwurf.\n")
    code, out, err = check(archive, capsys)
    assert code == 1
    assert f"{archive.content / 'sessions/b.md'}:4: {message}" in out
    code, err = build(archive, capsys)
    assert code == 1 and f"{archive.content / 'sessions/b.md'}:4: unknown key" in err
    assert tree_snapshot(archive.output) == published  # the draft was not published


def test_other_unknown_keys_stay_warnings(archive: Archive, capsys):
    archive.write("sessions/b.md", session_md("B", "2024-06-13", sumary="Kurz."))
    code, out, _ = check(archive, capsys)
    assert code == 0 and "warning: unknown key 'sumary'\n    hint: did you mean 'summary'?" in out


@pytest.mark.parametrize("rel", ["sessions/2024/bericht.MD", "sessions/bericht.markdown", "topics/thema.Md",
                                 "pages/kontakt.mdown", "people/jana.mkd", "organisations/kreis.MARKDOWN"])
def test_a_markdown_file_the_build_would_not_read_is_an_error(archive: Archive, capsys, rel: str):
    archive.write("sessions/a.md", session_md("A", "2024-05-16"))
    archive.write(rel, "---\ntitle: Vergessen\nname: Vergessen\ndate: 2024-06-13\n---\nText.\n")
    stem, name = rel.rsplit(".", 1)[0], rel.rsplit("/", 1)[1]
    problem = (f"{archive.content / rel}: '{name}' is not read: only files ending in '.md' are\n"
               f"    hint: rename it to '{stem.rsplit('/', 1)[1]}.md', or move it out of the content folder")
    code, out, _ = check(archive, capsys)
    assert code == 1 and problem in out
    code, err = build(archive, capsys)
    assert code == 1 and problem in err
    (archive.content / rel).rename(archive.content / f"{stem}.md")
    assert build(archive, capsys)[0] == 0


def test_other_files_in_content_folders_are_left_alone(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-05-16"))
    archive.write("sessions/notizen.txt", "Ideen für die nächste Runde\n")
    archive.write("sessions/.entwurf.MD", "versteckt\n")
    archive.write("sessions/a.md~", "Sicherung des Editors\n")
    with_legal_pages(archive)
    assert check(archive, capsys)[:2] == (0, "")


def test_the_legal_skeletons_placeholders_fail_check_strict(archive: Archive, capsys):
    archive.write("site.yaml", "title: Coffee Round\nlanguage: en\n")
    archive.write("sessions/a.md", session_md("A", "2024-05-16"))
    archive.write("pages/privacy.md", "---\ntitle: Privacy\n---\nNo cookies.\n")
    archive.write("pages/accessibility.md", "---\ntitle: Accessibility\n---\nTested with screen readers.\n")
    archive.write("pages/legal-notice.md", "---\ntitle: Legal notice\n---\n\n## Publisher\n\n"
                                           "County of Example\n\nRepresented by: [name and\n"
                                           "role]\n\nSee [our address](https://example.org/).\n")
    code, out, err = check(archive, capsys)
    assert code == 0
    assert (f"{archive.content / 'pages/legal-notice.md'}:9: warning: the page still holds a placeholder of the "
            "skeleton 'init' wrote: '[name and role]'\n    hint: replace what the square "
            "brackets ask for (line 9) and the note on top; check --strict fails until then") in out
    assert check(archive, capsys, "--strict")[0] == 1
    archive.write("pages/legal-notice.md", "---\ntitle: Legal notice\n---\n\nCounty of Example, represented by "
                                           "Jane Doe. See [our address](https://example.org/) and [ours][1].\n\n"
                                           "[1]: https://example.org/\n")
    assert check(archive, capsys, "--strict")[:2] == (0, "")
