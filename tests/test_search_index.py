"""The search: Pagefind's index built by `kaffee-site build`, and the search page around it.

Pagefind's fragments are gzip-compressed JSON (after a 'pagefind_dcd' signature); reading
them shows which pages were indexed with which text. Searching in a real browser is
tested in tests/browser.
"""

from __future__ import annotations

import gzip
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from clean_builds import clean_bytes
from reader_support import built_sample, parse_html
from support import TEMPLATES, Archive, session_md, tree_snapshot

from kaffee_site.cli import main
from kaffee_site.search.parts import part_of

SIGNATURE = b"pagefind_dcd"


def _indexed(output: Path) -> dict[str, str]:
    """URL -> indexed text of every page in the search index."""
    pages = {}
    for fragment in (output / "pagefind").rglob("*.pf_fragment"):  # every part's
        raw = gzip.decompress(fragment.read_bytes())
        assert raw.startswith(SIGNATURE)
        data = json.loads(raw[len(SIGNATURE):])
        pages[data["url"]] = data["content"]
    return pages


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Archive:
    return built_sample(tmp_path_factory.mktemp("search"))


def test_the_build_indexes_sessions_topics_and_people_in_german(sample: Archive):
    entry = json.loads((sample.output / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["de"]  # German stemming
    assert (sample.output / "pagefind/pagefind.js").is_file()
    indexed = _indexed(sample.output)
    kinds = {url.split("/")[1] for url in indexed}
    assert kinds == {"sitzungen", "themen", "personen"}  # lists (index, archive) are not indexed twice
    sessions = [url for url in indexed if url.startswith("/sitzungen/")]
    assert len(sessions) == 8
    # a word that only one report has
    hits = [url for url, text in indexed.items() if "Bürgertelefon" in text]
    assert hits == ["/sitzungen/2025-01-16-ki-interkommunal/"]
    assert "In den Kalender" not in indexed[hits[0]]


def test_the_search_page_has_a_labelled_box_and_reads_without_javascript(sample: Archive):
    html = sample.page("suche/")
    page = parse_html(html)
    inputs = [attrs for tag, attrs in page.elements if tag == "input" and attrs.get("type") == "search"]
    assert len(inputs) == 1
    labels = [attrs for tag, attrs in page.elements if tag == "label"]
    assert labels[0]["for"] == inputs[0]["id"]
    # the filters (issue 13): every control has its label
    controls = [attrs["id"] for tag, attrs in page.elements if tag in ("input", "select")]
    assert sorted(label["for"] for label in labels) == sorted(controls)
    assert "Suchbegriff" in page.plain
    noscript = html.split("<noscript>")[1].split("</noscript>")[0]
    assert "Die Suche braucht JavaScript" in parse_html(noscript).plain
    form = [attrs for tag, attrs in page.elements if tag == "form"][0]
    assert form["action"] == "/kaffee/suche/" and form["data-pagefind"] == "/kaffee/pagefind/"
    assert (sample.output / "static/search.js").is_file()
    nav = [a["href"] for a in parse_html(sample.page("")).anchors]
    assert "/kaffee/suche/" in nav


def test_search_false_builds_no_index_and_removes_an_old_one(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("A", "2024-03-07", body="Kaffeesatz"))
    assert archive.build() == 0
    assert (archive.output / "pagefind/pagefind.js").is_file()
    assert "search index" in capsys.readouterr().out
    archive.write("site.yaml", "search: false\n")
    assert archive.build() == 0
    assert not (archive.output / "pagefind").exists()
    assert not (archive.output / "suche").exists()
    assert 'href="/suche/"' not in archive.page("")
    assert "search index" not in capsys.readouterr().out


def test_the_index_is_the_same_bytes_on_every_build(archive: Archive):
    archive.write("sessions/a.md", session_md("A", "2024-03-07", body="Kaffeesatz und Förderprogramme"))
    archive.write("sessions/b.md", session_md("B", "2024-04-04", body="Verstetigung der Digitallotsen"))
    assert archive.build() == 0
    first = tree_snapshot(archive.output / "pagefind")
    mtimes = {p: p.stat().st_mtime_ns for p in (archive.output / "pagefind").rglob("*") if p.is_file()}
    assert archive.build() == 0
    assert tree_snapshot(archive.output / "pagefind") == first
    # unchanged index files are not rewritten (the same careful writer as the pages)
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes


def test_a_new_report_is_found_and_a_removed_one_is_gone(archive: Archive):
    archive.write("sessions/a.md", session_md("A", "2024-03-07", body="Kaffeesatz"))
    assert archive.build() == 0
    archive.write("sessions/b.md", session_md("B", "2024-04-04", body="Milchschaum"))
    (archive.content / "sessions/a.md").unlink()
    assert archive.build() == 0
    indexed = _indexed(archive.output)
    assert [url for url, text in indexed.items() if "Milchschaum" in text] == ["/sitzungen/b/"]
    assert not [url for url, text in indexed.items() if "Kaffeesatz" in text]


def test_a_failing_pagefind_fails_the_build_and_changes_nothing(archive: Archive, tmp_path: Path):
    archive.write("sessions/a.md", session_md("A", "2024-03-07", body="Kaffeesatz"))
    assert archive.run("build").returncode == 0
    before = tree_snapshot(archive.output)
    broken = tmp_path / "pagefind-broken"
    broken.write_text("#!/bin/sh\necho 'Error: disk on fire' >&2\nexit 3\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    archive.write("sessions/b.md", session_md("B", "2024-04-04", body="Milchschaum"))
    result = archive.run("build", env={"PAGEFIND_BINARY_PATH": str(broken)})
    assert result.returncode == 1
    assert result.stderr == ("the search index (pagefind) failed: Error: disk on fire; "
                             "the output folder was not changed\n")
    assert tree_snapshot(archive.output) == before  # pages and index stay one build
    assert sorted(p.name for p in tmp_path.iterdir()) == [".kaffee-cache", ".output.kaffee-lock",
                                                          ".output.kaffee-stage", "content", "output",
                                                          "pagefind-broken"]  # the stage: write.py


def test_a_missing_pagefind_binary_is_a_clear_error(archive: Archive, tmp_path: Path):
    archive.write("sessions/a.md", session_md("A", "2024-03-07"))
    result = archive.run("build", env={"PAGEFIND_BINARY_PATH": str(tmp_path / "nowhere")})
    assert result.returncode == 1
    assert "cannot run pagefind" in result.stderr and "No such file" in result.stderr
    assert "Traceback" not in result.stderr


# --- the index in parts (search_parts.py) --------------------------------------------------------

def _parts(output: Path) -> list[str]:
    return ["", *json.loads((output / "pagefind" / "parts.json").read_text("utf-8"))["parts"]]


def _many(archive: Archive, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        archive.write(f"sessions/r{n:03d}.md", session_md(f"Runde {n}", f"20{19 + n % 6}-{n % 12 + 1:02d}-03",
                                                         body=f"Bericht {n} über Förderprogramme."))


def _clean_build(archive: Archive, tmp_path: Path, name: str, shared: bool = True) -> dict[str, bytes]:
    """The same content built from nothing, without the cache, into a folder of its own (or its
    bytes, where this process built the same content cleanly before: tests/clean_builds.py,
    unless the build on this disk is what counts: `shared=False`)."""
    def built() -> dict[str, bytes]:
        fresh = tmp_path / name / "output"
        assert main(["build", "--content", str(archive.content), "--output", str(fresh), "--no-cache",
                     "--templates", str(TEMPLATES)]) == 0
        return tree_snapshot(fresh)

    return clean_bytes(built, archive.content, TEMPLATES) if shared else built()


def _inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def built_130(tmp_path_factory) -> Archive:
    """130 reports, built once (with the cache) for the tests that start from that build; a test
    that changes it works on an exact copy (`_copy_of`)."""
    archive = Archive(tmp_path_factory.mktemp("built-130"))
    _many(archive, 130)
    assert archive.build_quietly()[0] == 0
    return archive


def _copy_of(built: Archive, archive: Archive) -> Archive:
    """`built`'s content, output and cache as the build left them (hard links, times), in `archive`'s folder."""
    shutil.rmtree(archive.content)
    subprocess.run(["cp", "-a", f"{built.root}/.", str(archive.root)], check=True)
    return archive


def test_a_larger_archive_is_indexed_in_parts_and_every_page_once(built_130: Archive):
    archive = built_130
    parts = _parts(archive.output)
    assert parts == ["", "part-1/"]  # 130 pages: two parts of about 100
    for part in parts:
        entry = json.loads((archive.output / "pagefind" / part / "pagefind-entry.json").read_text("utf-8"))
        assert 30 < entry["languages"]["de"]["page_count"] < 100
        assert (archive.output / "pagefind" / part / f"pagefind.{entry['languages']['de']['hash']}.pf_meta").is_file()
    assert not (archive.output / "pagefind" / "part-1" / "pagefind.js").exists()  # the scripts once, in part 0
    indexed = _indexed(archive.output)
    assert sorted(url for url in indexed if url.startswith("/sitzungen/")) == \
        sorted(f"/sitzungen/r{n:03d}/" for n in range(130))


def test_a_rebuild_indexes_only_the_part_of_the_changed_page(built_130: Archive, archive: Archive, tmp_path: Path,
                                                            capsys):
    _copy_of(built_130, archive)  # 130 reports built, in this test's folder
    index = archive.output / "pagefind"
    before = _inodes(index)
    archive.write("sessions/r007.md", session_md("Runde 7", "2020-08-03", body="Milchschaum und Kaffeesatz."))
    assert archive.build() == 0
    assert "search index" in capsys.readouterr().out
    after = _inodes(index)
    changed = part_of("sitzungen/r007/index.html", 2)
    other = "part-1/" if changed == 0 else ""
    kept = [rel for rel in after if rel.startswith(other) and (other or not rel.startswith("part-"))]
    assert kept and all(before.get(rel) == after[rel] for rel in kept)  # the other part: the same files
    assert any(before.get(rel) != ino for rel, ino in after.items() if rel not in kept)
    assert [url for url, text in _indexed(archive.output).items() if "Milchschaum" in text] == ["/sitzungen/r007/"]
    assert tree_snapshot(archive.output) == _clean_build(archive, tmp_path, "clean")


def test_a_new_site_title_writes_every_page_again_but_runs_no_pagefind(archive: Archive, tmp_path: Path, capsys):
    """The title is in every page's header, outside what Pagefind reads (search_view.py): every
    page is written again, no part of the index is, and the index is a clean build's."""
    _many(archive, 130)
    archive.write("site.yaml", "title: Archiv\nbase_url: https://example.org/k/\n")
    assert archive.build() == 0
    index = archive.output / "pagefind"
    before = _inodes(index)
    capsys.readouterr()
    archive.write("site.yaml", "title: Ganz anderes Archiv\nbase_url: https://example.org/k/\n")
    assert archive.build() == 0
    out = capsys.readouterr().out
    assert "search index" not in out and "Ganz anderes Archiv" in archive.page("sitzungen/r007/")
    assert _inodes(index) == before  # every index file linked from the previous build
    assert tree_snapshot(archive.output) == _clean_build(archive, tmp_path, "clean")
    archive.write("sessions/r007.md", session_md("Runde 7", "2020-08-03", body="Milchschaum und Kaffeesatz."))
    assert archive.build() == 0  # words inside a page's indexed part still index it again
    assert "search index" in capsys.readouterr().out
    assert [url for url, text in _indexed(archive.output).items() if "Milchschaum" in text] == ["/sitzungen/r007/"]


def test_cached_rebuilds_and_clean_builds_give_the_same_index_after_every_edit(archive: Archive, tmp_path: Path):
    _many(archive, 95)
    archive.write("site.yaml", "title: Archiv\nbase_url: https://example.org/k/\n")
    edits = [
        ("ten more reports: the index splits in two", lambda: _many(archive, 10, start=95)),
        ("a body", lambda: archive.write("sessions/r003.md", session_md("Runde 3", "2022-04-03", body="Milchschaum"))),
        ("a title", lambda: archive.write("sessions/r050.md", session_md("Neuer Titel", "2019-03-03", body="Text"))),
        ("a report deleted", lambda: (archive.content / "sessions/r051.md").unlink()),
        ("the kept parts and views damaged", lambda: [p.write_bytes(b"x" + p.read_bytes()[1:]) for pattern in
                                                      ("memo-part*.marshal", "memo-view*.marshal", "files.marshal")
                                                      for p in (archive.root / ".kaffee-cache").glob(pattern)]),
        ("search off and on", lambda: (archive.write("site.yaml", "title: Archiv\nsearch: false\n"),
                                       archive.build(), archive.write("site.yaml", "title: Archiv\n"))),
        ("reports deleted: one index again", lambda: [(archive.content / f"sessions/r{n:03d}.md").unlink()
                                                     for n in range(60, 90)]),
    ]
    assert archive.build() == 0
    assert _parts(archive.output) == [""]
    for step, (what, edit) in enumerate(edits):
        edit()
        assert archive.build() == 0, what
        assert tree_snapshot(archive.output) == _clean_build(archive, tmp_path, f"clean-{step}"), what


@pytest.fixture
def tmpfs(tmp_path: Path):
    """A small tmpfs (it lists files in another order than ext4); skipped where it cannot be mounted."""
    point = tmp_path / "tmpfs"
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(point)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {done.stderr.strip()}")
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_the_index_is_the_same_bytes_whatever_order_the_file_system_lists_pages_in(archive: Archive, tmpfs: Path,
                                                                                  tmp_path: Path):
    """Pagefind numbers pages in the order it meets them; they are handed to it in path order."""
    _many(archive, 40)
    first = _clean_build(archive, tmp_path, "on-disk", shared=False)
    second = tmpfs / "output"
    assert main(["build", "--content", str(archive.content), "--output", str(second), "--no-cache",
                 "--templates", str(TEMPLATES)]) == 0
    assert tree_snapshot(second) == first


def test_ci_after_an_edit_and_its_undo_gives_a_clean_builds_index(archive: Archive, tmp_path: Path):
    """CI restores the last build's cache into a fresh clone with no output. An edit undone brings
    back pages whose index part the memo table still names while the cache let its files go: that
    part is indexed again (it was once taken from an output folder that is not there: the build failed)."""
    import shutil

    _many(archive, 20)
    archive.write("site.yaml", "title: Archiv\nbase_url: https://example.org/k/\n")
    assert archive.build() == 0
    path = archive.content / "sessions/r003.md"
    original = path.read_bytes()
    archive.write("sessions/r003.md", session_md("Runde 3", "2022-04-03", body="Milchschaum"))
    assert archive.build() == 0
    path.write_bytes(original)
    clone = tmp_path / "ci"
    shutil.copytree(archive.content, clone / "content", copy_function=shutil.copy)
    shutil.copytree(archive.output.parent / ".kaffee-cache", clone / ".kaffee-cache")
    assert main(["build", "--content", str(clone / "content"), "--output", str(clone / "out"),
                 "--templates", str(TEMPLATES)]) == 0
    assert tree_snapshot(clone / "out") == _clean_build(archive, tmp_path, "clean")
