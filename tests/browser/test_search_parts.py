"""A search index in parts, in the browser: an archive large enough that its index is split, hits
spread over several parts, filters, and a rebuild that indexes one part again.

The archive is generated, so which reports hold a word is known: the search must list exactly
those, whichever part of the index each lies in (Pagefind's mergeIndex joins the parts)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from browser_support import BuiltSite, served_folder
from playwright.sync_api import expect
from support import Archive, session_md

from kaffee_site.cli import main as kaffee_site
from kaffee_site.search.parts import part_count, part_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(importlib.util.find_spec("pagefind") is None,
                       reason="pagefind is not installed: the build makes no search index"),
]

SESSIONS = 240
WORD = "Zichorienkaffee"
WITH_WORD = (3, 41, 77, 118, 160, 199, 236)  # the reports that use WORD
YEARS = (2019, 2020, 2021, 2022, 2023, 2024)


def _year(n: int) -> int:
    return YEARS[n % len(YEARS)]


def _session(n: int, word: bool) -> str:
    extra = f" Dazu gab es {WORD} aus dem Dorfladen." if word else ""
    return session_md(f"Runde {n:03d}", f"{_year(n)}-{n % 12 + 1:02d}-{n % 27 + 1:02d}",
                      body=f"Bericht {n} über Förderprogramme und Digitallotsen im Landkreis.{extra}")


def _build(archive: Archive) -> None:
    assert kaffee_site(archive.args("build")) == 0


@pytest.fixture(scope="module")
def split_site(tmp_path_factory):
    archive = Archive(tmp_path_factory.mktemp("search-parts"))
    archive.write("site.yaml", "title: Großes Archiv\nbase_url: https://example.org/gross/\n")
    for n in range(SESSIONS):
        archive.write(f"sessions/r{n:03d}.md", _session(n, n in WITH_WORD))
    _build(archive)
    with served_folder(archive.output, "/gross/") as url:
        yield archive, BuiltSite(archive.output, "/gross/", url.removesuffix("/gross/"))


def _parts(output: Path) -> int:
    return 1 + len(json.loads((output / "pagefind" / "parts.json").read_text("utf-8"))["parts"])


def _search(page, site: BuiltSite, query: str, **filters: str) -> list[str]:
    """The titles the search page lists (every hit: the queries here find fewer than a page's worth)."""
    address = site.url("suche/") + f"?q={query}" + "".join(f"&{k}={v}" for k, v in filters.items())
    page.goto(address)
    status = page.locator("#suchstatus")
    expect(status).to_have_text(re.compile(r"Treffer"))
    return sorted(page.locator("#suchergebnisse h2").all_inner_texts())


def test_hits_in_several_parts_of_the_index_are_all_found(split_site, page, recorder):
    archive, site = split_site
    parts = _parts(archive.output)
    assert parts == part_count(SESSIONS) >= 2  # the archive's index is split
    holding = {part_of(f"sitzungen/r{n:03d}/index.html", parts) for n in WITH_WORD}
    assert len(holding) >= 2, "the hits must lie in more than one part for this test to mean anything"
    titles = _search(page, site, WORD)
    assert titles == [f"Runde {n:03d}" for n in WITH_WORD]
    expect(page.locator("#suchstatus")).to_have_text(f"{len(WITH_WORD)} Treffer für »{WORD}«.")
    assert recorder.console_errors == []
    assert recorder.failed == []


def test_the_year_and_kind_filters_work_across_the_parts(split_site, page):
    archive, site = split_site
    year = _year(WITH_WORD[0])
    assert _search(page, site, WORD, kind="session", year=str(year)) == \
        [f"Runde {n:03d}" for n in WITH_WORD if _year(n) == year]
    assert _search(page, site, WORD, kind="topic") == []


def test_a_rebuild_indexes_the_changed_part_again_and_keeps_the_others(split_site, page):
    archive, site = split_site
    index = archive.output / "pagefind"
    before = {p.relative_to(index).as_posix(): p.stat().st_ino for p in index.rglob("*") if p.is_file()}
    gone, new = WITH_WORD[1], 100
    archive.write(f"sessions/r{gone:03d}.md", _session(gone, False))
    archive.write(f"sessions/r{new:03d}.md", _session(new, True))
    _build(archive)
    parts = _parts(archive.output)
    stale = {part_of(f"sitzungen/r{n:03d}/index.html", parts) for n in (gone, new)}
    after = {p.relative_to(index).as_posix(): p.stat().st_ino for p in index.rglob("*") if p.is_file()}
    untouched = [p for p in range(1, parts) if p not in stale]
    assert untouched, "some part must hold neither edited report"
    for part in untouched:  # the same files (links of the previous build's), not indexed again
        files = {rel: ino for rel, ino in after.items() if rel.startswith(f"part-{part}/")}
        assert files and all(before.get(rel) == ino for rel, ino in files.items()), part
    expected = sorted({*WITH_WORD, new} - {gone})
    assert _search(page, site, WORD) == [f"Runde {n:03d}" for n in expected]
