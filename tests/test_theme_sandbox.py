"""Theme templates run in Jinja's sandbox (issue 18) unless site.yaml says `template_sandbox: false`.

The issue's case: `templates/robots.txt` with `{{ cycler.__init__.__globals__.os.environ.get('CI_SECRET') }}`
published CI's secret, and `os.popen(...)` ran under `check` too. Now a template cannot reach
Python's internals, the environment or processes, under `build`, `check` and `serve`; the default theme
renders the same bytes inside the sandbox as outside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jinja2.sandbox import unsafe

from kaffee_site.engine import load_site
from kaffee_site.options import BuildOptions
from kaffee_site.render.render import _globals
from kaffee_site.render.theme import TemplateProblem, Theme
from support import SAMPLE_CONTENT, Archive, ServeProcess, session_md, tree_snapshot, wait_until

SECRET = "CI-SECRET-h18-5e7a"
LEAK = "{{ cycler.__init__.__globals__.os.environ.get('CI_SECRET') }}\n"


def _archive_with_theme(archive: Archive, template: str, settings: str = "") -> Path:
    archive.write("site.yaml", "title: Test\nsearch: false\n" + settings)
    archive.write("sessions/a.md", session_md("A"))
    theme = archive.root / "theme"
    theme.mkdir(exist_ok=True)
    (theme / "robots.txt").write_text(template, encoding="utf-8")
    return theme


def _process(archive: Archive, command: str, theme: Path, *extra: str) -> subprocess.CompletedProcess:
    """The real command in a real process, with a secret in its environment as CI has."""
    args = ["--content", str(archive.content), "--templates", str(theme)]
    if command == "build":
        args += ["--output", str(archive.output)]
    return subprocess.run([sys.executable, "-m", "kaffee_site", command, *args, *extra], capture_output=True,
                          text=True, cwd=archive.root, env={**os.environ, "CI_SECRET": SECRET})


def test_a_template_cannot_read_the_environment_in_build_or_check(archive: Archive):
    theme = _archive_with_theme(archive, "User-agent: *\n" + LEAK)
    for command in ("check", "build"):
        result = _process(archive, command, theme)
        said = result.stdout + result.stderr
        assert result.returncode == 1, said
        assert SECRET not in said and "Traceback" not in said
        assert "theme/robots.txt:2: access to attribute '__init__' of 'type' object is unsafe." in said
        assert "hint: templates run in Jinja's sandbox" in said
    assert not archive.output.exists()


def test_a_template_cannot_start_a_process_in_build_or_check(archive: Archive, tmp_path: Path):
    marker = tmp_path / "ran"
    theme = _archive_with_theme(archive, "{{ lipsum.__globals__.os.popen('touch %s').read() }}\n" % marker)
    for command in ("check", "build"):
        result = _process(archive, command, theme)
        assert result.returncode == 1 and "unsafe" in result.stdout + result.stderr
        assert not marker.exists()


def test_serve_refuses_a_template_saved_while_it_runs_and_keeps_the_last_good_output(
        archive: Archive, tmp_path: Path, monkeypatch):
    """A theme file edited into an attack while `serve` runs (a real process, a secret in its
    environment): the problem is shown, the output stays the last good one, nothing runs."""
    theme = _archive_with_theme(archive, "User-agent: *\n")
    marker = tmp_path / "ran"
    monkeypatch.setenv("CI_SECRET", SECRET)
    serve = ServeProcess(archive.root, "--content", str(archive.content), "--output", str(archive.output),
                         "--templates", str(theme))
    try:
        wait_until(lambda: serve.get("/robots.txt") == (200, b"User-agent: *\n"), "the first build served", 60)
        (theme / "robots.txt").write_text("User-agent: *\n" + LEAK + "{{ lipsum.__globals__.os.popen('touch %s')"
                                          ".read() }}\n" % marker, encoding="utf-8")
        failed = wait_until(lambda: serve.problems()["failed"] and serve.problems()["problems"], "the refusal", 60)
        assert [p["text"].splitlines()[0] for p in failed if p["severity"] == "error"] == [
            "theme/robots.txt:2: access to attribute '__init__' of 'type' object is unsafe."]
        assert serve.get("/robots.txt") == (200, b"User-agent: *\n")
    finally:
        said = serve.stop()
    assert SECRET not in said and "Traceback" not in said
    assert not any(SECRET.encode() in p.read_bytes() for p in archive.output.rglob("*") if p.is_file())
    assert not marker.exists()


def test_an_archive_that_opts_out_trusts_its_theme(archive: Archive):
    """`template_sandbox: false`: the theme is code like the tool's own (the README says so)."""
    theme = _archive_with_theme(archive, LEAK, "template_sandbox: false\n")
    result = _process(archive, "build", theme)
    assert result.returncode == 0, result.stderr
    assert (archive.output / "robots.txt").read_text() == SECRET + "\n"


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("sandbox-site")
    shutil.copytree(SAMPLE_CONTENT, root / "content")
    return load_site(BuildOptions(root / "content", root / "output", root / "none")).site


