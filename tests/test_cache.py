"""The build cache and the parallel build: faster, never different.

Every test builds an archive with the cache, changes something, builds again, and compares
the output byte for byte with a clean `--no-cache` build of the same content; the summary
line shows how much the cache reused, so a cache that silently stopped working fails too.
"""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from clean_builds import clean_bytes
from support import TEMPLATES, Archive, session_md, tree_snapshot

from kaffee_site.cli import main

TOPICS = {
    "topics/open-data.md": "---\ntitle: Open Data\naliases:\n  - offene Daten\n---\nÜber offene Daten.\n",
    "topics/verstetigung.md": "---\ntitle: Verstetigung\n---\nWas bleibt.\n",
    "topics/beteiligung.md": "---\ntitle: Beteiligung\n---\nMitreden.\n",
}


def sessions(n: int = 6) -> dict[str, str]:
    """n sessions a week apart; only the sixth links with [[…]] (wikilink targets are its input too)."""
    files = {}
    for i in range(1, n + 1):
        day = date(2024, 1, 1) + timedelta(days=7 * (i - 1))
        topics = "\n  - Open Data" if i % 2 else "\n  - Verstetigung"
        link = " Siehe [[Sitzung 1]]." if i == 6 else ""
        body = (f"## Teil {i}\n\nWir sprachen über offene Daten und *Verstetigung*.{link}\n\n"
                f"- ein Punkt\n- noch einer\n\n> Ein Zitat {i}.\n")
        files[f"sessions/{day.year}/{day.isoformat()}-sitzung-{i}.md"] = session_md(
            f"Sitzung {i}", day.isoformat(), body, number=i, topics=topics,
            speakers=f"\n  - name: Person {i % 3}\n    org: Landkreis {i % 2}")
    return files


@pytest.fixture
def cached(archive: Archive) -> Archive:
    archive.write("site.yaml", "title: Test\nbase_url: https://example.org/kaffee/\nsearch: false\n")
    for rel, text in {**TOPICS, **sessions()}.items():
        archive.write(rel, text)
    return archive


def build(archive: Archive, capsys, *extra: str) -> str:
    """Build; returns what the command printed (the cache's summary goes to stderr)."""
    assert archive.build(*extra) == 0
    captured = capsys.readouterr()
    return captured.out + captured.err


def reused(out: str) -> tuple[int, int, int, int]:
    match = re.search(r"cache: (\d+) of (\d+) bodies and (\d+) of (\d+) pages reused", out)
    assert match, out
    return tuple(int(g) for g in match.groups())  # type: ignore[return-value]


def clean_build(archive: Archive, tmp_path: Path, templates: Path = TEMPLATES) -> dict[str, bytes]:
    def built() -> dict[str, bytes]:
        out = tmp_path / "clean" / "out"
        shutil.rmtree(out.parent, ignore_errors=True)
        assert main(["build", "--content", str(archive.content), "--output", str(out),
                     "--templates", str(templates), "--no-cache"]) == 0
        assert not (out.parent / ".kaffee-cache").exists()
        return tree_snapshot(out)

    return clean_bytes(built, archive.content, templates)


