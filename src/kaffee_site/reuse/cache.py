"""What the engine keeps between runs, in memory (`serve`) and in `.kaffee-cache/` (`build`).

A git-ignored folder `.kaffee-cache/` beside the output folder holds four things, each kept by
content, never by a file's time or place and never by an object's identity:

- the memo table (memo.py): front matter, parsed sessions, related sessions, rendered bodies,
  the theme's compiled templates, what Pagefind reads of a page and the index parts, each by the
  digest of all it was made from;
- the graph of reads (graph.py): what every output read while it rendered, so an output none of
  whose reads changed is kept;
- the files (blobs.py): every output's bytes by their digest, so an empty output folder (CI) is
  filled without rendering;
- the last link (warm.py): the linked Site with the digest of every file it was made from, so a
  build after one changed session relinks that session only, as `serve` does.

Every file is salted with the tool's own version (store.code_salt), and a file that is damaged
or was written by anything else reads as empty: a bad cache costs time, never a wrong byte. A
successful run that linked the whole archive keeps only what it used, so the cache never holds
more than one build needs; the build reports its size. `serve` keeps the same in memory, with no
files (warm: the Site itself stays in memory).
"""

from __future__ import annotations

import dataclasses
import marshal
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from kaffee_site.digest import digest, file_stat
from kaffee_site.errors import Diagnostics
from kaffee_site.link.relations import related_inputs
from kaffee_site.markdown.body import Body, LinkContext
from kaffee_site.publish.writer import KeptOutput
from kaffee_site.reuse.blobs import Blobs
from kaffee_site.reuse.graph import Graph
from kaffee_site.reuse.manifest import cache_folder
from kaffee_site.reuse.memo import Memo
from kaffee_site.reuse.store import code_salt, pack, read_store, unpack, write_store
from kaffee_site.reuse.warm import LastLink, from_plain, plain

LINKED = "linked.marshal"
GRAPH = "graph.marshal"
STATS = ("sessions", "bodies", "bodies_total", "pages", "pages_total", "linked", "size", "removed")


