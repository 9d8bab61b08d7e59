"""The search: Pagefind's index built by `kaffee-site build`, and the search page around it.

Pagefind's fragments are gzip-compressed JSON (after a 'pagefind_dcd' signature); reading
them shows which pages were indexed with which text. Searching in a real browser is
tested in tests/browser.
"""

from __future__ import annotations

import gzip
import json
import stat
from pathlib import Path

import pytest
from reader_support import built_sample, parse_html
from support import Archive, session_md, tree_snapshot

SIGNATURE = b"pagefind_dcd"


def _indexed(output: Path) -> dict[str, str]:
    """URL -> indexed text of every page in the search index."""
    pages = {}
    for fragment in (output / "pagefind" / "fragment").glob("*.pf_fragment"):
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
