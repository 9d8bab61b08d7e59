"""The README's how-to recipes, run as written (issue 22): a year of an archive's work, in order,
on an archive made by `kaffee-site init`, with git and a real (bare) remote to push to.

Each recipe's blocks are applied in their order: a `sh` block runs line by line in the archive's
folder with the installed `kaffee-site` (every command must succeed); a `yaml` block sets its
keys in the front matter of the file named on its first line (what the editor types there); a
`markdown` block replaces the body of the file named on its first line; a `jinja` block is
written to the file named on its first line. After each recipe the archive is built, as CI does
after a push, so the next recipe's `check` knows what was published."""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from support import ROOT, epoch
from test_init import fill_in_the_legal_pages

from kaffee_site.cli import main

BIN = Path(sys.executable).parent
GIT = {"GIT_AUTHOR_NAME": "Redaktion", "GIT_AUTHOR_EMAIL": "redaktion@example.org",
       "GIT_COMMITTER_NAME": "Redaktion", "GIT_COMMITTER_EMAIL": "redaktion@example.org"}


def recipes() -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(block language, block text)]) of every recipe of the How-to section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## How-to: the monthly work\n", 1)[1].split("\n## ", 1)[0]
    found = []
    for part in section.split("\n### ")[1:]:
        title, body = part.split("\n", 1)
        found.append((title.strip(), re.findall(r"```(\w+)\n(.*?)```", body, re.S)))
    return found


def run(archive: Path, line: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(shlex.split(line), cwd=archive, capture_output=True, text=True, env=env)


def build_as_ci_does(archive: Path) -> tuple[int, str]:
    """`kaffee-site build` in the archive's folder, as CI runs it after a push: in this process
    (the recipes' own commands run as the editor types them; this build only publishes them);
    (exit code, what it printed on stderr)."""
    err = io.StringIO()
    here = Path.cwd()
    os.chdir(archive)
    try:
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            code = main(["build"])
    finally:
        os.chdir(here)
    return code, err.getvalue()


def named_file(archive: Path, first_line: str) -> Path:
    name = re.fullmatch(r"(?:#|<!--|\{#)\s*(\S+)\s*(?:-->|#\})?", first_line.strip()).group(1)
    return archive / name


def split(text: str) -> tuple[str, str]:
    _, front, body = text.split("---\n", 2)
    return front, body


def set_keys(path: Path, keys: str) -> None:
    """The keys of the block replace those of the front matter; the others stay."""
    front, body = split(path.read_text(encoding="utf-8"))
    meta = yaml.safe_load(front) or {}
    meta.update(yaml.safe_load(keys))
    text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None)
    path.write_text(f"---\n{text}---\n{body}", encoding="utf-8")


def set_body(path: Path, body: str) -> None:
    front, _ = split(path.read_text(encoding="utf-8"))
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")


def apply(archive: Path, title: str, language: str, block: str) -> list[str]:
    """Apply one block; the output of every `kaffee-site check` it ran."""
    first, rest = block.split("\n", 1)
    if language == "yaml":
        set_keys(named_file(archive, first), rest)
    elif language == "markdown":
        set_body(named_file(archive, first), rest)
    elif language == "jinja":
        target = named_file(archive, first)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block, encoding="utf-8")
    elif language == "sh":
        checks = []
        for line in block.strip().splitlines():
            done = run(archive, line)
            assert done.returncode == 0, f"{title}: {line}\n{done.stdout}{done.stderr}"
            if line.startswith("kaffee-site check"):
                checks.append(done.stdout)
        return checks
    else:
        pytest.fail(f"{title}: a {language} block the test does not know how to apply")
    return []


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A new archive, its legal pages filled in, published once (pushed and built)."""
    folder = tmp_path / "archiv"
    remote = tmp_path / "remote.git"
    assert run(tmp_path, "kaffee-site init archiv --date 2025-01-16 --title Testarchiv").returncode == 0
    fill_in_the_legal_pages(folder / "content")
    for line in (f"git init -q --bare {remote}", "git init -q -b main", f"git remote add origin {remote}",
                 "git add .", "git commit -q -m Anfang", "git push -q -u origin main"):
        done = run(folder if not line.startswith("git init -q --bare") else tmp_path, line)
        assert done.returncode == 0, f"{line}: {done.stderr}"
    code, err = build_as_ci_does(folder)
    assert code == 0, err
    return folder


def test_the_readme_has_a_recipe_for_every_monthly_task():
    titles = [title for title, _ in recipes()]
    assert titles == ["Write up a session", "Publish", "Announce the next session", "Correct a published report",
                      "Back-fill an old report", "Rename a topic", "Move or rename a report", "Delete a report",
                      "Add to the footer"]
    assert all(blocks for _, blocks in recipes())


def test_every_recipe_works_as_written(archive: Path, monkeypatch):
    # a week after the report of 13 February: the session it announces (13 March) is still ahead
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-02-20"))
    pushed = []
    for title, blocks in recipes():
        checks = [out for language, block in blocks for out in apply(archive, title, language, block)]
        for out in checks:  # check --strict passed; the recipe left nothing to warn about either
            assert out == "", f"{title}: {out}"
        code, err = build_as_ci_does(archive)  # what CI does after the push
        assert code == 0, f"{title}: {err}"
        pushed.append(run(archive, "git log --oneline origin/main").stdout.count("\n"))
    output = archive / "output"
    # what the year left: the topic under its new name, every old address leading on
    assert (output / "themen/konnektivitaet/index.html").is_file()
    assert "/themen/konnektivitaet/" in (output / "themen/breitband/index.html").read_text(encoding="utf-8")
    for old in ("2025-02-13-breitband-im-dorf", "2025-01-16-willkommen-im-archiv"):
        assert "/sitzungen/2025-02-13-glasfaser/" in (output / f"sitzungen/{old}/index.html").read_text(encoding="utf-8")
    report = (output / "sitzungen/2025-02-13-glasfaser/index.html").read_text(encoding="utf-8")
    assert "Nr.\u00a02" in report and "Glasfaser in die Dörfer" in report
    assert "Nr.\u00a01" in (output / "sitzungen/2024-11-14-dorflaeden/index.html").read_text(encoding="utf-8")
    home = (output / "index.html").read_text(encoding="utf-8")
    assert "Open Data im Landkreis" in home and "redaktion@example.org" in home and 'href="/impressum/"' in home
    assert pushed[0] == 1 and pushed[-1] == 5  # the four recipes that push reached the remote
