"""A web page read into a Document: trafilatura finds the main text, we read the page's metadata.

trafilatura (the optional extra `kaffee-site[import]`) is the only module here that knows it:
it drops navigation, cookie banners, sidebars and footers and keeps the article. Its own
metadata guesses (dates from anywhere in the page) are not used: the title, the dates, the
language and the picture come from what the page states in its head (Open Graph, article
tags, JSON-LD), read with the standard library's HTML parser. Scripts are never run; a page
whose text only a script would write yields no text, and says why.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urljoin, urlsplit

from kaffee_site.importer.document import Document, MetaDate, Picture, one_line, same_text, shift_headings
from kaffee_site.importer.sources import Source, SourceError
from kaffee_site.importer.tomarkdown import blocks_of

EXTRA_HINT = "reading web pages needs the import extra: pip install 'kaffee-site[import]'"
_ISO_DAY = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")
_JSON_LD_MAX = 256 * 1024  # per script element: structured data is small, a bigger one is not read


def read_page(source: Source) -> Document:
    head = _Head()
    head.feed(source.text)
    head.close()
    base = source.url or head.canonical  # links of a saved page resolve against its own address
    try:
        body = _main_text(source.text, source.url)  # (not its pictures: those are beside the saved file)
    except ImportError:
        raise SourceError(f"{source.label}: {EXTRA_HINT}") from None
    blocks = blocks_of(body, base) if body is not None else []
    if not any(b.plain for b in blocks):
        if head.scripts:
            raise SourceError(f"{source.label}: no report text on the page; its text is written by JavaScript, "
                              "which import never runs. Open it in a browser, save it (Save Page As…) and "
                              "import the saved file, or copy the text and import it with '-'")
        raise SourceError(f"{source.label}: no report text found on the page")
    title, quote = _title(head)
    if blocks and blocks[0].kind == "heading" and (title is None or same_text(blocks[0].plain, title)):
        title, quote = title or blocks[0].plain, quote or f"the page's headline \"{blocks[0].plain}\""
        blocks = blocks[1:]
    notes = ()
    if head.scripts:
        notes = (f"the page has {head.scripts} script(s); import ignored them (it never runs scripts)",)
    return Document(title, quote, tuple(shift_headings(blocks)), _language(head), _picture(head, body, source),
                    tuple(_dates(head)), notes)


def _main_text(html: str, base: str | None) -> Any:
    import trafilatura  # the extra: an ImportError tells the editor how to get it
    found = trafilatura.bare_extraction(
        html, url=base, include_comments=False, include_tables=True, include_images=True,
        include_formatting=True, include_links=True, with_metadata=False, favor_recall=True)
    return getattr(found, "body", None) if found is not None else None


class _Head(HTMLParser):
    """What a page says about itself: <html lang>, <title>, <meta>, JSON-LD, <h1>, <img>, scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.meta: dict[str, str] = {}
        self.title = ""
        self.h1 = ""
        self.canonical: str | None = None
        self.images: list[tuple[str, str | None]] = []
        self.json_ld: list[str] = []
        self.scripts = 0
        self._in: str | None = None  # 'title', 'h1', 'json-ld' or 'script'
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html" and a.get("lang"):
            self.lang = a["lang"]
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").strip().lower()
            if key and "content" in a:
                self.meta.setdefault(key, a["content"].strip())
        elif tag == "link" and "canonical" in a.get("rel", "").lower().split() and a.get("href"):
            self.canonical = self.canonical or a["href"].strip()
        elif tag == "img" and a.get("src"):
            self.images.append((a["src"].strip(), a.get("alt")))
        elif tag in ("title", "h1") and self._in is None and not getattr(self, tag):
            self._in, self._text = tag, []
        elif tag == "script":
            json_ld = a.get("type", "").strip().lower() == "application/ld+json"
            self.scripts += 0 if json_ld else 1
            self._in, self._text = ("json-ld" if json_ld else "script"), []

    def handle_endtag(self, tag: str) -> None:
        if self._in == tag or (tag == "script" and self._in in ("json-ld", "script")):
            text = "".join(self._text)
            if self._in == "title":
                self.title = one_line(text)
            elif self._in == "h1":
                self.h1 = one_line(text)
            elif self._in == "json-ld" and len(text) <= _JSON_LD_MAX and len(self.json_ld) < 20:
                self.json_ld.append(text)
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._text.append(data)


