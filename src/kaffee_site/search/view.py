"""What Pagefind reads from a page, as one digest: a page whose digest is unchanged needs no new index.

A page is written again whenever anything on it changes, the site's title in its header for
one; Pagefind would read the same words from it. Its parser (fossick/parser.rs, Pagefind 1.x)
takes from a page: the text inside the element marked `data-pagefind-body` (when one is
marked), the `data-pagefind-*` attributes of any element with the text they name, the `lang`
of `<html>`, the first `<h1>` anywhere as the result's title, the `<title>` as the title's last
fallback, the first `<img>` after a title, and `<script>`/`<link>` references to its own files.

The digest covers a superset of that, found without a parser: the whole marked element, every
`<h1>`, `<img>`, `<html>` and Pagefind reference anywhere, and the `<title>` unless an `<h1>`
with text comes first in Pagefind's order of preference. Whenever a page is not simple enough
to be sure of that (no marked element or several, a `data-pagefind-*` attribute outside it, a
marked element whose end cannot be found by counting its tags, a comment or raw text such as a
script inside it, which could hold tag-like text), the digest is the whole page: any change to
the page then indexes it again, as before. The digest only ever errs towards indexing again.
"""

from __future__ import annotations

import hashlib
import re

# attribute names are read without regard to case, as HTML parsers do
BODY = re.compile(rb"<([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*\sdata-pagefind-body[\s=/>]", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb"\sdata-pagefind-", re.IGNORECASE)
# elements whose end tag may be left out, or whose text is raw: counting tags cannot find their end
_COUNTABLE = frozenset({b"article", b"main", b"div", b"section", b"aside", b"header", b"footer", b"nav",
                        b"figure", b"blockquote", b"span", b"body", b"form", b"search"})
_RAW_TEXT = re.compile(rb"<!--|<!\[CDATA\[|<(?:script|style|textarea|xmp|template|noscript|iframe|"
                       rb"noembed|noframes|plaintext)\b", re.IGNORECASE)
# <title> holds raw text in HTML, but is a plain element inside <svg> (a chart's accessible name)
_TITLE_OR_SVG = re.compile(rb"<(/?)(title|svg)\b", re.IGNORECASE)
_H1 = re.compile(rb"<h1\b.*?</h1\s*>", re.DOTALL | re.IGNORECASE)
_TAG_TEXT = re.compile(rb"<[^>]*>")
_SINGLE_TAGS = re.compile(rb"<(?:img|html)\b[^>]*>|<(?:script|link)\b[^>]*pagefind[^>]*>", re.IGNORECASE)
_TITLE = re.compile(rb"<title\b.*?</title\s*>", re.DOTALL | re.IGNORECASE)


def search_view(html: bytes) -> str:
    """The digest of everything Pagefind could read from `html` (see the module's docstring)."""
    bodies = list(BODY.finditer(html))
    region = _element(html, bodies[0]) if len(bodies) == 1 else None
    if region is None:
        return _digest(b"page", html)
    start, end = region
    outside = html[:start] + html[end:]
    if _ATTRIBUTE.search(outside):
        return _digest(b"page", html)
    headings = _H1.findall(html)
    parts = [html[start:end], *headings, *_SINGLE_TAGS.findall(outside)]
    if not any(_has_text(h) for h in headings):  # Pagefind may fall back on the page's <title>
        parts.extend(_TITLE.findall(outside))
    return _digest(b"view", *parts)


def _element(html: bytes, body: re.Match) -> tuple[int, int] | None:
    """Where the marked element starts and ends, by counting its open and end tags; None when
    that cannot be trusted (the end is then the end of the page, which is no smaller)."""
    name = body.group(1).lower()
    if name not in _COUNTABLE:
        return None
    tags = re.compile(rb"<(/?)" + re.escape(name) + rb"(?=[\s/>])", re.IGNORECASE)
    depth = 0
    for tag in tags.finditer(html, body.start()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            end = html.find(b">", tag.end())
            if end < 0:
                return None
            if _RAW_TEXT.search(html, body.end(), tag.start()) or _html_title(html, body.end(), tag.start()):
                return None  # a comment or raw text inside could have fooled the count
            return body.start(), end + 1
    return None


def _html_title(html: bytes, start: int, end: int) -> bool:
    """Whether a <title> between start and end stands outside an <svg> (so its text is raw)."""
    in_svg = False
    for tag in _TITLE_OR_SVG.finditer(html, start, end):
        if tag.group(2).lower() == b"svg":
            in_svg = not tag.group(1)
        elif not tag.group(1) and not in_svg:
            return True
    return False


def _has_text(heading: bytes) -> bool:
    return b"data-pagefind-ignore" not in heading and _TAG_TEXT.sub(b"", heading).strip() != b""


def _digest(kind: bytes, *parts: bytes) -> str:
    digest = hashlib.blake2b(kind, digest_size=16)
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
