"""The output kinds plan themselves: a new kind of output is one new file in outputs/ and its name
in the one list of kinds.

The package is copied into tmp_path and run from there, so a kind can be added to it the way a
developer would add one, without touching the installed package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from support import ROOT, Archive, session_md, tree_snapshot

from kaffee_site.outputs.kind import kinds

PACKAGE = ROOT / "src" / "kaffee_site"

EXTRA_KIND = '''
"""A test kind: one text file listing the session titles."""
from kaffee_site.outputs.kind import PageSpec



def plan(site, planned):
    return [PageSpec("titel.txt", "", producer=titles)]


def titles(site):
    return "".join(s.title + "\\n" for s in site.sessions).encode("utf-8")
'''


def _copy_package(into: Path) -> Path:
    package = into / "kaffee_site"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", package / "themes" / "default")  # the wheel's package-dir mapping
    return package


def _build(archive: Archive, path: Path, output: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run([sys.executable, "-m", "kaffee_site", "build", "--content", str(archive.content),
                           "--output", str(archive.root / output)], capture_output=True, text=True, env=env,
                          cwd=archive.root)


def test_a_new_output_kind_is_one_new_file_and_its_name_in_the_list(archive: Archive, tmp_path: Path):
    archive.write("site.yaml", "title: Testarchiv\nsearch: false\n")
    archive.write("sessions/a.md", session_md("Erste Runde", "2024-09-05", topics="[Open Data]"))
    archive.write("sessions/b.md", session_md("Zweite Runde", "2024-10-10"))
    package = _copy_package(tmp_path / "lib")
    before = _build(archive, package.parent, "before")
    assert before.returncode == 0, before.stderr
    (package / "outputs" / "titles.py").write_text(EXTRA_KIND, encoding="utf-8")
    listing = package / "outputs" / "kind.py"
    text = listing.read_text(encoding="utf-8")
    assert text.count('"opendata", ') == 1
    listing.write_text(text.replace('"opendata", ', '"opendata", "titles", '), encoding="utf-8")
    after = _build(archive, package.parent, "after")
    assert after.returncode == 0, after.stderr
    assert (archive.root / "after" / "titel.txt").read_text(encoding="utf-8") == "Zweite Runde\nErste Runde\n"
    old, new = tree_snapshot(archive.root / "before"), tree_snapshot(archive.root / "after")
    assert set(new) - set(old) == {"titel.txt"}
    assert all(new[path] == data for path, data in old.items())


def test_every_output_kind_is_listed_and_the_render_stage_names_none():
    # a module that plans outputs or offers template helpers but is missing from KINDS would be
    # left out of every build without a word
    listed = {kind.__name__.rsplit(".", 1)[1] for kind in kinds()}
    for module in sorted((PACKAGE / "outputs").glob("*.py")):
        defines = [line for line in module.read_text(encoding="utf-8").splitlines()
                   if line.startswith(("def plan(", "def template_globals("))]
        assert bool(defines) == (module.stem in listed), module.name
    assert all(hasattr(kind, "plan") or hasattr(kind, "template_globals") for kind in kinds())
    render = (PACKAGE / "render" / "render.py").read_text(encoding="utf-8")
    imports = [line for line in render.splitlines() if line.startswith(("from kaffee_site.outputs", "import kaffee"))]
    assert [line.split(" import ")[0] for line in imports] == ["from kaffee_site.outputs.kind"]
