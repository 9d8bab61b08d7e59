"""Last changed and edit links: each report shows the day of the last commit that touched its
file, read with one `git log` for all files, and links "edit this page" when site.yaml names
the repository. Without git, nothing; in a shallow clone, nothing and a warning."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from support import TEMPLATES, Archive, session_md

from kaffee_site.cli import main
from kaffee_site.content.history import read_history

GIT = {"GIT_AUTHOR_NAME": "Redaktion", "GIT_AUTHOR_EMAIL": "r@example.org", "GIT_COMMITTER_NAME": "Redaktion",
       "GIT_COMMITTER_EMAIL": "r@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str, when: str | None = None) -> str:
    env = {**os.environ, **GIT}
    if when:  # the commit's time, e.g. '2024-10-09T23:30:00+02:00'
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


def commit(root: Path, message: str, when: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, when=when)


@pytest.fixture
def repository(archive: Archive) -> Archive:
    """An archive in a git repository with three commits: a, b; then a again; then site.yaml."""
    git(archive.root, "init", "-q", "-b", "main")
    (archive.root / ".gitignore").write_text("/output/\n/.kaffee-cache/\n.*.kaffee-*\n")
    archive.write("sessions/a.md", session_md("A", "2024-09-05"))
    archive.write("sessions/b ä.md", session_md("B", "2024-10-10", slug="b"))
    commit(archive.root, "zwei Berichte", "2024-10-10T09:00:00+02:00")
    archive.write("sessions/a.md", session_md("A", "2024-09-05", body="Korrigiert."))
    commit(archive.root, "A korrigiert", "2024-10-11T23:30:00+02:00")  # 21:30 UTC, the 11th in Germany
    archive.write("site.yaml", "title: Test\nrepository: https://github.com/land/archiv\n")
    commit(archive.root, "Einstellungen", "2024-12-01T10:00:00+01:00")
    return archive


def _source_line(html: str) -> str | None:
    start = html.find('<p class="meta page-source"')
    return html[start:html.index("</p>", start)] if start >= 0 else None


def test_each_report_shows_its_last_commit_and_an_edit_link(repository: Archive):
    assert repository.build() == 0
    a, b = repository.page("sitzungen/a/"), repository.page("sitzungen/b/")
    assert _source_line(a) == ('<p class="meta page-source" data-pagefind-ignore>Zuletzt geändert: '
                               '<time datetime="2024-10-11">11.\u00a0Oktober\u00a02024</time> · <a href="'
                               'https://github.com/land/archiv/edit/main/content/sessions/a.md" rel="nofollow">'
                               'Diese Seite bearbeiten</a>')
    assert '<time datetime="2024-10-10">10.\u00a0Oktober\u00a02024</time>' in _source_line(b)
    assert 'href="https://github.com/land/archiv/edit/main/content/sessions/b%20%C3%A4.md"' in _source_line(b)
    # an uncommitted edit is not a change in the history
    repository.write("sessions/a.md", session_md("A", "2024-09-05", body="Noch nicht committet."))
    assert repository.build() == 0
    assert "11.\u00a0Oktober\u00a02024</time>" in _source_line(repository.page("sitzungen/a/"))
    # committed, it is: and a cached build sees the new commit although no file changed since
    commit(repository.root, "A noch einmal", "2025-01-02T08:00:00+01:00")
    assert repository.build() == 0
    assert "2.\u00a0Januar\u00a02025</time>" in _source_line(repository.page("sitzungen/a/"))
    assert "10.\u00a0Oktober\u00a02024</time>" in _source_line(repository.page("sitzungen/b/"))


def test_edit_url_and_gitlab_addresses(repository: Archive):
    repository.write("site.yaml", "title: Test\nrepository: https://gitlab.example.org/land/archiv.git\n")
    assert repository.build() == 0
    assert 'href="https://gitlab.example.org/land/archiv/-/edit/main/content/sessions/a.md"' in \
        repository.page("sitzungen/a/")
    repository.write("site.yaml", "title: Test\nrepository: https://github.com/land/archiv\n"
                                  "edit_url: https://github.com/land/archiv/edit/entwurf/archiv/content/\n")
    assert repository.build() == 0
    assert 'href="https://github.com/land/archiv/edit/entwurf/archiv/content/sessions/a.md"' in \
        repository.page("sitzungen/a/")


def test_the_content_folder_deeper_in_the_repository_keeps_its_path(tmp_path: Path):
    root = tmp_path / "repo"
    archive = Archive(root / "archiv")
    archive.content.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    archive.write("site.yaml", "title: Test\nrepository: https://github.com/land/archiv\n")
    archive.write("sessions/a.md", session_md("A", "2024-09-05"))
    commit(root, "eins", "2024-10-10T09:00:00+02:00")
    assert archive.build() == 0
    assert 'href="https://github.com/land/archiv/edit/main/archiv/content/sessions/a.md"' in archive.page("sitzungen/a/")


def test_without_git_nothing_is_shown_and_without_repository_no_link(archive: Archive):
    archive.write("sessions/a.md", session_md("A", "2024-09-05"))
    assert archive.build() == 0
    assert _source_line(archive.page("sitzungen/a/")) is None
    archive.write("site.yaml", "repository: https://github.com/land/archiv\n")
    assert archive.build() == 0
    assert 'href="https://github.com/land/archiv/edit/main/content/sessions/a.md"' in archive.page("sitzungen/a/")
    assert "Zuletzt geändert" not in archive.page("sitzungen/a/")


def test_a_bad_repository_address_is_an_error_at_its_line(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md())
    archive.write("site.yaml", "title: Test\nrepository: github.com/land/archiv\n")
    assert archive.build() == 1
    assert "site.yaml:2: 'repository' must be a web address" in capsys.readouterr().err


def test_a_shallow_clone_shows_no_dates_and_says_why(repository: Archive, tmp_path: Path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repository.root.as_uri(), str(clone)], check=True,
                   env={**os.environ, **GIT})
    shallow = Archive(clone)
    result = shallow.run("build")
    assert result.returncode == 0, result.stderr
    assert "Zuletzt geändert" not in shallow.page("sitzungen/a/")
    assert "warning: the git checkout is shallow, so the reports do not show when they were last changed" in result.stderr
    assert "fetch-depth: 0" in result.stderr


def test_one_git_log_reads_all_files_and_stops_when_it_has_them(repository: Archive, tmp_path: Path, monkeypatch):
    """Cheap: two processes per build whatever the number of files (rev-parse, one log), and the
    log is not read past the newest commit of the files asked about."""
    for index in range(40):
        repository.write(f"sessions/s{index}.md", session_md(f"S{index}", "2024-11-01"))
    commit(repository.root, "viele", "2024-11-02T10:00:00+01:00")
    calls = []
    real = subprocess.Popen.__init__

    def counting(self, args, *rest, **kwargs):
        if args and args[0] == "git":
            calls.append(args)
        real(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", counting)
    history = read_history(repository.content, ["sessions/a.md", *(f"sessions/s{i}.md" for i in range(40))])
    assert [c[3] for c in calls] == ["rev-parse", "log"]
    assert len(history.changed) == 41 and history.changed["sessions/s0.md"] > history.changed["sessions/a.md"]
    calls.clear()
    assert read_history(repository.content, ["sessions/a.md"], history) is history  # the same head: not read again
    assert [c[3] for c in calls] == ["rev-parse"]


def test_the_history_is_the_same_for_the_same_commits(repository: Archive, tmp_path: Path):
    """Deterministic for a given history: a fresh clone, whatever its files' times, gives the same pages."""
    assert repository.build() == 0
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", repository.root.as_uri(), str(clone)], check=True, env={**os.environ, **GIT})
    other = Archive(clone)
    assert main(other.args("build")) == 0
    for page in ("sitzungen/a/", "sitzungen/b/"):
        assert other.page(page) == repository.page(page)
