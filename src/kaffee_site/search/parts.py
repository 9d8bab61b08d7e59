"""Which pages the search index holds, split into parts, and which parts a change makes stale.

Pagefind cannot update an index: a page changed means its whole index is built again, and that
costs about 3 ms per page. So the index is split into parts of about PAGES_PER_PART pages each
(a page's part is a hash of its path: parts stay the same size, and a page stays in its part
as the archive grows); a rebuild indexes only the parts whose pages changed, and the search
page merges the parts in the browser (Pagefind's documented `mergeIndex`, search.js).
Part 0 is Pagefind's usual bundle in `pagefind/`, part n lies in `pagefind/part-n/`, and
`pagefind/parts.json` lists the parts after the first.

Which pages Pagefind reads is its own rule, kept here for all parts together: if any page of
the site has a `data-pagefind-body` element, only such pages are indexed; otherwise all are.

A part's index is made from its pages alone: what Pagefind reads of each (view.py) and
its address. So a part is kept by a digest of those and of the Pagefind that made it (index.py).
"""

from __future__ import annotations

import hashlib

from kaffee_site.search.view import BODY

PAGES_PER_PART = 100
MAX_PARTS = 32
PARTS_FILE = "parts.json"


def has_body(html: bytes) -> bool:
    """Whether the page marks its indexed part with data-pagefind-body (text cannot hold a '<')."""
    return BODY.search(html) is not None


def part_count(indexed: int) -> int:
    """Parts for this many indexed pages: a power of two, so parts split evenly as the archive grows."""
    parts = 1
    while parts < MAX_PARTS and indexed > parts * PAGES_PER_PART:
        parts *= 2
    return parts


def part_of(rel: str, parts: int) -> int:
    return int.from_bytes(hashlib.blake2b(rel.encode("utf-8"), digest_size=4).digest(), "big") % parts


def part_folder(part: int) -> str:
    """Where a part's index lies inside the index folder ('' for the first)."""
    return f"part-{part}/" if part else ""


def page_url(rel: str) -> str:
    """The address Pagefind gives the file `rel` (an index.html names its folder)."""
    return "/" + (rel[: -len("index.html")] if rel == "index.html" or rel.endswith("/index.html") else rel)


def html_pages(rels) -> list[str]:
    """The pages Pagefind would find among the output's files: HTML, outside hidden folders."""
    return sorted(rel for rel in rels if rel.endswith(".html") and not any(p.startswith(".") for p in rel.split("/")))


def indexed_pages(bodies: dict[str, bool]) -> list[str]:
    """Pagefind's rule over the whole site: only pages with data-pagefind-body if any has one."""
    if any(bodies.values()):
        return sorted(rel for rel, body in bodies.items() if body)
    return sorted(bodies)


def split(bodies: dict[str, bool]) -> dict[int, list[str]]:
    """The pages Pagefind indexes, by part (each in path order); no parts without pages."""
    indexed = indexed_pages(bodies)
    parts = part_count(len(indexed))
    members: dict[int, list[str]] = {}
    for rel in indexed:
        members.setdefault(part_of(rel, parts), []).append(rel)
    if len(members) < parts:  # an empty part would have no index: one index for everything then
        members = {0: indexed} if indexed else {}
    return members
