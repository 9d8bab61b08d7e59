"""Long lists are split into pages at `page_size`, linked with rel prev/next."""

from __future__ import annotations

import pytest
from reader_support import parse_html
from support import Archive, session_md

from kaffee_site.outputs.paginate import paginate

BASE = "https://example.org/"


def _sessions(archive: Archive, n: int, size: int, **front: str) -> list[str]:
    archive.write("site.yaml", f"base_url: {BASE}\nsearch: false\npage_size: {size}\n")
    slugs = []
    for i in range(1, n + 1):
        slug = f"s{i:02d}"
        archive.write(f"sessions/{slug}.md", session_md(f"Sitzung {i}", f"2024-{i:02d}-05", number=i,
                                                        speakers="[{name: Anna Berg, org: Kreis A}]", **front))
        slugs.append(slug)
    return slugs


def _session_links(html: str) -> list[str]:
    return [a["href"] for a in parse_html(html).anchors
            if a["href"].startswith("/sitzungen/s") and a["href"].count("/") == 3]


def _walk(archive: Archive, first: str) -> list[str]:
    """Follow rel=next from the first page; check each page's nav, canonical and rel=prev on the way."""
    pages, url_path, previous = [], first, None
    while url_path is not None:
        assert url_path not in pages, "the pages run in a circle"
        pages.append(url_path)
        page = parse_html(archive.page(url_path))
        assert page.link_hrefs("canonical") == [BASE + url_path]
        navs = [attrs for tag, attrs in page.elements if tag == "nav" and attrs.get("aria-label") == "Seiten der Liste"]
        assert len(navs) == 1, url_path
        prev = [a["href"] for a in page.anchors if a.get("rel") == "prev"]
        assert prev == ([] if previous is None else ["/" + previous]), url_path
        nexts = [a["href"] for a in page.anchors if a.get("rel") == "next"]
        previous, url_path = url_path, nexts[0].removeprefix("/") if nexts else None
    return pages


def test_the_index_is_split_into_pages_that_link_each_other(archive: Archive):
    slugs = _sessions(archive, 5, 2)
    assert archive.build() == 0
    pages = _walk(archive, "")
    assert pages == ["", "seite/2/", "seite/3/"]
    shown = [link for p in pages for link in _session_links(archive.page(p))]
    assert shown == [f"/sitzungen/{s}/" for s in reversed(slugs)]  # each session once, newest first
    text = parse_html(archive.page("seite/2/")).plain
    assert "Seite 2 von 3" in text
    assert "Seite 2 von 3" in parse_html(archive.page("seite/2/")).meta("og:title")[0]
    assert not (archive.output / "seite/1").exists() and not (archive.output / "seite/4").exists()


def test_topic_person_and_organisation_pages_paginate(archive: Archive):
    _sessions(archive, 5, 2, topics="[Verstetigung]")
    assert archive.build() == 0
    for first in ("themen/verstetigung/", "personen/anna-berg/", "organisationen/kreis-a/"):
        pages = _walk(archive, first)
        assert pages == [first, first + "seite/2/", first + "seite/3/"], first
        shown = [link for p in pages for link in _session_links(archive.page(p))]
        assert sorted(shown) == [f"/sitzungen/s{i:02d}/" for i in range(1, 6)], first


def test_a_short_list_has_no_page_navigation(archive: Archive):
    _sessions(archive, 3, 20)
    assert archive.build() == 0
    page = parse_html(archive.page(""))
    assert not [a for a in page.anchors if a.get("rel") in ("prev", "next")]
    assert "Seite 1 von" not in page.plain
    assert not (archive.output / "seite").exists()


def test_a_page_splits_between_carrying_and_mentioning_sessions(archive: Archive):
    archive.write("site.yaml", f"base_url: {BASE}\nsearch: false\npage_size: 2\n")
    archive.write("topics/verstetigung.md", "---\ntitle: Verstetigung\n---\nWas bleibt.\n")
    for i in (1, 2, 3):
        archive.write(f"sessions/t{i}.md", session_md(f"Trägt {i}", f"2024-0{i}-05", topics="[Verstetigung]"))
    for i in (4, 5):
        archive.write(f"sessions/m{i}.md", session_md(f"Erwähnt {i}", f"2024-0{i}-05", body="Es ging um Verstetigung."))
    assert archive.build() == 0
    second = parse_html(archive.page("themen/verstetigung/seite/2/"))
    headings = [a.get("id") for tag, a in second.elements if tag == "h2"]
    assert headings == ["sitzungen", "erwaehnt"]
    links = [a["href"] for a in second.anchors if a["href"].startswith("/sitzungen/") and a["href"].count("/") == 3]
    assert links == ["/sitzungen/t1/", "/sitzungen/m5/"]
    third = parse_html(archive.page("themen/verstetigung/seite/3/"))
    assert [a.get("id") for tag, a in third.elements if tag == "h2"] == ["erwaehnt"]
    # only the first page of a topic is indexed for search: later pages repeat nothing of it
    first = parse_html(archive.page("themen/verstetigung/"))
    assert any("data-pagefind-body" in attrs for _, attrs in first.elements)
    assert not any("data-pagefind-body" in attrs for _, attrs in second.elements)


def test_fewer_sessions_remove_the_pages_no_longer_needed(archive: Archive):
    _sessions(archive, 5, 2)
    assert archive.build() == 0
    assert (archive.output / "seite/3/index.html").is_file()
    archive.write("site.yaml", f"base_url: {BASE}\nsearch: false\npage_size: 3\n")
    assert archive.build() == 0
    assert not (archive.output / "seite/3").exists()
    assert _walk(archive, "") == ["", "seite/2/"]


@pytest.mark.parametrize("n, size, counts", [(0, 3, [0]), (1, 3, [1]), (3, 3, [3]), (4, 3, [3, 1]), (7, 2, [2, 2, 2, 1])])
def test_paginate_splits_evenly(n, size, counts):
    pagers = paginate(list(range(n)), size, "x/")
    assert [len(p.items) for p in pagers] == counts
    assert [p.offset for p in pagers] == [sum(counts[:i]) for i in range(len(counts))]
    assert [p.url_path for p in pagers][:2] == ["x/", "x/seite/2/"][: len(counts)]
    assert pagers[0].prev_path is None and pagers[-1].next_path is None