def test_nothing_changed_reuses_everything(cached: Archive, tmp_path: Path, capsys) -> None:
    build(cached, capsys)
    assert (tmp_path / ".kaffee-cache").is_dir()
    bodies, all_bodies, pages, all_pages = reused(build(cached, capsys))
    assert (bodies, pages) == (all_bodies, all_pages) and all_pages > 10
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_nothing_changed_is_answered_without_loading_the_engine(cached: Archive) -> None:
    """The second build stats its inputs and output and stops: Jinja, markdown-it, the model and
    the engine are never imported (PYTHONPROFILEIMPORTTIME lists every module a process imports)."""
    first = cached.run("build")
    assert first.returncode == 0, first.stderr
    second = cached.run("build", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert second.returncode == 0, second.stderr
    assert re.match(r"built (\d+) files into .* \(0 written, \1 unchanged, 0 removed\)", second.stdout), second.stdout
    imported = {line.rsplit("|", 1)[1].strip() for line in second.stderr.splitlines() if line.startswith("import time:")}
    assert "kaffee_site.reuse.manifest" in imported
    assert not imported & {"jinja2", "markdown_it", "yaml", "kaffee_site.engine", "kaffee_site.model", "PIL"}
    cached.write("topics/neu.md", "---\ntitle: Neu\n---\nNeu.\n")
    third = cached.run("build", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert third.returncode == 0 and "kaffee_site.engine" in third.stderr  # a change: the engine runs


def test_one_session_edited(cached: Archive, tmp_path: Path, capsys) -> None:
    build(cached, capsys)
    path = cached.content / "sessions/2024/2024-01-15-sitzung-3.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Ein Zitat 3.", "Ein neues Zitat."), encoding="utf-8")
    bodies, all_bodies, pages, all_pages = reused(build(cached, capsys))
    assert bodies == all_bodies - 1
    assert 0 < pages < all_pages
    assert "Ein neues Zitat." in cached.page("sitzungen/2024-01-15-sitzung-3/")
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_a_body_edit_renders_only_the_outputs_that_show_the_body(cached: Archive, tmp_path: Path, capsys) -> None:
    """Pages that list the session show its title, date and teaser, not its body: they are kept.
    Rendered again: its page, its calendar file (made from the session record) and the site feed,
    which carries the full text."""
    build(cached, capsys)
    path = cached.content / "sessions/2024/2024-01-15-sitzung-3.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Ein Zitat 3.", "Ein neues Zitat."), encoding="utf-8")
    _, _, pages, all_pages = reused(build(cached, capsys))
    assert all_pages - pages == 3
    assert "Ein neues Zitat." in (cached.output / "feed.xml").read_text(encoding="utf-8")
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_the_graph_names_each_read_once_and_a_body_edit_keeps_its_size(cached: Archive, tmp_path: Path,
                                                                        capsys) -> None:
    """What the outputs read is kept as numbers into one table of reads (graph.py), so the
    stored graph stays small (it was about 1.3 KB per output with every read written out in
    every entry, 47 MB at 10,000 sessions); an edit that adds no new read does not grow it."""
    for rel, text in sessions(30).items():
        cached.write(rel, text)
    _, _, _, outputs = reused(build(cached, capsys))
    store = next((tmp_path / ".kaffee-cache").glob("graph.marshal"))
    size = store.stat().st_size
    assert size < 400 * outputs, f"{size} bytes for {outputs} outputs"
    path = cached.content / "sessions/2024/2024-01-15-sitzung-3.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Ein Zitat 3.", "Ein neues Zitat."), encoding="utf-8")
    _, _, pages, all_pages = reused(build(cached, capsys))
    assert all_pages - pages == 3
    assert abs(store.stat().st_size - size) < 200
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_a_free_page_body_edit_renders_that_page_alone(cached: Archive, tmp_path: Path, capsys) -> None:
    """Every page's footer lists the free pages by title: a change to one page's text is not theirs."""
    cached.write("pages/impressum.md", "---\ntitle: Impressum\n---\nHerausgeber: niemand.\n")
    build(cached, capsys)
    cached.write("pages/impressum.md", "---\ntitle: Impressum\n---\nHerausgeberin: jemand.\n")
    _, _, pages, all_pages = reused(build(cached, capsys))
    assert all_pages - pages == 1
    assert "Herausgeberin: jemand." in cached.page("impressum/")
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_session_title_change_reaches_every_page_that_shows_it(cached: Archive, tmp_path: Path, capsys) -> None:
    build(cached, capsys)
    path = cached.content / "sessions/2024/2024-01-08-sitzung-2.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Sitzung 2", "title: Zweite Runde"),
                    encoding="utf-8")
    build(cached, capsys)
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_topic_alias_changes_the_mentions_in_every_body(cached: Archive, tmp_path: Path, capsys) -> None:
    build(cached, capsys)
    cached.write("topics/beteiligung.md", "---\ntitle: Beteiligung\naliases:\n  - Zitat\n---\nMitreden.\n")
    bodies, _, _, _ = reused(build(cached, capsys))
    assert bodies == 0  # the mention matcher changed: every body is linked anew
    assert 'class="topic-mention">Zitat</a>' in cached.page("sitzungen/2024-01-01-sitzung-1/")
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_site_yaml_change(cached: Archive, tmp_path: Path, capsys) -> None:
    build(cached, capsys)
    cached.write("site.yaml", "title: Neuer Titel\nbase_url: https://example.org/anders/\nsearch: false\n")
    build(cached, capsys)
    assert "/anders/themen/open-data/" in cached.page("sitzungen/2024-01-01-sitzung-1/")
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_a_new_site_title_redraws_no_session_card(cached: Archive, tmp_path: Path, capsys) -> None:
    """A session's card shows its own title, date and series in the theme's colours, nothing of
    site.yaml's title: the graph keeps all six (and the list of addresses) when only the title changes (the topic cards and
    the site's card show the title and are drawn again; every HTML page is rendered again)."""
    build(cached, capsys)
    cached.write("site.yaml", "title: Neuer Titel\nbase_url: https://example.org/kaffee/\nsearch: false\n")
    _, _, pages, all_pages = reused(build(cached, capsys))
    assert pages == 6 + 1 and all_pages > 30  # the six cards and urls.json (addresses, no title)
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)
    cached.write("site.yaml", "title: Neuer Titel\nbase_url: https://example.org/kaffee/\nsearch: false\n"
                              "theme:\n  accent: '#7a1f3d'\n")
    before = {p: p.read_bytes() for p in cached.output.rglob("card.png")}
    build(cached, capsys)
    assert len(before) == 6 + 3 + 1 and all(p.read_bytes() != data for p, data in before.items())  # new colours
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_sessions_added_and_deleted(cached: Archive, tmp_path: Path, capsys) -> None:
    build(cached, capsys)
    (cached.content / "sessions/2024/2024-01-29-sitzung-5.md").unlink()
    cached.write("sessions/2024/2024-07-07-neu.md", session_md(
        "Neu", "2024-07-07", "Über offene Daten.", number=7, topics="\n  - Open Data"))
    bodies, all_bodies, _, _ = reused(build(cached, capsys))
    assert bodies == all_bodies - 2  # rendered: the new session, and the one with a [[wikilink]]
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_template_edit_renders_the_pages_that_load_it(cached: Archive, tmp_path: Path, capsys) -> None:
    """Which templates a page loaded is recorded (extends, include, import), not assumed."""
    theme = tmp_path / "theme"
    shutil.copytree(TEMPLATES, theme)
    build(cached, capsys, "--templates", str(theme))
    base = theme / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("<body>", "<body class=\"neu\">"), encoding="utf-8")
    _, _, pages, all_pages = reused(build(cached, capsys, "--templates", str(theme)))
    not_framed = [p for p in tree_snapshot(cached.output) if not p.endswith(".html") and p != ".kaffee-site" and not p.startswith("static/")]
    assert pages == len(not_framed)  # every HTML page extends base.html; feeds, calendars, data do not
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path, theme)
    session = theme / "session.html"
    session.write_text(session.read_text(encoding="utf-8").replace("<h1", "<h1 data-neu"), encoding="utf-8")
    _, _, pages, all_pages = reused(build(cached, capsys, "--templates", str(theme)))
    assert pages == all_pages - 6  # the six session pages
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path, theme)