def _title(head: _Head) -> tuple[str | None, str | None]:
    for key in ("og:title", "twitter:title"):
        if head.meta.get(key):
            return one_line(head.meta[key]), f"the page's {key} \"{one_line(head.meta[key])}\""
    headline = next((str(o["headline"]) for o in _ld_objects(head) if isinstance(o.get("headline"), str)), None)
    if headline:
        return one_line(headline), f"the page's structured data: headline \"{one_line(headline)}\""
    if head.h1:
        return head.h1, f"the page's headline \"{head.h1}\""
    if head.title:
        return head.title, f"the page's title \"{head.title}\""
    return None, None


def _language(head: _Head) -> str | None:
    value = head.lang or head.meta.get("og:locale") or head.meta.get("content-language")
    if not value:
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def _dates(head: _Head) -> Iterator[MetaDate]:
    for obj in _ld_objects(head):
        kind = obj.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if any(isinstance(k, str) and k.endswith("Event") for k in kinds) and isinstance(obj.get("startDate"), str):
            yield from _meta_date("event", obj["startDate"], "the page's structured data: startDate")
    for key in ("article:published_time", "og:article:published_time", "datepublished", "date", "dc.date",
                "dcterms.date", "dc.date.issued", "publish-date", "pubdate"):
        if key in head.meta:
            yield from _meta_date("published", head.meta[key], f"the page's <meta> {key}")
    for obj in _ld_objects(head):
        if isinstance(obj.get("datePublished"), str):
            yield from _meta_date("published", obj["datePublished"], "the page's structured data: datePublished")


def _meta_date(kind: str, value: str, where: str) -> Iterator[MetaDate]:
    match = _ISO_DAY.match(value)
    if match:
        yield MetaDate(kind, match.group(1), f"{where} \"{value.strip()[:40]}\"")


def _ld_objects(head: _Head) -> Iterator[dict]:
    """Every JSON object in the page's JSON-LD, nested ones and @graph members included."""
    for text in head.json_ld:
        try:
            data = json.loads(text)
        except ValueError:
            continue
        stack, seen = [data], 0
        while stack and seen < 500:
            item = stack.pop()
            seen += 1
            if isinstance(item, dict):
                yield item
                stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
            elif isinstance(item, list):
                stack.extend(item)


def _picture(head: _Head, body: Any, source: Source) -> Picture | None:
    src, alt_key = None, None
    for key, alt in (("og:image", "og:image:alt"), ("og:image:url", "og:image:alt"),
                     ("og:image:secure_url", "og:image:alt"), ("twitter:image", "twitter:image:alt")):
        if head.meta.get(key):
            src, alt_key = head.meta[key], alt
            break
    graphics = [(g.get("src"), g.get("alt")) for g in body.iter("graphic")] if body is not None else []
    if src is None and graphics and graphics[0][0]:
        src = graphics[0][0]
    if not src:
        return None
    alt, quote = None, None
    if alt_key and head.meta.get(alt_key):
        alt, quote = one_line(head.meta[alt_key]), f"the page's {alt_key}"
    else:
        for img_src, img_alt in [*graphics, *head.images]:
            if img_alt and img_alt.strip() and _same_picture(img_src or "", src):
                alt, quote = one_line(img_alt), "the alt text of the picture on the page"
                break
    url, path = _where(src, source)
    return Picture(alt, f"{quote} \"{alt}\"" if alt else None, url, path,
                   reference=one_line(src)[:300] if url is None and path is None else None)


def _same_picture(a: str, b: str) -> bool:
    return bool(a) and (a == b or unquote(urlsplit(a).path).rsplit("/", 1)[-1] == unquote(urlsplit(b).path).rsplit("/", 1)[-1])


def _where(src: str, source: Source) -> tuple[str | None, Path | None]:
    """An address to download, or a saved page's own copy (inside its folder, never outside)."""
    src = src.strip()
    scheme = urlsplit(src).scheme.lower()
    if scheme in ("http", "https"):
        return src, None
    if source.url is not None:
        joined = urljoin(source.url, src)
        return (joined, None) if urlsplit(joined).scheme in ("http", "https") else (None, None)
    if scheme or source.folder is None or src.startswith("//"):
        return None, None
    folder = source.folder.resolve()
    path = (folder / unquote(urlsplit(src).path).lstrip("/")).resolve()
    return (None, path) if path.is_relative_to(folder) and path.is_file() else (None, None)
