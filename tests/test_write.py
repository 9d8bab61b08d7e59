"""The write stage: a failing render never leaves half an archive, whatever the output folder held."""

from __future__ import annotations

import shutil

import pytest
from support import TEMPLATES, Archive, session_md, tree_snapshot

from kaffee_site.cli import main


@pytest.fixture
def broken_theme(tmp_path):
    """The default theme with a session template that fails while rendering (not while compiling)."""
    theme = tmp_path / "theme"
    shutil.copytree(TEMPLATES, theme)
    page = theme / "session.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}{{ no_such_value }}", 1),
                    encoding="utf-8")
    return theme


def _build(archive: Archive, theme) -> int:
    return main(["build", "--content", str(archive.content), "--output", str(archive.output),
                 "--templates", str(theme), "--no-cache"])


@pytest.mark.parametrize("before", ["missing", "empty"])
def test_a_render_error_into_a_new_or_empty_folder_leaves_nothing_behind(archive: Archive, broken_theme, before,
                                                                        capsys):
    for n in range(30):  # enough pages that some are written before the failing one
        archive.write(f"sessions/s{n:02d}.md", session_md(f"Sitzung {n}", f"2024-01-{n % 28 + 1:02d}"))
    if before == "empty":
        archive.output.mkdir()
    assert _build(archive, broken_theme) == 1
    assert "no_such_value" in capsys.readouterr().err
    if before == "missing":
        assert not archive.output.exists()
    else:
        assert list(archive.output.iterdir()) == []


def test_a_render_error_leaves_a_previous_output_byte_for_byte(archive: Archive, broken_theme):
    archive.write("sessions/a.md", session_md("A"))
    assert archive.build("--no-cache") == 0
    before = tree_snapshot(archive.output)
    archive.write("sessions/b.md", session_md("B", "2024-10-01"))
    assert _build(archive, broken_theme) == 1
    assert tree_snapshot(archive.output) == before


def test_a_clean_build_and_a_rebuild_over_an_old_output_give_the_same_files(archive: Archive, tmp_path):
    archive.write("sessions/a.md", session_md("A"))
    archive.write("sessions/b.md", session_md("B", "2024-10-01", topics="[Neu]"))
    assert archive.build("--no-cache") == 0
    archive.write("sessions/b.md", session_md("B", "2024-10-01"))  # the topic page of Neu goes away
    (archive.output / "themen" / "stray.txt").write_text("not ours")
    assert archive.build("--no-cache") == 0
    fresh = Archive(tmp_path / "fresh")
    shutil.copytree(archive.content, fresh.content)
    assert fresh.build("--no-cache") == 0
    assert tree_snapshot(archive.output) == tree_snapshot(fresh.output)
    assert not (archive.output / "themen" / "neu").exists()