def test_output_file_changed_by_hand_is_rewritten(cached: Archive, tmp_path: Path, capsys) -> None:
    build(cached, capsys)
    page = cached.output / "sitzungen/2024-01-01-sitzung-1/index.html"
    page.write_text("kaputt", encoding="utf-8")
    build(cached, capsys)
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_fresh_output_folder_with_restored_cache(cached: Archive, tmp_path: Path, capsys) -> None:
    """CI: the cache is restored, the output folder is not."""
    build(cached, capsys)
    shutil.rmtree(cached.output)
    bodies, all_bodies, _, _ = reused(build(cached, capsys))
    assert bodies == all_bodies
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def test_a_corrupt_cache_is_ignored(cached: Archive, tmp_path: Path, capsys) -> None:
    build(cached, capsys)
    files = sorted(p for p in (tmp_path / ".kaffee-cache").rglob("*") if p.is_file())  # the kept outputs too
    assert len(files) > 20
    for index, path in enumerate(files):
        data = path.read_bytes()
        path.write_bytes(b"" if index % 3 == 0 else data[: len(data) // 2] if index % 3 == 1 else b"\x00garbage" * 9)
    cached.write("sessions/2024/2024-01-01-sitzung-1.md", session_md("Sitzung 1", "2024-01-01", "Neu.", number=1))
    build(cached, capsys)
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)
    reused(build(cached, capsys))  # and the next build has a working cache again


def test_no_cache_neither_writes_nor_changes_the_cache(cached: Archive, tmp_path: Path, capsys) -> None:
    out = build(cached, capsys, "--no-cache")
    assert "cache:" not in out
    assert not (tmp_path / ".kaffee-cache").exists()
    build(cached, capsys)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / ".kaffee-cache").rglob("*") if p.is_file()}
    cached.write("sessions/2024/2024-01-01-sitzung-1.md", session_md("Sitzung 1", "2024-01-01", "Anders.", number=1))
    build(cached, capsys, "--no-cache")
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / ".kaffee-cache").rglob("*") if p.is_file()}
    assert after == before


