"""The tool as another organisation gets it: a wheel, installed into a fresh virtual environment
outside the repository, then `init` and `build` in a new folder with no templates of its own,
with one overridden template, and with the override removed again.

The wheel is built once, from a copy of the sources (setuptools writes build/ next to
pyproject.toml, and the repository must stay clean), the way the release workflow's `python -m
build` builds it: with the same frontend (build's ProjectBuilder) in an isolated environment that
holds only what pyproject.toml declares, the sdist first and the wheel from the unpacked sdist
(one environment serves both: `python -m build` makes a second, identical one). The new
environment gets kaffee-site from the wheel alone (`--no-deps`); its dependencies are those of the
environment running the tests, reached through a .pth file, so that test needs no network. The
CI test installs as CI does, the dependencies from the package index (which CI reaches) and
kaffee-site from the wheel init put into the archive.

New environments are made without ensurepip (which installs and byte-compiles pip and setuptools,
most of a venv's cost): the running pip installs into them (`pip --python`) without
byte-compiling; Python compiles what a command imports on its first run. Where a step needs pip
inside the environment (CI's `pip install`), it gets the very pip wheel ensurepip would install.
"""

from __future__ import annotations

import ensurepip
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import warnings
import zipfile
from pathlib import Path

import pytest
import yaml
from build import ProjectBuilder
from build.env import DefaultIsolatedEnv
from pyproject_hooks import BuildBackendWarning
from support import ROOT, fill_in_the_legal_pages, tree_snapshot

OVERRIDE = ('{% extends "default/base.html" %}\n'
            '{% block footer %}<footer class="eigen">Unser eigener Fuß</footer>\n{% endblock %}\n')


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def _pip_into(env: Path, *args: str | Path) -> None:
    """`pip install` into the venv `env`, run by this environment's pip (the venv needs none)."""
    _run(sys.executable, "-m", "pip", "--python", env / "bin/python", "install", "--no-compile", "--quiet",
         "--disable-pip-version-check", *args, cwd=env)


def _fresh_env_with_pip(env: Path) -> None:
    """A new venv with the pip `python -m venv` gives it (ensurepip's own wheel), as a CI runner's
    Python has one; setuptools, which ensurepip adds on 3.11, is no part of CI's install steps."""
    venv.create(env, with_pip=False)
    # where ensurepip takes its wheel from: a distribution's folder (Debian, Fedora) before its own copy
    for folder in (sysconfig.get_config_var("WHEEL_PKG_DIR"), Path(ensurepip.__file__).parent / "_bundled"):
        if folder and any(Path(folder).glob("pip-*.whl")):
            _pip_into(env, "--no-index", "--find-links", folder, "pip")
            return
    pytest.fail("ensurepip has no pip wheel here, so `python -m venv` could not give an environment pip either")


