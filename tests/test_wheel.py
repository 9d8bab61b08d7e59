"""The tool as another organisation gets it: a wheel, installed into a fresh virtual environment
outside the repository, then `init` and `build` in a new folder with no templates of its own,
with one overridden template, and with the override removed again.

The wheel is built from a copy of the sources (setuptools writes build/ next to pyproject.toml,
and the repository must stay clean). The new environment gets kaffee-site from the wheel alone
(`--no-deps`); its dependencies are those of the environment running the tests, reached through
a .pth file, so the test needs no network.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from support import ROOT, tree_snapshot

OVERRIDE = ('{% extends "default/base.html" %}\n'
            '{% block footer %}<footer class="eigen">Unser eigener Fuß</footer>\n{% endblock %}\n')


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv that holds kaffee-site from a freshly built wheel."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in ("src", "templates"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
         "-w", work / "dist", source, cwd=work)
    wheels = list((work / "dist").glob("kaffee_site-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for inside in ("kaffee_site/themes/default/base.html", "kaffee_site/themes/default/static/style.css",
                   "kaffee_site/locales/de.po", "kaffee_site/locales/en.po", "kaffee_site/cms/admin.js",
                   "kaffee_site/scaffold/common/dot-github/workflows/pages.yml",
                   "kaffee_site/scaffold/de/content/pages/barrierefreiheit.md"):
        assert inside in names, inside
    env = work / "env"
    venv.create(env, with_pip=True)
    bin_dir = env / "bin"
    _run(bin_dir / "python", "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--disable-pip-version-check", wheels[0], cwd=work)
    # the dependencies (jinja2, markdown-it, yaml, watchdog, pagefind) from the environment running the tests
    purelib = _run(bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                   cwd=work).stdout.strip()
    Path(purelib, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = _run(bin_dir / "python", "-c", "import kaffee_site; print(kaffee_site.__file__)", cwd=work).stdout
    assert where.startswith(str(env)), where  # the wheel's copy, not the repository's
    return bin_dir


def test_a_wheel_in_a_fresh_environment_inits_builds_and_takes_overrides(installed: Path, tmp_path: Path):
    tool = installed / "kaffee-site"
    _run(tool, "init", "archiv", "--date", "2025-03-13", cwd=tmp_path)
    site = tmp_path / "archiv"
    assert not (site / "templates").exists()
    _run(tool, "check", cwd=site)  # --strict fails until the legal pages' placeholders are replaced
    _run(tool, "build", "--no-cache", cwd=site)
    plain = tree_snapshot(site / "output")
    session = plain["sitzungen/2025-03-13-willkommen-im-archiv/index.html"].decode()
    assert '<html lang="de">' in session and "13.\u00a0März\u00a02025" in session and "Zum Inhalt springen" in session
    assert plain["static/style.css"] == (ROOT / "templates/static/style.css").read_bytes()
    assert "impressum/index.html" in plain and "barrierefreiheit/index.html" in plain

    (site / "templates").mkdir()
    (site / "templates/base.html").write_text(OVERRIDE, encoding="utf-8")
    _run(tool, "build", "--no-cache", cwd=site)
    changed = tree_snapshot(site / "output")
    framed = [p for p, data in plain.items() if b'<footer class="site-footer">' in data]
    assert len(framed) >= 10
    for path in framed:
        assert b'<footer class="eigen">Unser eigener Fu\xc3\x9f</footer>' in changed[path], path
        assert b'<footer class="site-footer">' not in changed[path], path
        assert b"Zum Inhalt springen" in changed[path]  # the rest of the frame is the default's
    assert {p for p in plain if plain[p] != changed[p]} == set(framed)

    (site / "templates/base.html").unlink()
    _run(tool, "build", "--no-cache", cwd=site)
    assert tree_snapshot(site / "output") == plain


def test_an_english_archive_from_the_wheel(installed: Path, tmp_path: Path):
    tool = installed / "kaffee-site"
    _run(tool, "init", "--language", "en", "--date", "2025-03-13", cwd=tmp_path)
    _run(tool, "build", cwd=tmp_path)
    page = (tmp_path / "output/sessions/2025-03-13-welcome-to-the-archive/index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "13\u00a0March\u00a02025" in page and "Skip to content" in page


def test_installing_leaves_no_build_folder_in_the_repository():
    assert not (ROOT / "build").exists()
    assert "/build/" in (ROOT / ".gitignore").read_text().split()