def test_content_errors_are_reported_again_from_the_cache(cached: Archive, tmp_path: Path, capsys) -> None:
    cached.write("sessions/2024/2024-08-08-kaputt.md", session_md("Kaputt", "2024-08-08", "Siehe [[Gibt es nicht]]."))
    cached.write("sessions/2024/2024-09-09-nummer.md", session_md("Nummer", "2024-09-09", "Gut.", number=-1))
    for _ in range(2):
        assert cached.build() == 1
        err = capsys.readouterr().err
        assert "2024-08-08-kaputt.md:5: unknown link target 'Gibt es nicht'" in err
        assert "2024-09-09-nummer.md:4: 'number' must be a whole number from 1 up, not -1" in err


def test_parallel_build_equals_serial_build(cached: Archive, tmp_path: Path) -> None:
    """Forced into worker processes even though the archive is small (a fresh process has one thread)."""
    for rel, text in sessions(40).items():
        cached.write(rel, text)
    outputs = {}
    for jobs in ("1", "2"):
        shutil.rmtree(cached.output, ignore_errors=True)
        result = cached.run("build", "--no-cache", env={"KAFFEE_SITE_JOBS": jobs})
        assert result.returncode == 0, result.stderr
        outputs[jobs] = tree_snapshot(cached.output)
    assert outputs["1"] == outputs["2"]
    assert len(outputs["1"]) > 100


def test_nothing_changed_is_answered_from_the_manifest_with_the_same_warnings(cached: Archive, tmp_path: Path,
                                                                             capsys) -> None:
    cached.write("sessions/2024/2024-11-14-warnung.md", session_md(
        "Warnung", "2024-11-14", "Text.", next="\n  date: 2024-11-01\n  title: Früher"))
    first = build(cached, capsys)
    assert "is not after this one" in first
    again = build(cached, capsys)
    assert "is not after this one" in again
    assert re.search(r"built (\d+) files into \S+ \(0 written, \1 unchanged, 0 removed\)", again), again
    # the output is part of the manifest: a file removed by hand is put back
    (cached.output / "sitzungen/2024-01-01-sitzung-1/index.html").unlink()
    assert "(1 written," in build(cached, capsys)
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)


