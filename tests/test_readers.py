"""What readers and their software get from the built pages (issue 13): unique ids, preview
images, true times, German typography, year pages and the topic timeline.

Every test builds a real archive and reads the written files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from reader_support import built_sample, html_pages, parse_html
from support import Archive, session_md

# Headings an editor may well write that the theme uses as ids of its own sections.
THEME_WORDS_REPORT = """\
## Themen

Zuerst die Themen, siehe [unten](#ausblick-code-und-verstetigung) und [hier](#themen-2).

## Referierende

## Verwandt

## Main

## Themen

## 

### ###

## ???

## Ausblick: `Code` und [[Verstetigung]]
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Archive:
    return built_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def headings_archive(tmp_path_factory) -> Archive:
    """A small archive whose reports use the theme's own words as headings, twice and empty."""
    archive = Archive(tmp_path_factory.mktemp("headings"))
    archive.write("site.yaml", "title: Test\nsearch: false\n")
    archive.write("topics/verstetigung.md", "---\ntitle: Verstetigung\n---\n## Themen\n\n## Main\n")
    archive.write("pages/ueber.md", "---\ntitle: Über\n---\n## Main\n\n## Main\n")
    speakers = "\n  - name: Ada Muster\n    org: Kreis A"
    archive.write("sessions/a.md", session_md("A", "2024-05-16", THEME_WORDS_REPORT, number=1,
                                              topics="[Verstetigung]", speakers=speakers,
                                              next="\n  date: 2024-06-13"))
    archive.write("sessions/b.md", session_md("B", "2024-06-13", THEME_WORDS_REPORT, number=2,
                                              topics="[Verstetigung]", speakers=speakers))
    assert archive.build() == 0
    return archive


def _ids(html: str) -> list[str]:
    return [attrs["id"] for _, attrs in parse_html(html).elements if "id" in attrs]


@pytest.mark.parametrize("which", ["sample", "headings_archive"])
def test_ids_are_unique_and_valid_on_every_page(which, request):
    archive = request.getfixturevalue(which)
    pages = html_pages(archive.output)
    assert len(pages) > 10
    for url, path in pages.items():
        html = path.read_text(encoding="utf-8")
        ids = _ids(html)
        doubled = [i for i, n in Counter(ids).items() if n > 1]
        assert not doubled, f"{url}: ids used twice: {doubled}"
        assert all(i and not any(c.isspace() for c in i) for i in ids), f"{url}: empty or spaced id in {ids}"
        # every reference into the page finds its target
        page = parse_html(html)
        labels = [ref for _, attrs in page.elements for ref in attrs.get("aria-labelledby", "").split()]
        anchors = [a["href"][1:] for a in page.anchors if a.get("href", "").startswith("#") and len(a["href"]) > 1]
        missing = [ref for ref in labels + anchors if ref not in ids]
        assert not missing, f"{url}: references to missing ids {missing}"


def test_body_heading_ids_are_prefixed_numbered_and_never_empty(headings_archive):
    html = headings_archive.page("sitzungen/a/")
    assert '<h2 id="h-themen">Themen</h2>' in html
    assert '<h2 id="h-themen-2">Themen</h2>' in html
    assert '<h2 id="h-main">Main</h2>' in html
    assert '<h2 id="h-referierende">Referierende</h2>' in html
    assert "<h2></h2>" in html and "<h3></h3>" in html  # '## ' and '### ###' (CommonMark) get no id
    assert 'id=""' not in html and 'id="-1"' not in html
    assert '<h2 id="h-6">???</h2>' in html  # no letters to name it by: the sixth id of the body
    assert 'id="h-ausblick-code-und-verstetigung"' in html
    # in-page links name the heading as the editor sees it and reach its prefixed id
    assert '<a href="#h-ausblick-code-und-verstetigung">unten</a>' in html and '<a href="#h-themen-2">hier</a>' in html
