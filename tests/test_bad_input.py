"""Bad content: every problem as `path:line: message`, all at once, exit 1, no traceback,
and the previous output left exactly as it was. Bad folders: exit 2 and nothing deleted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kaffee_site.cli import main
from support import TEMPLATES, Archive, session_md, tree_snapshot, picture_bytes

GOOD_SESSION = session_md("Gute Sitzung", "2024-09-05", number=1, topics="[Open Data]",
                          image="{src: media/bild.png, alt: Ein Bild}")


def _good_archive(archive: Archive) -> dict[str, bytes]:
    """A valid archive, built once; returns the snapshot of its output."""
    archive.write("site.yaml", "title: Test\nbase_url: https://example.org/kaffee/\n")
    archive.write("media/bild.png", picture_bytes())
    archive.write("sessions/gut.md", GOOD_SESSION)
    archive.write("topics/open-data.md", "---\ntitle: Open Data\n---\nOffen.\n")
    archive.write("pages/impressum.md", "---\ntitle: Impressum\n---\nNiemand.\n")
    assert archive.build() == 0
    return tree_snapshot(archive.output)


# (case id, files to add or replace, expected stderr lines: "<path in content>:<line>: <message>")
CASES = [
    ("yaml-unclosed-list", {"sessions/x.md": "---\ntitle: Hallo\ndate: 2024-09-05\ntopics: [a, b\n---\nText\n"},
     ["sessions/x.md:4: invalid YAML in the front matter: "]),
    ("yaml-colon-in-value", {"sessions/x.md": "---\ntitle: Hallo: Welt\ndate: 2024-09-05\n---\n"},
     ["sessions/x.md:2: invalid YAML in the front matter: mapping values are not allowed in this context"]),
    ("yaml-bad-indent", {"sessions/x.md": "---\ntitle: Hallo\n  date: 2024-09-05\n---\n"},
     ["sessions/x.md:3: invalid YAML in the front matter: mapping values are not allowed in this context"]),
    ("yaml-tab", {"sessions/x.md": "---\ntitle: Hallo\n\tdate: 2024-09-05\n---\n"},
     ["sessions/x.md:3: invalid YAML in the front matter: found a tab character"]),
    ("yaml-unclosed-quote", {"sessions/x.md": '---\ntitle: "Hallo\ndate: 2024-09-05\n---\nText\n'},
     ["sessions/x.md:2: invalid YAML in the front matter: the quote that opens on this line is never closed"]),
    ("missing-date", {"sessions/x.md": "---\ntitle: Hallo\nnumber: 3\n---\n"},
     ["sessions/x.md:2: 'date' is missing"]),
    ("impossible-date", {"sessions/x.md": session_md(date="2024-02-30")},
     ["sessions/x.md:3: 'date' is not a valid date: '2024-02-30'"]),
    ("german-date-format", {"sessions/x.md": session_md(date="05.09.2024")},
     ["sessions/x.md:3: 'date' is not a valid date: '05.09.2024'"]),
    ("date-without-zeros", {"sessions/x.md": session_md(date="2024-9-5")},
     ["sessions/x.md:3: 'date' is not a valid date: '2024-9-5'"]),
    ("date-as-number", {"sessions/x.md": session_md(date="20240905")},
     ["sessions/x.md:3: 'date' must be a date like 2024-09-05, not a number"]),
    ("missing-title", {"sessions/x.md": "---\ndate: 2024-09-05\n---\nText\n"},
     ["sessions/x.md:2: 'title' is missing"]),
    ("title-as-list", {"sessions/x.md": session_md(title="[Eins, Zwei]")},
     ["sessions/x.md:2: 'title' must be text, not a list"]),
    ("number-as-text", {"sessions/x.md": session_md(number="vier")},
     ["sessions/x.md:4: 'number' must be a whole number from 1 up, not 'vier'"]),
    ("topics-as-string", {"sessions/x.md": session_md(topics="Open Data")},
     ["sessions/x.md:4: 'topics' must be a list"]),
    ("speakers-as-string", {"sessions/x.md": session_md(speakers="Anna Schmidt")},
     ["sessions/x.md:4: 'speakers' must be a list, not text"]),
    ("speaker-without-name", {"sessions/x.md": session_md(speakers="\n  - org: Kreis")},
     ["sessions/x.md:5: 'speakers.1.name' is missing"]),
    ("topic-without-letters", {"sessions/x.md": session_md(topics="\n  - Open Data\n  - '???'")},
     ["sessions/x.md:6: the name '???' has no letters or digits"]),
    ("org-without-letters", {"sessions/x.md": session_md(speakers="[{name: Anna, org: '–'}]")},
     ["sessions/x.md:4: the name '–' has no letters or digits"]),
    ("draft-ja", {"sessions/x.md": session_md(draft="ja")},
     ["sessions/x.md:4: 'draft' must be true or false"]),
    ("image-without-alt", {"sessions/x.md": session_md(image="\n  src: media/bild.png")},
     ["sessions/x.md:4: the image has no alt text"]),
    ("image-outside-media", {"sessions/x.md": session_md(image="\n  src: bilder/bild.png\n  alt: Bild")},
     ["sessions/x.md:5: the image 'bilder/bild.png' must be a file under media/"]),
    ("image-with-dotdot", {"sessions/x.md": session_md(image="\n  src: media/../site.yaml\n  alt: Bild")},
     ["sessions/x.md:5: the image 'media/../site.yaml' must be a file under media/"]),
    ("image-missing", {"sessions/x.md": session_md(image="\n  src: /media/fehlt.png\n  alt: Bild")},
     ["sessions/x.md:5: the image 'media/fehlt.png' does not exist"]),
    ("next-without-date", {"sessions/x.md": session_md(next="\n  title: Bald")},
     ["sessions/x.md:4: 'next.date' is missing"]),
    ("not-utf8", {"sessions/x.md": b"---\ntitle: a\ndate: 2024-09-05\n---\nText\nGr\xfc\xdfe\n"},
     ["sessions/x.md:6: the file is not UTF-8 (byte 0xfc cannot be read)"]),
    ("duplicate-slug-file-names", {"sessions/2024/gut.md": session_md("Noch eine gute")},
     ["sessions/gut.md:1: duplicate session slug 'gut', also used by {content}/sessions/2024/gut.md"]),
    ("duplicate-slug-key", {"sessions/zwei.md": session_md("Zwei", slug="gut")},
     ["sessions/zwei.md:1: duplicate session slug 'gut', also used by {content}/sessions/gut.md"]),
    ("slug-with-dotdot", {"sessions/x.md": session_md(slug="../../boese")},
     ["sessions/x.md:4: the slug '../../boese' is not allowed"]),
    ("slug-with-slash", {"sessions/x.md": session_md(slug="a/b")},
     ["sessions/x.md:4: the slug 'a/b' is not allowed"]),
    ("page-slug-with-dotdot", {"pages/x.md": "---\ntitle: X\nslug: ..\n---\n"},
     ["pages/x.md:3: the slug '..' is not allowed"]),
    ("empty-file", {"sessions/x.md": ""}, ["sessions/x.md:1: the file is empty"]),
    ("blank-file", {"sessions/x.md": "\n   \n"}, ["sessions/x.md:1: the file is empty"]),
    ("no-front-matter", {"sessions/x.md": "# Titel\n\nText\n"},
     ["sessions/x.md:1: the file does not start with front matter"]),
    ("unterminated-front-matter", {"sessions/x.md": "---\ntitle: a\ndate: 2024-09-05\n\nText\n"},
     ["sessions/x.md:1: the front matter is not closed"]),
    ("empty-front-matter", {"sessions/x.md": "---\n---\nText\n"},
     ["sessions/x.md:1: 'date' is missing", "sessions/x.md:1: 'title' is missing"]),
    ("front-matter-is-a-list", {"sessions/x.md": "---\n- title\n- date\n---\n"},
     ["sessions/x.md:2: the front matter must be 'key: value' lines"]),
    ("duplicate-key", {"sessions/x.md": "---\ntitle: a\ndate: 2024-09-05\ntitle: b\n---\n"},
     ["sessions/x.md:4: the key 'title' appears twice"]),
    ("reserved-page-slug", {"pages/themen.md": "---\ntitle: Themen\n---\nText\n"},
     ["pages/themen.md:2: the page slug 'themen' is taken by the archive"]),
    ("reserved-page-slug-key", {"pages/x.md": "---\ntitle: X\nslug: sitzungen\n---\n"},
     ["pages/x.md:3: the page slug 'sitzungen' is taken by the archive"]),
    ("duplicate-page", {"pages/impressum-2.md": "---\ntitle: Impressum\nslug: impressum\n---\n"},
     ["pages/impressum.md:1: duplicate page slug 'impressum', also used by {content}/pages/impressum-2.md"]),
    ("topic-aliases-as-string", {"topics/x.md": "---\ntitle: X\naliases: Y\n---\n"},
     ["topics/x.md:3: 'aliases' must be a list"]),
    ("topic-without-title", {"topics/x.md": "---\nsummary: Nichts\n---\n"},
     ["topics/x.md:2: 'title' is missing"]),
    ("bad-base-url", {"site.yaml": "title: Test\nbase_url: ftp://example.org/kaffee/\n"},
     ["site.yaml:2: 'base_url' 'ftp://example.org/kaffee/' is not an http(s) URL or a path"]),
    ("relative-base-url", {"site.yaml": "base_url: kaffee/\n"},
     ["site.yaml:1: 'base_url' 'kaffee/' must start with https:// or /"]),
    ("site-yaml-malformed", {"site.yaml": "title: Test\nbase_url: [https://example.org/\n"},
     ["site.yaml:2: invalid YAML in site.yaml: "]),
    ("site-yaml-not-utf8", {"site.yaml": b"title: K\xe4ffchen\n"},
     ["site.yaml:1: the file is not UTF-8 (byte 0xe4 cannot be read)"]),
    ("site-yaml-title-list", {"site.yaml": "title:\n  - a\n"}, ["site.yaml:1: 'title' must be a non-empty text"]),
]


def _expected(archive: Archive, lines: list[str]) -> list[str]:
    content = str(archive.content)
    return [f"{content}/{line.format(content=content)}" for line in lines]


@pytest.mark.parametrize("files, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported_with_its_line_and_leaves_the_output_untouched(
        archive: Archive, capsys, files: dict, expected: list[str]):
    before = _good_archive(archive)
    capsys.readouterr()
    for rel, text in files.items():
        archive.write(rel, text)
    assert archive.build() == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    for want in _expected(archive, expected):
        assert any(line.startswith(want) for line in lines), f"missing {want!r} in:\n{err}"
    errors = [line for line in lines if not line.startswith((" ", "build failed")) and ": warning: " not in line]
    assert len(errors) == len(expected), err
    assert lines[-1] == f"build failed: {len(expected)} error{'' if len(expected) == 1 else 's'}; the output folder was not changed"
    assert tree_snapshot(archive.output) == before


def test_a_failed_first_build_creates_no_output(archive: Archive):
    archive.write("sessions/x.md", "")
    assert archive.build() == 1
    assert not archive.output.exists()


def test_every_problem_of_a_build_is_reported_at_once(archive: Archive, capsys):
    before = _good_archive(archive)
    capsys.readouterr()
    archive.write("sessions/eins.md", session_md(date="2024-02-30"))
    archive.write("sessions/2025/zwei.md", b"---\ntitle: \xff\n---\n")
    archive.write("topics/drei.md", "---\ntitle: [Drei]\n---\n")
    archive.write("sessions/vier.md", session_md(title="[x]", number="zwei", draft="ja"))
    assert archive.build() == 1
    err = capsys.readouterr().err
    content = archive.content
    expected = [
        f"{content}/sessions/2025/zwei.md:2: the file is not UTF-8",
        f"{content}/sessions/eins.md:3: 'date' is not a valid date",
        f"{content}/sessions/vier.md:2: 'title' must be text, not a list",
        f"{content}/sessions/vier.md:4: 'number' must be a whole number",
        f"{content}/sessions/vier.md:5: 'draft' must be true or false",
        f"{content}/topics/drei.md:2: 'title' must be text, not a list",
    ]
    problems = [line for line in err.splitlines() if line.startswith(str(content))]
    assert len(problems) == len(expected), err
    for got, want in zip(problems, expected):  # sorted by file, then line
        assert got.startswith(want), (got, want)
    assert "build failed: 6 errors" in err
    assert tree_snapshot(archive.output) == before


def test_a_draft_is_checked_even_when_it_is_left_out(archive: Archive, capsys):
    archive.write("sessions/x.md", session_md(date="2024-13-01", draft="true"))
    assert archive.build() == 1
    assert f"{archive.content}/sessions/x.md:3: 'date' is not a valid date" in capsys.readouterr().err


@pytest.mark.parametrize("text", [
    "---\r\ntitle: Mit CRLF\r\ndate: 2024-09-05\r\n---\r\nText\r\n",
    "---  \ntitle: Mit Leerzeichen   \ndate: 2024-09-05 \n---\t\nText  \n",
    "\ufeff---\ntitle: Mit BOM\ndate: 2024-09-05\n---\nText\n",
    "---\ntitle: Ohne Text\ndate: 2024-09-05\n---",
])
def test_windows_line_ends_trailing_spaces_and_bom_are_fine(archive: Archive, text: str):
    archive.write("sessions/x.md", text.encode("utf-8"))
    assert archive.build() == 0
    html = archive.page("sitzungen/x/")
    assert "5.\u00a0September\u00a02024" in html and "<h1>Mit " in html or "<h1>Ohne Text</h1>" in html


def test_a_crlf_file_reports_the_same_lines(archive: Archive, capsys):
    archive.write("sessions/x.md", b"---\r\ntitle: a\r\ndate: 2024-02-30\r\n---\r\n")
    assert archive.build() == 1
    assert f"{archive.content}/sessions/x.md:3: 'date' is not a valid date: '2024-02-30'" in capsys.readouterr().err


# --- the real command in a subprocess: exact stderr, no traceback ----------------------------

@pytest.mark.parametrize("rel, data, message", [
    ("sessions/x.md", b"---\ntitle: Hallo\ntopics: [a, b\n---\n", None),
    ("sessions/x.md", b"---\ntitle: \xc3\x28\n---\n", "2: the file is not UTF-8 (byte 0xc3 cannot be read)"),
    ("sessions/x.md", b"", "1: the file is empty"),
    ("sessions/x.md", b"---\ntitle: a\n", "1: the front matter is not closed"),
])
def test_the_command_reports_bad_input_without_a_traceback(archive: Archive, rel, data, message):
    before = _good_archive(archive)
    archive.write(rel, data)
    result = archive.run("build")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    first = result.stderr.splitlines()[0]
    if message is None:
        assert first.startswith(f"{archive.content}/{rel}:3: invalid YAML in the front matter: ")
    else:
        assert first == f"{archive.content}/{rel}:{message}"
    assert result.stderr.splitlines()[-1] == "build failed: 1 error; the output folder was not changed"
    assert tree_snapshot(archive.output) == before


def test_nothing_is_written_outside_the_output_folder_whatever_a_slug_says(archive: Archive):
    archive.write("sessions/x.md", session_md(slug="../../../ausbruch"))
    archive.write("pages/y.md", "---\ntitle: Y\nslug: /tmp/ausbruch\n---\n")
    archive.write("topics/z.md", "---\ntitle: Z\nslug: ../ausbruch\n---\n")
    # the build cache (.kaffee-cache/ beside the output, by design) may appear; nothing else may
    files_before = sorted(p for p in archive.root.rglob("*") if ".kaffee-cache" not in p.parts)
    assert archive.build() == 1
    assert sorted(p for p in archive.root.rglob("*") if ".kaffee-cache" not in p.parts) == files_before
    escaped = [*archive.root.parent.glob("ausbruch*"), *archive.root.rglob("ausbruch*"), *Path("/tmp").glob("ausbruch*")]
    assert escaped == []


# --- bad folders: usage errors, exit 2, nothing deleted ---------------------------------------

def _run_with_output(archive: Archive, output, capsys) -> tuple[int, str]:
    code = main(["build", "--content", str(archive.content), "--output", str(output), "--templates", str(TEMPLATES)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("where", ["content itself", "inside content", "parent of content"])
def test_an_output_folder_overlapping_the_content_is_refused(archive: Archive, capsys, where: str):
    archive.write("sessions/x.md", session_md())
    output = {"content itself": archive.content, "inside content": archive.content / "output",
              "parent of content": archive.root}[where]
    before = tree_snapshot(archive.root)
    code, err = _run_with_output(archive, output, capsys)
    assert code == 2
    assert "the output folder must be separate from the content folder" in err
    assert tree_snapshot(archive.root) == before


def test_an_output_folder_inside_the_templates_is_refused(archive: Archive, capsys):
    archive.write("sessions/x.md", session_md())
    theme = shutil.copytree(TEMPLATES, archive.root / "theme")
    before = tree_snapshot(theme)
    code = main(["build", "--content", str(archive.content), "--output", str(theme / "out"), "--templates", str(theme)])
    assert code == 2
    assert "the output folder must be separate from the templates folder" in capsys.readouterr().err
    assert tree_snapshot(theme) == before and not (theme / "out").exists()


def test_a_folder_kaffee_site_did_not_create_is_refused(archive: Archive, capsys):
    archive.write("sessions/x.md", session_md())
    foreign = archive.root / "meine-dateien"
    foreign.mkdir()
    (foreign / "steuererklaerung.pdf").write_bytes(b"wichtig")
    code, err = _run_with_output(archive, foreign, capsys)
    assert code == 2
    assert "refusing to write into a folder that kaffee-site did not create" in err
    assert [p.name for p in foreign.iterdir()] == ["steuererklaerung.pdf"]


def test_an_empty_existing_folder_is_fine_and_gets_the_marker(archive: Archive, capsys):
    archive.write("sessions/x.md", session_md())
    archive.output.mkdir()
    code, _ = _run_with_output(archive, archive.output, capsys)
    assert code == 0
    assert (archive.output / ".kaffee-site").is_file()


def test_an_output_path_that_is_a_file_is_refused(archive: Archive, capsys):
    archive.write("sessions/x.md", session_md())
    target = archive.root / "datei"
    target.write_text("bleibt")
    code, err = _run_with_output(archive, target, capsys)
    assert code == 2 and "is a file" in err
    assert target.read_text() == "bleibt"


def test_a_missing_content_folder_is_a_usage_error(archive: Archive):
    archive.content.rmdir()
    result = archive.run("build")
    assert result.returncode == 2
    assert result.stderr == f"kaffee-site: {archive.content}: the content folder does not exist\n"
    assert not archive.output.exists()


def test_a_missing_templates_folder_is_a_usage_error(archive: Archive, capsys):
    archive.write("sessions/x.md", session_md())
    missing = archive.root / "kein-theme"
    assert main(["build", "--content", str(archive.content), "--output", str(archive.output),
                 "--templates", str(missing)]) == 2
    assert capsys.readouterr().err == f"kaffee-site: {missing}: the templates folder does not exist\n"
    assert not archive.output.exists()


def test_an_unknown_option_is_a_usage_error(archive: Archive):
    result = archive.run("build", "--draft-mode")
    assert result.returncode == 2 and "unrecognized arguments: --draft-mode" in result.stderr
    assert "Traceback" not in result.stderr
