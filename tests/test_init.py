"""`kaffee-site init` and `kaffee-site new --topic`, run as an editor would: real processes in tmp_path.

A command whose output or exit code a test is about runs as a real process (`run`); a step a test
only builds on (the `init` before a `new`, the build whose files it reads) runs in this process
(`run_here`), which costs about half."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import fill_in_the_legal_pages

from kaffee_site.cli import main
from kaffee_site.config import DEFAULTS
from kaffee_site.urls import KEYS as URL_KEYS


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kaffee_site", *args], cwd=cwd, capture_output=True, text=True)


def run_here(cwd: Path, *args: str) -> int:
    """The same command in this process, in `cwd`; its exit code (what it prints goes to pytest)."""
    here = Path.cwd()
    os.chdir(cwd)
    try:
        return main(list(args))
    finally:
        os.chdir(here)


def test_init_makes_an_archive_that_builds_and_checks_clean(tmp_path: Path):
    result = run(tmp_path, "init", "archiv", "--date", "2025-03-13")
    assert result.returncode == 0, result.stderr
    root = tmp_path / "archiv"
    for rel in (".gitignore", ".github/workflows/pages.yml", ".gitlab-ci.yml", "requirements.txt",
                "content/site.yaml", "content/sessions/2025/2025-03-13-willkommen-im-archiv.md",
                "content/topics/erste-schritte.md", "content/pages/impressum.md",
                "content/pages/datenschutz.md", "content/pages/barrierefreiheit.md"):
        assert (root / rel).is_file(), rel
        assert f"  {rel}\n" in result.stdout
    assert "next steps:\n  cd archiv\n  kaffee-site serve" in result.stdout
    assert "/output/" in (root / ".gitignore").read_text() and "/.kaffee-cache/" in (root / ".gitignore").read_text()
    # the legal skeletons' placeholders: fine for a preview, never published (CI runs --strict)
    check = run(root, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stderr == "check passed: 0 errors, 3 warnings\n"
    assert "content/pages/impressum.md:6: warning: the page still holds 12 placeholders of the skeleton 'init' " \
           "wrote: '*Vorlage: Ersetzen Sie alle Angaben in eckigen Klammern u…'" in check.stdout
    assert run(root, "check", "--strict").returncode == 1
    fill_in_the_legal_pages(root / "content")
    check = run(root, "check", "--strict")
    assert (check.returncode, check.stdout, check.stderr) == (0, "", "check passed: 0 errors, 0 warnings\n")
    assert run_here(root, "build") == 0
    home = (root / "output/index.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in home and "Willkommen im Archiv" in home and "13.\u00a0März\u00a02025" in home
    for slug, title in (("impressum", "Impressum"), ("datenschutz", "Datenschutzerklärung"),
                        ("barrierefreiheit", "Erklärung zur Barrierefreiheit")):
        assert f'<a href="/{slug}/">{title}</a>' in home  # linked from the footer
    assert "BITV 2.0" in (root / "output/barrierefreiheit/index.html").read_text(encoding="utf-8")
    assert (root / "output/themen/erste-schritte/index.html").is_file()


def test_init_in_english(tmp_path: Path):
    result = run(tmp_path, "init", "--language", "en", "--title", 'The "Round" Table', "--date", "2025-03-13")
    assert result.returncode == 0, result.stderr
    assert "cd " not in result.stdout  # already there
    config = yaml.safe_load((tmp_path / "content/site.yaml").read_text())
    assert config["language"] == "en" and config["title"] == 'The "Round" Table'
    for rel in ("content/pages/legal-notice.md", "content/pages/privacy.md", "content/pages/accessibility.md",
                "content/topics/getting-started.md", "content/sessions/2025/2025-03-13-welcome-to-the-archive.md"):
        assert (tmp_path / rel).is_file(), rel
    assert run(tmp_path, "check", "--strict").returncode == 1  # '[Name of the organisation]' and the like
    fill_in_the_legal_pages(tmp_path / "content")
    assert run(tmp_path, "check", "--strict").returncode == 0
    assert run_here(tmp_path, "build") == 0
    page = (tmp_path / "output/sessions/2025-03-13-welcome-to-the-archive/index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "13\u00a0March\u00a02025" in page and "The &#34;Round&#34; Table" in page
    assert 'href="/accessibility/">Accessibility statement</a>' in page


def test_site_yaml_names_every_setting(tmp_path: Path):
    for language in ("de", "en"):
        folder = tmp_path / language
        assert run_here(tmp_path, "init", str(folder), "--language", language) == 0
        text = (folder / "content/site.yaml").read_text(encoding="utf-8")
        setting = re.compile(r"^# ((?: *- )?[a-z_]+:(?: .*)?| +- .*| +[a-z_]+:(?: .*)?)$")
        uncommented = yaml.safe_load("\n".join(line[2:] if setting.match(line) else line for line in text.splitlines()))
        assert set(DEFAULTS) <= set(uncommented) | {"extra_keys"}, language
        assert set(uncommented["urls"]) == set(URL_KEYS)
        assert {"accent", "background", "logo", "footer_links"} <= set(uncommented["theme"])


def test_init_refuses_a_folder_that_holds_an_archive(tmp_path: Path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content/site.yaml").write_text("title: Mein Archiv\n")
    result = run(tmp_path, "init")
    assert result.returncode == 1
    assert result.stderr == ("kaffee-site: content: this folder holds an archive already; nothing was written "
                             "(run 'kaffee-site init' in an empty folder, or give it a new one: kaffee-site init NEW)\n")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["content", "site.yaml"]
    assert (tmp_path / "content/site.yaml").read_text() == "title: Mein Archiv\n"


def test_init_keeps_files_that_are_there(tmp_path: Path):
    (tmp_path / ".gitignore").write_text("*.log\n")
    result = run(tmp_path, "init")
    assert result.returncode == 0
    assert "  .gitignore (already there, kept as it was)\n" in result.stdout
    assert (tmp_path / ".gitignore").read_text() == "*.log\n"


def test_init_with_an_unknown_language_writes_nothing(tmp_path: Path):
    result = run(tmp_path, "init", "neu", "--language", "fr")
    assert result.returncode == 2
    assert result.stderr == "kaffee-site: there is no catalogue for the language 'fr'; the languages are de, en\n"
    assert not (tmp_path / "neu").exists()


def test_the_ci_files_install_build_and_publish(tmp_path: Path):
    assert run_here(tmp_path, "init") == 0
    github = yaml.safe_load((tmp_path / ".github/workflows/pages.yml").read_text())
    steps = [step.get("run", "") for step in github["jobs"]["build"]["steps"]]
    assert "pip install -r requirements.txt" in steps and "kaffee-site build" in steps
    assert "kaffee-site check --strict --format github --published published-urls.json" in steps
    # the live archive's addresses are fetched before the check ('{}' before the first deployment)
    fetch = steps.index("kaffee-site check --strict --format github --published published-urls.json") - 1
    assert "/urls.json\" -o published-urls.json || echo '{}' > published-urls.json" in steps[fetch]
    gitlab = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    assert gitlab["pages"]["script"][0] == "pip install -r requirements.txt"
    check = "kaffee-site check --strict --published published-urls.json"
    assert f'{check} || [ "$CI_PIPELINE_SOURCE" = schedule ]' in gitlab["pages"]["script"]
    assert gitlab["pages"]["artifacts"]["paths"] == ["public"]
    # the pages catch up with the date: a daily run, which publishes whatever check warns of;
    # the whole history, for each report's last change
    assert github[True]["schedule"] == [{"cron": "17 3 * * *"}]
    [checking] = [s for s in github["jobs"]["build"]["steps"] if "kaffee-site check" in s.get("run", "")]
    assert checking["continue-on-error"] == "${{ github.event_name == 'schedule' }}"
    checkout = github["jobs"]["build"]["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    assert gitlab["variables"]["GIT_DEPTH"] == "0"
    assert "Pipeline schedules" in (tmp_path / ".gitlab-ci.yml").read_text()
    from kaffee_site import __version__
    assert f"kaffee-site=={__version__}\n" in (tmp_path / "requirements.txt").read_text()


# --- new --topic -----------------------------------------------------------------------------

def test_new_topic_makes_a_topic_file_that_builds(tmp_path: Path):
    assert run_here(tmp_path, "init", "--date", "2025-03-13") == 0
    result = run(tmp_path, "new", "--topic", "Digitale Daseinsvorsorge")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "content/topics/digitale-daseinsvorsorge.md\n"
    text = (tmp_path / "content/topics/digitale-daseinsvorsorge.md").read_text(encoding="utf-8")
    assert text.startswith('---\ntitle: "Digitale Daseinsvorsorge"\n')
    meta = yaml.safe_load(text.split("---")[1])
    assert meta == {"title": "Digitale Daseinsvorsorge"}
    # the commented lines are valid settings once the '#' goes
    uncommented = yaml.safe_load(re.sub(r"(?m)^# ", "", text.split("---")[1]))
    assert set(uncommented) == {"title", "aliases", "forms", "summary", "redirect_from", "slug"}
    fill_in_the_legal_pages(tmp_path / "content")
    assert run_here(tmp_path, "check", "--strict") == 0
    assert run_here(tmp_path, "build") == 0
    assert (tmp_path / "output/themen/digitale-daseinsvorsorge/index.html").is_file()


@pytest.mark.parametrize("name", ["Erste Schritte", "erste  schritte", "ERSTE SCHRITTE"])
def test_new_topic_refuses_a_name_that_is_taken(tmp_path: Path, name: str):
    assert run_here(tmp_path, "init") == 0
    before = (tmp_path / "content/topics/erste-schritte.md").read_bytes()
    result = run(tmp_path, "new", "--topic", name)
    assert result.returncode == 1
    assert result.stderr == f"kaffee-site: content/topics/erste-schritte.md: the topic '{' '.join(name.split())}' exists already\n"
    assert (tmp_path / "content/topics/erste-schritte.md").read_bytes() == before


def test_new_topic_refuses_a_control_character(tmp_path: Path):
    assert run_here(tmp_path, "init") == 0
    result = run(tmp_path, "new", "--topic", "Open\x1bData")
    assert result.returncode == 2
    assert result.stderr == "kaffee-site: the topic name contains the control character U+001B (ESC)\n"
    assert sorted(p.name for p in (tmp_path / "content/topics").iterdir()) == ["erste-schritte.md"]


def test_new_wants_a_title_or_a_topic(tmp_path: Path):
    assert run_here(tmp_path, "init") == 0
    for args in ((), ("Titel", "--topic", "Thema")):
        result = run(tmp_path, "new", *args)
        assert result.returncode == 2 and result.stderr == "kaffee-site: give either the title of a session or --topic NAME\n"


def test_new_session_speaks_the_archive_language(tmp_path: Path):
    assert run_here(tmp_path, "init", "--language", "en") == 0
    result = run(tmp_path, "new", "Second round", "--date", "2025-04-10")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "content/sessions/2025/2025-04-10-second-round.md").read_text(encoding="utf-8")
    assert "  - name: First Last\n    org: Organisation\n" in text and "## Discussion" in text
    check = run(tmp_path, "check")
    assert "warning: the speaker 'First Last' (Organisation) is still the placeholder" in check.stdout


# --- what init's files leave out of git, and what the tool calls itself ------------------------

def test_git_add_after_a_build_stages_no_generated_file(tmp_path: Path):
    """A build leaves the output, the cache, and beside the output a stage and a lock file; none of
    them may end up in the commit that `init` suggests (`git add .`)."""
    assert run_here(tmp_path, "init", "--date", "2025-03-13") == 0
    sources = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    for args in (("build",), ("build",), ("build", "--output", "public")):
        assert run_here(tmp_path, *args) == 0
    made = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
            if p.is_file() and ".git/" not in p.relative_to(tmp_path).as_posix() + "/"}
    assert any(".kaffee-" in name for name in made - sources)  # the build did leave files beside its output
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    staged = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=tmp_path, check=True,
                            capture_output=True, text=True).stdout.split()
    assert set(staged) == sources


def test_the_help_and_init_name_no_particular_series(tmp_path: Path):
    for args in (("--help",), ("build", "--help"), ("init", "--help"), ("new", "--help")):
        result = run(tmp_path, *args)
        assert result.returncode == 0 and "usage: kaffee-site" in result.stdout
        assert "Kaffee" not in result.stdout and "Smart" not in result.stdout, args
    result = run(tmp_path, "init", "--language", "en", "--title", "Round Table", "--date", "2025-03-13")
    new = run(tmp_path, "new", "Second round", "--date", "2025-04-10")
    for text in (result.stdout, result.stderr, new.stdout, new.stderr):
        assert "Kaffee" not in text and "Nr." not in text, text
    assert new.stderr.startswith("Round Table, no. 2, on 2025-04-10: ")


# --- what requirements.txt installs in CI ------------------------------------------------------

def test_the_requirement_follows_how_this_tool_was_installed(tmp_path: Path):
    from kaffee_site.commands.provenance import requirement_for

    # from a package index: the release
    assert requirement_for("0.3.0", None, tmp_path).line == "kaffee-site==0.3.0"
    # from git: the same commit
    vcs = ('{"url": "https://github.com/land/kaffee-site", "vcs_info": {"vcs": "git", '
           '"commit_id": "0123456789abcdef0123456789abcdef01234567", "requested_revision": "main"}}')
    assert requirement_for("0.3.0", vcs, tmp_path).line == \
        "kaffee-site @ git+https://github.com/land/kaffee-site@0123456789abcdef0123456789abcdef01234567"
    # a wheel on the web, with the hash pip kept
    remote = ('{"url": "https://example.org/kaffee_site-0.3.0-py3-none-any.whl", '
              '"archive_info": {"hash": "sha256=abc"}}')
    assert requirement_for("0.3.0", remote, tmp_path).line == \
        "kaffee-site @ https://example.org/kaffee_site-0.3.0-py3-none-any.whl#sha256=abc"
    # a wheel on this machine: copied into the archive
    wheel = tmp_path / "kaffee_site-0.3.0-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    local = requirement_for("0.3.0", f'{{"url": "{wheel.as_uri()}", "archive_info": {{}}}}', tmp_path)
    assert local.line == "./vendor/kaffee_site-0.3.0-py3-none-any.whl" and local.vendored == (wheel,)
    # an editable checkout, a vanished wheel, an unreadable record: the pin, with a warning that says why
    for record in ('{"url": "file:///src/kaffee-site", "dir_info": {"editable": true}}',
                   '{"url": "file:///gone/kaffee_site-0.3.0-py3-none-any.whl", "archive_info": {}}', "{"):
        pinned = requirement_for("0.3.0", record, tmp_path)
        assert pinned.line == "kaffee-site==0.3.0" and "only once that release is on the package index" in pinned.warning


def test_init_from_an_editable_checkout_says_that_ci_needs_a_release(tmp_path: Path):
    result = run(tmp_path, "init", "--date", "2025-03-13")
    assert result.returncode == 0
    from kaffee_site import __version__
    assert f"requirements.txt: kaffee-site=={__version__} (" in result.stdout
    assert "warning: kaffee-site is installed in editable mode from " in result.stderr
    assert not (tmp_path / "vendor").exists()


def test_a_tool_installed_from_a_source_folder_goes_with_the_archive_as_a_wheel(tmp_path: Path):
    """`pip install ./kaffee-site` leaves a folder CI cannot reach: init builds a wheel of it."""
    from kaffee_site.commands.provenance import requirement_for

    source = tmp_path / "kaffee-site"
    source.mkdir()
    (source / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\nbuild-backend = '
                                           '"setuptools.build_meta"\n\n[project]\nname = "kaffee-site"\n'
                                           'version = "9.9"\n\n[tool.setuptools]\npy-modules = []\n')
    record = f'{{"url": "{source.as_uri()}", "dir_info": {{}}}}'
    made = requirement_for("9.9", record, tmp_path / "built")
    assert made.line == "./vendor/kaffee_site-9.9-py3-none-any.whl" and made.warning is None
    assert [p.name for p in made.vendored] == ["kaffee_site-9.9-py3-none-any.whl"] and made.vendored[0].is_file()
    broken = requirement_for("9.9", f'{{"url": "{(tmp_path / "nothing").as_uri()}", "dir_info": {{}}}}',
                             tmp_path / "none")
    assert broken.line == "kaffee-site==9.9" and "no wheel could be built from" in broken.warning
