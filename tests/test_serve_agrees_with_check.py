"""`serve` shows exactly the problems `check` shows, after every save (issue 22).

An editor renames a topic file while sessions still name the old topic, deletes a report so
the numbering has a gap, writes a link that leads nowhere, breaks a date, and fixes it all.
After each save, the problems the running `serve` shows (its terminal, and
`/__kaffee__/problems` over real HTTP) are compared with what `kaffee-site check` prints for
the same files at that moment: the same review runs in both (review/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kaffee_site.cli import main
from support import ServeProcess, check_problems, epoch, session_md, wait_until

SITE = "title: Coffee Round\nlanguage: en\nbase_url: /coffee/\nsearch: false\n"


def session(title: str, day: str, number: int, topics: list[str], body: str = "What we discussed.") -> str:
    return session_md(title, day, body, number=number, topics="".join(f"\n  - {t}" for t in topics))


@pytest.fixture
def english(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2026-06-01"))  # after the reports below: none waits for its day
    content = tmp_path / "content"
    files = {
        "site.yaml": SITE,
        "pages/legal-notice.md": "---\ntitle: Legal notice\n---\nCounty of Example.\n",
        "pages/privacy.md": "---\ntitle: Privacy\n---\nNo cookies.\n",
        "pages/accessibility.md": "---\ntitle: Accessibility\n---\nReadable without JavaScript.\n",
        "topics/broadband.md": "---\ntitle: Broadband\n---\nFast lines for every village.\n",
        "topics/village-shops.md": "---\ntitle: Village shops\n---\nShops run by the village.\n",
        "sessions/2026-01-15-first.md": session("First round", "2026-01-15", 1, ["Broadband"]),
        "sessions/2026-02-12-second.md": session("Second round", "2026-02-12", 2, ["Village shops", "Broadband"]),
        "sessions/2026-03-12-third.md": session("Third round", "2026-03-12", 3, ["Broadband"]),
    }
    for rel, text in files.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    return tmp_path


def summary_counts(line: str) -> tuple[int, int]:
    found = re.search(r"(\d+) errors?, (\d+) warnings?", line)
    assert found, line
    return int(found.group(1)), int(found.group(2))


def test_serve_shows_what_check_shows_after_every_save(english: Path, monkeypatch, capsys):
    content = english / "content"
    # the archive was published once: check and serve know its addresses (the build cache's copy).
    # Built in this process (the build is not what is tested; check and serve are real processes)
    with monkeypatch.context() as inside:
        inside.chdir(english)
        assert main(["build"]) == 0, capsys.readouterr().err
    serve = ServeProcess(english)  # in the archive's folder, with the defaults, as an editor starts it
    seen_before: list[str] | None = None
    checked: dict[str, tuple[int, str]] = {}  # each step's check: exit code and summary line

    def agree(step: str) -> list[str]:
        """Wait until serve has caught up with the save, then compare it with check."""
        nonlocal seen_before
        code, expected, summary = check_problems(english)
        checked[step] = code, summary
        assert expected != seen_before, f"{step}: the edit must change what check reports"
        errors, warnings = summary_counts(summary)
        assert len(expected) == errors + warnings

        def caught_up():
            shown = serve.problems()
            return shown if [p["text"] for p in shown["problems"]] == expected else None
        try:
            shown = wait_until(caught_up, f"{step}: serve shows check's problems", timeout=30)
        except BaseException:
            print("check:", *expected, sep="\n")
            print("serve:", *[p["text"] for p in serve.problems()["problems"]], sep="\n")
            print(serve.terminal)
            raise
        assert sum(p["severity"] == "error" for p in shown["problems"]) == errors
        # the terminal: every problem printed, and a last word that says what check says
        for block in expected:
            assert block in serve.terminal, f"{step}: {block!r} not printed by serve"
        seen_before = expected
        return expected

    try:
        assert agree("start") == []
        assert checked["start"] == (0, "check passed: 0 errors, 0 warnings")  # check's own run at the start

        # rename the topic file and its title; three sessions still list 'Broadband'
        (content / "topics/broadband.md").rename(content / "topics/connectivity.md")
        (content / "topics/connectivity.md").write_text("---\ntitle: Connectivity\n---\nFast lines.\n",
                                                        encoding="utf-8")
        problems = agree("topic renamed")
        assert len(problems) == 3 and all("unknown topic 'Broadband'" in p and "renamed?" in p for p in problems)
        wait_until(lambda: "check reports 0 errors, 3 warnings" in serve.terminal, "the terminal's summary")
        assert "all problems fixed" not in serve.terminal

        # delete a report: the numbering has a gap
        (content / "sessions/2026-02-12-second.md").unlink()
        problems = agree("report deleted")
        assert any("jumps from 1 to 3 (missing: 2)" in p for p in problems)
        assert any("the address /sessions/2026-02-12-second/ of the report 'Second round' that the last build "
                   "published is gone" in p for p in problems)

        # a link that leads nowhere: check fails (an error), the build still writes the page
        (content / "sessions/2026-03-12-third.md").write_text(session(
            "Third round", "2026-03-12", 3, ["Broadband"], "See [the first](/sessions/2026-01-15-frist/)."),
            encoding="utf-8")
        problems = agree("broken link")
        assert any("leads to no page of the archive" in p for p in problems)
        assert b"the first" in serve.get("/coffee/sessions/2026-03-12-third/")[1]
        assert not serve.problems()["failed"]

        # a date that does not exist: the rebuild fails, serve keeps the last good build
        (content / "sessions/2026-01-15-first.md").write_text(session("First round", "2026-02-30", 1, ["Broadband"]),
                                                             encoding="utf-8")
        problems = agree("bad date")
        assert any("'date' is not a valid date: '2026-02-30'" in p for p in problems)
        assert serve.problems()["failed"]
        wait_until(lambda: "rebuild failed: 2 errors" in serve.terminal, "the failed rebuild said so")

        # fix everything: the date, the link, the rename (alias and redirect_from), the number, the
        # deleted report's address (kept by the report that follows it)
        (content / "sessions/2026-01-15-first.md").write_text(session("First round", "2026-01-15", 1, ["Broadband"]),
                                                             encoding="utf-8")
        (content / "sessions/2026-03-12-third.md").write_text(session_md(
            "Third round", "2026-03-12", "What we discussed.", number=2, topics="\n  - Broadband",
            redirect_from="[2026-02-12-second]"), encoding="utf-8")
        (content / "topics/connectivity.md").write_text(
            "---\ntitle: Connectivity\naliases: [Broadband]\nredirect_from: [broadband]\n---\nFast lines.\n",
            encoding="utf-8")
        assert agree("all fixed") == []
        wait_until(lambda: "all problems fixed" in serve.terminal, "the terminal says all is fixed")
        assert serve.terminal.count("all problems fixed") == 1  # never while check still reported something
    finally:
        terminal = serve.stop()
    assert "Traceback" not in terminal
