"""No traceback for any content (issue 18): the two cases the issue found, run as an editor would,
in a real process: one `path: message` line (and its hint), never Python's traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import Archive, session_md, with_legal_pages


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kaffee_site", *args], cwd=cwd, capture_output=True, text=True)


def _problem_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith((" ", "check ", "build "))]


SJIS_SVG = '<?xml version="1.0" encoding="Shift_JIS"?>\n<svg xmlns="http://www.w3.org/2000/svg">\n<text>日本語</text>\n'


@pytest.mark.parametrize("body, expected", [
    ("</svg>\n", None),  # a harmless picture in Shift_JIS: nothing to say
    ("<script>alert(1)</script>\n</svg>\n", "media/bild.svg:4: the picture has a <script> element: opened on its own "
                                            "in a browser, it would run on the archive's own origin"),
])
def test_a_picture_in_shift_jis_is_checked_without_a_traceback(archive: Archive, body: str, expected: str | None):
    with_legal_pages(archive).write("sessions/a.md", session_md("A"))
    archive.write("media/bild.svg", (SJIS_SVG + body).encode("shift_jis"))
    checked = archive.run("check")
    built = archive.run("build")
    for result in (checked, built):
        assert "Traceback" not in result.stdout + result.stderr
    if expected is None:
        assert (checked.returncode, built.returncode) == (0, 0), checked.stdout + checked.stderr + built.stderr
        assert (archive.output / "media/bild.svg").read_bytes() == (SJIS_SVG + body).encode("shift_jis")
        return
    assert (checked.returncode, built.returncode) == (1, 1)
    assert _problem_lines(checked.stdout) == [f"{archive.content}/{expected}"]
    assert _problem_lines(built.stderr) == [f"{archive.content}/{expected}"]


@pytest.mark.parametrize("make", ["dangling .github/workflows", "dangling folder", "file as folder"])
def test_init_where_a_folder_is_a_broken_link_is_one_message(tmp_path: Path, make: str):
    folder = tmp_path / "archiv"
    if make == "dangling folder":
        folder.symlink_to(tmp_path / "nowhere")
        culprit, why = folder, f"is a symbolic link to {tmp_path / 'nowhere'}, which does not exist"
    else:
        (folder / ".github").mkdir(parents=True)
        if make == "file as folder":
            (folder / ".github/workflows").write_text("")
            culprit, why = folder / ".github/workflows", "is a file, not a folder"
        else:
            (folder / ".github/workflows").symlink_to(tmp_path / "gone")
            culprit, why = folder / ".github/workflows", f"is a symbolic link to {tmp_path / 'gone'}, which does not exist"
    result = _run(tmp_path, "init", str(folder))
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"kaffee-site: {culprit}: {why}; nothing was written "
                                          + ("(move it away first)" if make == "file as folder"
                                             else "(remove the link, or make the folder it points to)")]
    assert not os.path.lexists(tmp_path / "nowhere") and not (tmp_path / "archiv/content").exists()
