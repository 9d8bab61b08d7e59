"""Helpers for the tests of what readers' tools get (feeds, calendars, meta, data, search).

`built_sample` builds the sample archive once per test module; `parse_html` reads a page
with the standard library's HTML parser, so tests look at elements, not at strings.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from support import SAMPLE_CONTENT, Archive

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://example.org/kaffee/"


def built_sample(folder: Path, *yaml_lines: str) -> Archive:
    """The sample content (base_url https://example.org/kaffee/) with extra site.yaml lines, built."""
    archive = Archive(folder)
    shutil.copytree(SAMPLE_CONTENT, archive.content)
    with (archive.content / "site.yaml").open("a", encoding="utf-8") as config:
        config.write("".join(line + "\n" for line in yaml_lines))
    assert archive.build() == 0
    return archive


@dataclass
class Page:
    """The parts of an HTML page that tests ask about."""

    links: list[dict[str, str]] = field(default_factory=list)  # <link> attributes
    metas: list[dict[str, str]] = field(default_factory=list)
    anchors: list[dict[str, str]] = field(default_factory=list)
    scripts: list[tuple[dict[str, str], str]] = field(default_factory=list)  # (attributes, text)
    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # every start tag
    text: list[str] = field(default_factory=list)

    def meta(self, key: str) -> list[str]:
        """Contents of <meta name=key> or <meta property=key>."""
        return [m.get("content", "") for m in self.metas if key in (m.get("name"), m.get("property"))]

    def link_hrefs(self, rel: str, type_: str | None = None) -> list[str]:
        return [link["href"] for link in self.links
                if rel in link.get("rel", "").split() and (type_ is None or link.get("type") == type_)]

    def json_ld(self) -> list[str]:
        return [text for attrs, text in self.scripts if attrs.get("type") == "application/ld+json"]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._script: dict[str, str] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = {k: v or "" for k, v in attrs}
        self.page.elements.append((tag, values))
        if tag == "link":
            self.page.links.append(values)
        elif tag == "meta":
            self.page.metas.append(values)
        elif tag == "a":
            self.page.anchors.append(values)
        elif tag == "script":
            self._script, self._script_text = values, []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.page.scripts.append((self._script, "".join(self._script_text)))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)
        else:
            self.page.text.append(data)


def parse_html(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page


def html_pages(output: Path, redirects: bool = False) -> dict[str, Path]:
    """URL path ('themen/x/', '404.html') -> file, for every HTML page of a built archive
    (without the redirect stubs of renamed topics unless asked for)."""
    pages = {}
    for path in sorted(output.rglob("*.html")):
        rel = path.relative_to(output).as_posix()
        if rel.startswith("pagefind/"):
            continue
        if not redirects and any(m.get("http-equiv") == "refresh"
                                 for m in parse_html(path.read_text(encoding="utf-8")).metas):
            continue
        pages[rel[: -len("index.html")] if rel.endswith("index.html") else rel] = path
    return pages