def _cache_files(cache: Path) -> dict[str, int]:
    """Every file of a build cache by its path inside it, with its size."""
    return {p.relative_to(cache).as_posix(): p.stat().st_size for p in sorted(cache.rglob("*")) if p.is_file()}


def _memo_keys(cache: Path) -> set[str]:
    from kaffee_site.reuse.store import code_salt, read_store

    keys = set()
    for path in cache.glob("memo-*.marshal"):
        keys |= {f"{path.name}:{key}" for key in read_store(path, code_salt()) or {}}
    return keys


def test_the_cache_holds_what_one_build_needs_whatever_came_before(cached: Archive, tmp_path: Path, capsys) -> None:
    """Many edits later (body edits that relink, then a title that links the whole archive), the
    cache holds the same kept files and memo entries as a cache made by one build of the final
    content, and the build says how big it is and how many old entries it removed."""
    build(cached, capsys)
    path = cached.content / "sessions/2024/2024-01-15-sitzung-3.md"
    text = path.read_text(encoding="utf-8")
    for round_ in range(6):  # each edit leaves a body, its page and its feed entries behind
        path.write_text(text.replace("Ein Zitat 3.", f"Zitat Nummer {round_}. " + "Langer Satz. " * 200),
                        encoding="utf-8")
        build(cached, capsys)
    path.write_text(text.replace("title: Sitzung 3", "title: Die dritte Sitzung"), encoding="utf-8")
    out = build(cached, capsys)
    summary = re.search(r"it holds (\d+\.\d) MiB, (\d+) old entries removed", out)
    assert summary, out
    assert int(summary.group(2)) >= 6  # at least the six old bodies

    fresh = tmp_path / "fresh"
    assert main(["build", "--content", str(cached.content), "--output", str(fresh / "out"),
                 "--templates", str(TEMPLATES)]) == 0
    assert tree_snapshot(cached.output) == tree_snapshot(fresh / "out")
    mine, one_build = _cache_files(tmp_path / ".kaffee-cache"), _cache_files(fresh / ".kaffee-cache")
    assert sorted(p for p in mine if p.startswith("files/")) == sorted(p for p in one_build if p.startswith("files/"))
    assert _memo_keys(tmp_path / ".kaffee-cache") == _memo_keys(fresh / ".kaffee-cache")
    assert sum(mine.values()) <= 1.1 * sum(one_build.values()), (mine, one_build)
    assert float(summary.group(1)) == round(sum(one_build.values()) / 2**20, 1) or sum(mine.values()) < 2**20


def test_relinks_in_a_row_end_in_a_full_link_that_prunes(cached: Archive, tmp_path: Path, capsys,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A relink keeps the old bodies in the memo table (it asks only for the new one); after
    warm.RELINKS of them the next build links the whole archive and drops what no longer stands,
    so body edits alone never grow the cache."""
    import kaffee_site.reuse.warm as warm

    monkeypatch.setattr(warm, "RELINKS", 3)
    build(cached, capsys)
    cache = tmp_path / ".kaffee-cache"
    first = len(_memo_keys(cache))
    path = cached.content / "sessions/2024/2024-01-15-sitzung-3.md"
    text = path.read_text(encoding="utf-8")
    entries = []
    for round_ in range(5):
        path.write_text(text.replace("Ein Zitat 3.", f"Zitat Nummer {round_}."), encoding="utf-8")
        build(cached, capsys)
        entries.append(len(_memo_keys(cache)) - first)
    assert entries[:3] == [2, 4, 6], entries  # each relink adds its body and its front matter
    assert entries[3] == 0, entries  # the fourth links all and drops the three old ones
    assert entries[4] == 2, entries  # and the count starts again
    assert tree_snapshot(cached.output) == clean_build(cached, tmp_path)