class BuildCache:
    """The memo table, the graph, the files and the last link of one output folder's builds."""

    def __init__(self, output_dir: Path, persist: bool = True):
        self.folder = cache_folder(output_dir) if persist else None
        self.salt = code_salt()
        self.memo = Memo(self.folder, self.salt)
        self.graph = Graph(self.folder / GRAPH if self.folder else None, self.salt)
        self.blobs = Blobs(self.folder, self.salt) if self.folder else None
        self.stats = dict.fromkeys(STATS, 0)
        self._config: tuple[Any, str] | None = None

    def begin(self) -> None:
        """A new run: counts start at zero, and only what this run uses is kept after it."""
        self.memo.begin()
        self.stats = dict.fromkeys(STATS, 0)

    def save(self, ok: bool, whole: bool, linked: LastLink | None = None, scope: str = "") -> list[str]:
        """After a run: what it made is kept. A successful run that linked the whole archive keeps
        only what it used; one that relinked or failed only adds (warm.RELINKS bounds how long).
        `linked` (a successful run's) is kept for the next build. Returns why parts of the cache
        could not be saved (none: all saved)."""
        failures = self.memo.save(sweep=ok and whole) + self.graph.save()
        if self.blobs is not None:
            failures += self.blobs.save(sweep=ok)
        if self.folder is not None and linked is not None and linked.records:
            try:
                value = plain(linked, scope)
            except TypeError:  # front matter that is not plain data: the next build links anew
                value = None
            failure = write_store(self.folder / LINKED, self.salt, {"linked": value})
            failures += [failure] if failure else []
        self.stats["removed"] = self.memo.removed + (self.blobs.removed if self.blobs else 0)
        self.stats["size"] = self._size()
        return failures

    def _size(self) -> int:
        if self.folder is None:
            return 0
        total = self.blobs.size(self.blobs.placed) if self.blobs is not None else 0
        try:
            for entry in os.scandir(self.folder):
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            pass
        return total

    def stored_link(self, scope: str, content: Any) -> LastLink | None:
        """The link the last build kept, if it was made with the same scope and site.yaml."""
        if self.folder is None:
            return None
        found = read_store(self.folder / LINKED, self.salt)
        return from_plain(found.get("linked"), scope, content) if found else None

    def kept(self, path: str, key: str, output_dir: Path) -> KeptOutput | None:
        """The output at `path` without rendering it, if the graph holds it under `key` and its
        file is at hand: the current output's (its Stat unchanged) or the cache's file of its bytes."""
        found = self.graph.holds(path, key)
        if found is None:
            return None
        key_of_bytes, stat = found
        if stat is not None and file_stat(output_dir / path) == stat:
            if self.blobs is not None:
                self.blobs.mark(key_of_bytes)
            self.graph.kept(path, stat)
            return KeptOutput(path, key_of_bytes)
        if self.blobs is not None and key_of_bytes and self.blobs.has(key_of_bytes):
            self.graph.kept(path, self.blobs.noted_stat(key_of_bytes))  # type: ignore[arg-type]
            return KeptOutput(path, key_of_bytes, self.blobs.path(key_of_bytes))
        return None

    # --- the load stage: front matter by the file's bytes ------------------------------------------

    def front_matter(self, file_digest: str) -> tuple | None:
        return self.memo.get("front_matter", digest("front matter", file_digest))

    def store_front_matter(self, file_digest: str, value: tuple) -> None:
        try:
            marshal.dumps(value)  # only plain YAML data can be kept
        except ValueError:
            return
        self.memo.put("front_matter", digest("front matter", file_digest), value)

    # --- the link stage -------------------------------------------------------------------------

    def _config_key(self, config: Any) -> str:
        if self._config is None or self._config[0] is not config:
            self._config = (config, digest(repr(config)))
        return self._config[1]

    def _decoded(self, kind: str, key: str) -> Any:
        """The record kept under `key`, decoded; None when unknown or not decodable."""
        value = self.memo.get(kind, key)
        if value is None:
            return None
        try:
            return unpack(value)
        except (KeyError, TypeError, IndexError, ValueError, AttributeError):
            self.memo.drop(kind, key)
            return None

    def session_parser(self, inner: Callable) -> Callable:
        """A session parser for link_site: a file parsed before (same bytes, same place, same
        site.yaml) is not parsed again; the problems it had are reported again."""
        def parse(doc: Any, config: Any, diag: Diagnostics) -> Any:
            key = digest("session", doc.digest, doc.rel, doc.display, self._config_key(config))
            known = self._decoded("session", key)
            if known is None:
                found = Diagnostics()
                known = (inner(doc, config, found), found.problems)
                try:
                    self.memo.put("session", key, pack(known))
                except TypeError:
                    pass  # front matter we cannot keep as plain data is parsed again next time
            else:
                self.stats["sessions"] += 1
            for problem in known[1]:
                diag.add(problem)
            return known[0]
        return parse

    def relater(self, inner: Callable) -> Callable:
        """related_sessions for link_site: the ranking is kept by a digest of what it reads
        (every session's slug, date, topics and speakers, in order), so a body edit, or any edit
        of other fields, does not rank ten thousand sessions again."""
        def relate(sessions: list) -> list:
            key = digest("related", related_inputs(sessions))
            known = self.memo.get("related", key)
            if isinstance(known, tuple) and len(known) == len(sessions) and all(type(r) is tuple for r in known):
                return [dataclasses.replace(s, related=r) for s, r in zip(sessions, known)]
            linked = inner(sessions)
            self.memo.put("related", key, tuple(s.related for s in linked))
            return linked
        return relate

    def body_renderer(self, inner: Callable) -> Callable:
        """A renderer for link_site and relink: known bodies are taken, the others rendered by `inner`."""
        def render(jobs: Sequence[Any], ctx: LinkContext) -> list[Body]:
            names = digest(*(repr(getattr(ctx, f.name)) for f in dataclasses.fields(ctx) if f.name != "wiki_targets"))
            wiki = digest(repr(sorted(ctx.wiki_targets.items())))
            keys = [digest("body", job.digest or digest(job.text), str(job.first_line), job.display,
                           str(job.own_topic), names, wiki if "[[" in job.text else "") for job in jobs]
            bodies: list[Body | None] = [self._decoded("body", key) for key in keys]
            missing = [i for i, body in enumerate(bodies) if not isinstance(body, Body)]
            self.stats["bodies_rendered"] = self.stats.get("bodies_rendered", 0) + len(missing)
            for i, body in zip(missing, inner([jobs[i] for i in missing], ctx)):
                bodies[i] = body
                try:
                    self.memo.put("body", keys[i], pack(body))
                except TypeError:
                    pass  # a body with data we cannot keep is rendered again next time
            return bodies  # type: ignore[return-value]
        return render

    def theme_store(self) -> "Section":
        """The theme's own entries (template references, compiled code) in the memo table."""
        return Section(self.memo, "code")


class Section:
    """One kind of entry in the memo table, for code that names its entries itself (the theme)."""

    def __init__(self, memo: Memo, kind: str):
        self.memo, self.kind = memo, kind

    def get(self, name: str) -> Any:
        return self.memo.get(self.kind, digest(self.kind, name))

    def put(self, name: str, value: Any) -> None:
        self.memo.put(self.kind, digest(self.kind, name), value)

    def keep(self, names: Iterable[str]) -> None:
        """Entries this run did not ask for but that still stand (memo.keep)."""
        self.memo.keep(self.kind, [digest(self.kind, name) for name in names])