def _sources(folder: Path) -> Path:
    """A copy of what a clone holds that building the package reads (never build/ in ROOT)."""
    folder.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, folder / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in ("src", "templates"):
        shutil.copytree(ROOT / name, folder / name, ignore=ignore)
    return folder


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built once for every test here."""
    work = tmp_path_factory.mktemp("wheel")
    source = _sources(work / "source")
    # as the release workflow builds them: the sdist, then the wheel from the sdist (so the sdist
    # must hold everything the wheel needs), in an environment with only the declared build needs
    # setuptools' advice on the data folders (locales/, themes/) went into the CLI's captured output
    with DefaultIsolatedEnv() as env, warnings.catch_warnings():
        warnings.simplefilter("ignore", BuildBackendWarning)
        builder = ProjectBuilder.from_isolated_env(env, source)
        env.install(builder.build_system_requires)
        env.install(builder.get_requires_for_build("sdist"))
        sdist = Path(builder.build("sdist", work / "dist"))
        with tarfile.open(sdist) as archive:
            archive.extractall(work / "unpacked", filter="data")
        [unpacked] = (work / "unpacked").iterdir()
        from_sdist = ProjectBuilder.from_isolated_env(env, unpacked)
        env.install(from_sdist.get_requires_for_build("wheel"))
        from_sdist.build("wheel", work / "dist")
    wheels = list((work / "dist").glob("kaffee_site-*.whl"))
    assert len(wheels) == 1 and len(list((work / "dist").glob("kaffee_site-*.tar.gz"))) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for inside in ("kaffee_site/themes/default/base.html", "kaffee_site/themes/default/static/style.css",
                   "kaffee_site/locales/de.po", "kaffee_site/locales/en.po", "kaffee_site/cms/admin.js",
                   "kaffee_site/scaffold/common/dot-github/workflows/pages.yml",
                   "kaffee_site/scaffold/de/content/pages/barrierefreiheit.md"):
        assert inside in names, inside
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    """bin/ of a fresh venv that holds kaffee-site from the wheel."""
    work = tmp_path_factory.mktemp("installed")
    env = work / "env"
    venv.create(env, with_pip=False)
    bin_dir = env / "bin"
    _pip_into(env, "--no-deps", "--no-index", wheel)
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


def _ci_shell(command: str, cwd: Path, env_bin: Path, **variables: str) -> subprocess.CompletedProcess:
    """One step of a CI file, run as the runner runs it (bash -e), the Python set up on PATH."""
    env = {**os.environ, "PATH": f"{env_bin}{os.pathsep}{os.environ['PATH']}", "CI": "true", **variables}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result


def _readme_quick_start() -> str:
    """The README's commands for starting a new archive, as a shell script."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Starting a new archive**", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_readme_quick_start_then_ci_install_the_same_tool_without_a_release(tmp_path: Path):
    """The README's quick start as written (the clone's address aside, and without `serve`, which
    runs until stopped) on a machine where the package index has no kaffee-site; then, as CI
    would, in a second fresh environment the steps of the GitHub workflow init wrote, word for
    word: its install step installs what requirements.txt names, from the archive's folder, its
    check and build steps pass; then the GitLab job's script. git then stages what init wrote and
    nothing the builds made."""
    upstream = _sources(tmp_path / "upstream")
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "kaffee-site"]):
        _run("git", "-c", "user.name=T", "-c", "user.email=t@example.org", *command, cwd=upstream)
    script = _readme_quick_start()
    assert "<this repository's address>" in script and "kaffee-site init mein-archiv" in script
    script = "\n".join(line for line in script.replace("<this repository's address>", str(upstream)).splitlines()
                       if not line.startswith("kaffee-site serve"))
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    done = subprocess.run(["bash", "-e", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
    [wheel] = (work / "wheels").glob("kaffee_site-*.whl")
    assert f"requirements.txt: ./vendor/{wheel.name} (CI installs the wheel installed here" in done.stdout
    site = work / "mein-archiv"
    assert (site / "requirements.txt").read_text().splitlines()[-1] == f"./vendor/{wheel.name}"
    assert (site / "vendor" / wheel.name).read_bytes() == wheel.read_bytes()
    fill_in_the_legal_pages(site / "content")  # what the editor does first: check --strict fails until then
    written = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}

    ci = tmp_path / "ci-env"
    _fresh_env_with_pip(ci)
    steps = yaml.safe_load((site / ".github/workflows/pages.yml").read_text())["jobs"]["build"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[0] == "pip install -r requirements.txt" and runs[-1] == "kaffee-site build"
    for command in runs:
        # before the first deployment the published archive's address leads nowhere (port 9: refused)
        _ci_shell(command.replace("${{ steps.pages.outputs.base_url }}", "http://127.0.0.1:9"), site, ci / "bin")
    where = _run(ci / "bin/python", "-c", "import kaffee_site; print(kaffee_site.__file__)", cwd=tmp_path).stdout
    assert where.startswith(str(ci)), where  # the vendored wheel's copy, installed by the workflow's step
    assert (site / "published-urls.json").read_text().strip() == "{}"
    assert "Willkommen im Archiv" in (site / "output/index.html").read_text(encoding="utf-8")

    script = yaml.safe_load((site / ".gitlab-ci.yml").read_text())["pages"]["script"]
    assert script[0] == runs[0]
    _ci_shell("\n".join(script), site, ci / "bin", CI_PAGES_URL="http://127.0.0.1:9", CI_PIPELINE_SOURCE="push")
    assert (site / "public/index.html").read_bytes() == (site / "output/index.html").read_bytes()

    _run("git", "init", "-q", cwd=site)
    _run("git", "add", "-A", cwd=site)
    staged = set(_run("git", "diff", "--cached", "--name-only", cwd=site).stdout.split())
    assert staged == written and f"vendor/{wheel.name}" in staged


def test_the_release_workflow_builds_both_and_publishes_through_trusted_publishing():
    flow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text(encoding="utf-8"))
    assert flow[True] == {"push": {"tags": ["v*"]}}  # YAML reads the key 'on' as true
    build, publish = flow["jobs"]["build"], flow["jobs"]["publish"]
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    assert "python -m build" in runs and "pip install dist/*.whl" in runs and "GITHUB_REF_NAME" in runs
    assert publish["needs"] == "build" and publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    uses = [step["uses"] for step in publish["steps"]]
    assert uses[-1].startswith("pypa/gh-action-pypi-publish@")
    # trusted publishing: no token or password is handed to the publishing step
    assert all("with" not in step or not {"password", "user"} & set(step["with"]) for step in publish["steps"])
    assert flow["permissions"] == {"contents": "read"} and "id-token" not in build.get("permissions", {})