@pytest.mark.parametrize("template", [
    "{{ lipsum.__globals__.os.popen('id').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ config.__class__ }}",
    "{{ url.__self__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__['os'] }}",
    "{{ _.__globals__ }}",
    "{{ '{0.__class__}'.format(config) }}",
    "{{ config | attr('__class__') }}",
    "{{ self.__dict__ }}",
    "{{ site._by_slug }}",
    "{{ session_times.__globals__ }}",
    "{% set s = site.sessions | list %}{{ s.append(1) }}",
    "{{ site.sessions[0].body.__class__ }}",
])
def test_every_way_into_python_is_refused(tmp_path: Path, sample_site, template: str):
    (tmp_path / "page.html").write_text(template, encoding="utf-8")
    theme = Theme(tmp_path)
    with pytest.raises(TemplateProblem) as refused:
        theme.render("page.html", **_globals(sample_site))
    problem = refused.value.problem
    assert problem.path == str(tmp_path / "page.html") and problem.line == 1
    assert problem.message.startswith("access to attribute ") and problem.message.endswith("object is unsafe.")
    assert problem.hint.startswith("templates run in Jinja's sandbox")


@pytest.mark.parametrize("template", ["{{ module.environ }}", "{{ path.parent }}", "{{ (path / 'x').name }}",
                                      "{{ holder.module }}"])
def test_a_module_or_a_file_path_is_refused_if_one_ever_reaches_a_template(tmp_path: Path, template: str):
    """The Site holds neither; a later change that handed one over would give a theme the
    environment or the file system, so the sandbox refuses both as values and as owners."""
    (tmp_path / "page.html").write_text(template, encoding="utf-8")

    class Holder:
        module = os

    with pytest.raises(TemplateProblem) as refused:
        Theme(tmp_path).render("page.html", module=os, path=tmp_path, holder=Holder())
    assert refused.value.problem.message.endswith("object is unsafe."), refused.value.problem.message


class _Store:
    @unsafe
    def delete(self) -> str:
        return "deleted"

    def keep(self) -> str:
        return "kept"


def _altering() -> str:
    return "altered"


_altering.alters_data = True  # Django's mark, which Jinja's sandbox honours too


@pytest.mark.parametrize("template, expected", [
    ("{{ store.delete() }}", "is not safely callable"),
    ("{{ altering() }}", "is not safely callable"),
    ("{{ marked() }}", "is not safely callable"),
    ("{{ store.keep() }}", None),
    ("{{ plain() }}", None),
])
def test_a_callable_marked_unsafe_is_refused_however_it_is_reached(tmp_path: Path, template: str, expected):
    """The sandbox's call check, read from the callable's own attributes (theme.py): a method,
    a function and a function marked after it was made are refused; unmarked ones run."""
    def plain() -> str:
        return "plain"

    def marked() -> str:
        return "marked"

    marked.unsafe_callable = True
    (tmp_path / "page.html").write_text(template, encoding="utf-8")
    values = {"store": _Store(), "altering": _altering, "plain": plain, "marked": marked}
    if expected is None:
        assert Theme(tmp_path).render("page.html", **values) in ("kept", "plain")
        return
    with pytest.raises(TemplateProblem) as refused:
        Theme(tmp_path).render("page.html", **values)
    assert expected in refused.value.problem.message and refused.value.problem.line == 1


class _CodeStore(dict):
    """What the build cache's theme section offers Theme: get and put by name."""

    def put(self, name: str, value) -> None:
        self[name] = value


@pytest.mark.parametrize("first", [False, True])
def test_code_compiled_for_one_side_of_the_sandbox_is_never_run_on_the_other(tmp_path: Path, first: bool):
    """Jinja compiles a sandboxed template's calls through the sandbox's check: a cache that
    handed a trusted theme's code to a sandboxed one would let a call marked unsafe through."""
    def marked() -> str:
        return "ran"

    marked.unsafe_callable = True
    (tmp_path / "page.html").write_text("{{ marked() }}", encoding="utf-8")
    store = _CodeStore()
    for sandboxed in (first, not first, first, not first):  # each compiled once, then from the store
        theme = Theme(tmp_path, store=store, sandboxed=sandboxed)
        if sandboxed:
            with pytest.raises(TemplateProblem, match="is not safely callable"):
                theme.render("page.html", marked=marked)
        else:
            assert theme.render("page.html", marked=marked) == "ran"
    assert len([name for name in store if name.startswith("template-code")]) == 2


def test_the_default_theme_renders_the_same_bytes_inside_the_sandbox(archive: Archive):
    shutil.copytree(SAMPLE_CONTENT, archive.content, dirs_exist_ok=True)
    config = archive.content / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "search: false\n", encoding="utf-8")
    assert archive.build("--no-cache") == 0
    sandboxed = tree_snapshot(archive.output)
    config.write_text(config.read_text(encoding="utf-8") + "template_sandbox: false\n", encoding="utf-8")
    assert archive.build("--no-cache") == 0
    assert tree_snapshot(archive.output) == sandboxed
