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

What each index was made from is remembered in a state file beside the build cache (never in
the output, whose bytes depend on content only): for every HTML page its inode, size and
modification time, whether it has `data-pagefind-body`, the digest of what Pagefind reads from
it (search_view.py), and a digest of each part's entry file, which ties the state to the index
actually in the output folder. Pages are never changed in place (write.py), so a page with the
same inode, size and time is the page that was indexed; a page written again with the same
search view (only the site's title in its header changed, say) leaves its part as it is.
Anything the state cannot vouch for (no state, another output, another Pagefind, a page
written by `serve` without indexing) is indexed again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from kaffee_site.search.view import BODY, search_view

PAGES_PER_PART = 100
MAX_PARTS = 32
PARTS_FILE = "parts.json"
_FORMAT = 2

Stat = tuple[int, int, int]  # inode, size, modification time (ns)


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


@dataclass
class State:
    """What the index in an output folder was made from."""

    engine: str  # the Pagefind binary (path, size, time): another version means a new index
    parts: int
    pages: dict[str, tuple[Stat, bool, str]]  # rel -> (stat, has data-pagefind-body, search view)
    entries: dict[int, str] = field(default_factory=dict)  # part -> digest of its pagefind-entry.json

    def indexed(self) -> list[str]:
        return indexed_pages({rel: body for rel, (_, body, _) in self.pages.items()})


def indexed_pages(bodies: dict[str, bool]) -> list[str]:
    """Pagefind's rule over the whole site: only pages with data-pagefind-body if any has one."""
    if any(bodies.values()):
        return sorted(rel for rel, body in bodies.items() if body)
    return sorted(bodies)


def entry_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def load_state(path: Path | None) -> State | None:
    """The state file, or None when there is none or it cannot be trusted (any damage)."""
    if path is None:
        return None
    try:
        raw = path.read_bytes()
        check, _, body = raw.partition(b"\n")
        if check.decode("ascii") != entry_digest(body):
            return None
        data = json.loads(body)
        if data["format"] != _FORMAT:
            return None
        pages = {rel: ((int(s[0]), int(s[1]), int(s[2])), bool(s[3]), str(s[4])) for rel, s in data["pages"].items()}
        entries = {int(k): str(v) for k, v in data["entries"].items()}
        return State(str(data["engine"]), int(data["parts"]), pages, entries)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, UnicodeDecodeError):
        return None


def save_state(path: Path | None, state: State) -> None:
    """Written beside its target and renamed; a state that cannot be saved only costs a full index later."""
    if path is None:
        return
    body = json.dumps({"format": _FORMAT, "engine": state.engine, "parts": state.parts,
                       "entries": {str(k): v for k, v in sorted(state.entries.items())},
                       "pages": {rel: [*stat, int(body), view] for rel, (stat, body, view) in sorted(state.pages.items())}},
                      separators=(",", ":")).encode("utf-8")
    scratch = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch.write_bytes(entry_digest(body).encode("ascii") + b"\n" + body)
        os.replace(scratch, path)
    except OSError:
        try:
            scratch.unlink(missing_ok=True)
        except OSError:
            pass  # a file where the cache folder goes: nothing was written


@dataclass
class Plan:
    """The index to make: every part's pages (in path order) and the parts to index again."""

    state: State  # what the new index is made from (entries filled in once it is written)
    members: dict[int, list[str]]
    stale: set[int]

    @property
    def folders(self) -> list[str]:
        return [part_folder(part) for part in sorted(self.members)]


def plan(root: Path, rels: list[str], stats: dict[str, Stat], engine: str, before: State | None,
         current_entries: dict[int, str]) -> Plan:
    """Compare the pages under `root` with what the current index was made from (`before`, valid
    only if `current_entries`, the digests of the index now in the output, are the ones it names)."""
    if before is not None and (before.engine != engine or before.entries != current_entries):
        before = None
    pages: dict[str, tuple[Stat, bool, str]] = {}
    changed: set[str] = set()
    for rel in rels:
        known = before.pages.get(rel) if before else None
        if known is not None and known[0] == stats[rel]:
            pages[rel] = known
            continue
        try:
            html = (root / rel).read_bytes()
        except OSError:
            continue  # gone meanwhile (serve): Pagefind would not find it either
        pages[rel] = (stats[rel], has_body(html), search_view(html))
        if known is None or known[1:] != pages[rel][1:]:
            changed.add(rel)  # written again with other words for Pagefind (or new)
    bodies = {rel: body for rel, (_, body, _) in pages.items()}
    indexed = indexed_pages(bodies)
    parts = part_count(len(indexed))
    members: dict[int, list[str]] = {}
    for rel in indexed:
        members.setdefault(part_of(rel, parts), []).append(rel)
    if len(members) < parts:  # an empty part would have no index: one index for everything then
        parts, members = 1, ({0: indexed} if indexed else {})
    state = State(engine, parts, pages)
    if before is None or before.parts != parts or any(bodies.values()) != any(b for _, b, _ in before.pages.values()):
        return Plan(state, members, set(members))
    was, now = set(before.indexed()), set(indexed)
    touched = {rel for rel in changed if rel in was or rel in now} | {rel for rel in was if rel not in pages}
    stale = {part_of(rel, parts) for rel in touched}
    return Plan(state, members, stale & set(members))
