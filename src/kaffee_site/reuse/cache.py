"""What the engine keeps between runs, in memory (`serve`) and in `.kaffee-cache/` (`build`).

A git-ignored folder `.kaffee-cache/` next to the output folder keeps five stores:

- front matter, keyed by the file's content hash: the YAML is not parsed again;
- parsed sessions, keyed by the file's content hash, its path and site.yaml, with the
  problems found in them (reported again on every run), and beside them the related
  sessions, keyed by what ranking them reads (relations.related_inputs);
- rendered bodies, keyed by the file's content hash and everything `render_body` reads
  (its line, path, own topic and the link context: base path and topic names always, the
  wikilink targets only when the text has a `[[`), so adding a session re-renders no body;
- the dependency graph of the outputs (graph.py): what each output read while it rendered;
- the stat manifest of inputs and output (manifest.py), so nothing changed is answered at once.

A warm engine (`serve`) holds the same stores in memory, with the decoded records beside
them, so one reuse mechanism serves `build`, `check` and `serve`. Every key also holds a
digest of kaffee-site's own source and its libraries' versions, so an upgrade starts afresh.
Stores are marshal files (store.py: plain data, no code is ever loaded from the cache); a
store that cannot be read, or an entry that does not decode, is ignored: a bad cache is never
an error.
"""

from __future__ import annotations

import dataclasses
import marshal
from pathlib import Path
from typing import Any, Callable, Sequence

from kaffee_site.errors import Diagnostics
from kaffee_site.markdown.body import Body, LinkContext
from kaffee_site.link.relations import related_inputs
from kaffee_site.reuse.graph import Graph, digest_text
from kaffee_site.reuse.manifest import cache_folder, code_salt, output_id
from kaffee_site.reuse.store import Store, decode, encode, pack, unpack

SHARDS = 16  # bodies are split so one edit rewrites a sixteenth of them
_hash = digest_text


class _Memory(Store):
    """A store that never touches the disk: the engine's memory when no cache folder is used."""

    def __init__(self) -> None:  # noqa: super().__init__ would read a file
        self.path, self.salt = None, ""  # type: ignore[assignment]
        self.data, self.used, self.dirty = {}, set(), False

    def save(self) -> bool:
        self.data = {k: v for k, v in self.data.items() if k in self.used}
        return True


BodyJobs = Sequence[Any]  # link.BodyJob (not imported: link imports this module's users)


class BuildCache:
    """The stores of the engine. `save()` after each run keeps what the run used."""

    def __init__(self, output_dir: Path, persist: bool = True):
        self.folder = cache_folder(output_dir)
        self.output_dir = output_dir
        self.persist = persist
        self.salt = code_salt()

        def store(name: str) -> Store:
            return Store(self.folder / name, self.salt) if persist else _Memory()

        self.front = store("front-matter.marshal")
        self.sessions = store("sessions.marshal")
        self.bodies = [store(f"bodies-{i:x}.marshal") for i in range(SHARDS)]
        self.graph = Graph(store(f"pages-{output_id(output_dir)}.marshal"), output_dir)
        self.body_keys: dict[int, str] = {}  # id(Body) -> key, for output digests
        self._decoded: dict[str, Any] = {}  # key -> session/body as records, kept while used
        self._used: set[str] = set()
        self.stats = {"sessions": 0, "bodies": 0, "bodies_total": 0, "pages": 0, "pages_total": 0}

    @property
    def stores(self) -> list[Store]:
        return [self.front, self.sessions, *self.bodies, self.graph.store]

    def begin(self) -> None:
        """A new run: counts start at zero, and only what this run uses is kept after it."""
        for store in self.stores:
            store.used = set()
        self._used = set()
        self.body_keys = {}
        self.stats = dict.fromkeys(self.stats, 0)

    def save(self, complete: bool = True) -> list[str]:
        """Keep what this run used; a run that failed half-way saw only part of the archive,
        so then nothing is forgotten. Returns why stores could not be saved (none: all saved)."""
        if not complete:
            for store in self.stores:
                store.used |= set(store.data)
            self._used |= set(self._decoded)
        failures = [store.failure or str(store.path) for store in self.stores if not store.save()]
        self._decoded = {k: v for k, v in self._decoded.items() if k in self._used}
        return failures

    # front matter (load stage)
    def front_matter(self, digest: str) -> tuple | None:
        return self.front.get(digest)

    def store_front_matter(self, digest: str, value: tuple) -> None:
        try:
            marshal.dumps(value)  # only plain YAML data can be kept
        except ValueError:
            return
        self.front.put(digest, value)

    def _known(self, store: Store, key: str, read: Callable[[Any], Any]) -> Any:
        """A record stored under `key`, decoded once and then kept in memory; None if unknown."""
        self._used.add(key)
        decoded = self._decoded.get(key)
        value = store.get(key)  # marks it used, so the store keeps it
        if decoded is not None:
            return decoded
        if value is None:
            return None
        try:
            decoded = self._decoded[key] = read(value)
        except (KeyError, TypeError, IndexError, ValueError):
            store.drop(key)
            return None
        return decoded

    # parsed sessions (link stage)
    def session_parser(self, inner: Callable) -> Callable:
        """A session parser for link_site: a file parsed before (same bytes, same place, same
        site.yaml) is not parsed again; the problems it had are reported again."""
        def parse(doc: Any, config: Any, diag: Any) -> Any:
            key = _hash(self.salt, doc.digest, doc.rel, doc.display, repr(config))
            known = self._known(self.sessions, key, unpack)
            if known is None:
                found = Diagnostics()
                known = (inner(doc, config, found), found.problems)
                self._decoded[key] = known
                try:
                    self.sessions.put(key, pack(known))
                except (TypeError, ValueError):
                    pass  # front matter we cannot keep as plain data is kept in memory only
            else:
                self.stats["sessions"] += 1
            for problem in known[1]:
                diag.add(problem)
            return known[0]
        return parse

    # related sessions (link stage)
    def relater(self, inner: Callable) -> Callable:
        """related_sessions for link_site: the ranking is kept by a digest of what it reads
        (every session's slug, date, topics and speakers, in order), so a body edit, or any edit
        of other fields, does not rank ten thousand sessions again."""
        def relate(sessions: list) -> list:
            key = _hash(self.salt, "related", related_inputs(sessions))
            known = self.sessions.get(key)
            if isinstance(known, tuple) and len(known) == len(sessions) and all(type(r) is tuple for r in known):
                return [dataclasses.replace(s, related=r) for s, r in zip(sessions, known)]
            linked = inner(sessions)
            self.sessions.put(key, tuple(s.related for s in linked))
            return linked
        return relate

    # bodies (link stage)
    def body_key(self, job: Any, ctx_key: str, wiki_key: str) -> str:
        wiki = wiki_key if "[[" in job.text else ""
        return _hash(self.salt, job.digest or _hash(job.text), str(job.first_line), job.display,
                     str(job.own_topic), ctx_key, wiki)

    def body_renderer(self, inner: Callable) -> Callable:
        """A renderer for link_site: known bodies are taken, the others rendered by `inner`."""
        def render(jobs: BodyJobs, ctx: LinkContext) -> list[Body]:
            self.link_context = ctx
            ctx_key = _hash(*(repr(getattr(ctx, f.name)) for f in dataclasses.fields(ctx)
                              if f.name != "wiki_targets"))
            wiki_key = _hash(repr(sorted(ctx.wiki_targets.items())))
            keys = [self.body_key(job, ctx_key, wiki_key) for job in jobs]
            self.stats["bodies_total"] += len(keys)
            bodies: list[Body | None] = [self._known(self._shard(key), key, _body) for key in keys]
            missing = [i for i, body in enumerate(bodies) if body is None]
            self.stats["bodies"] += len(keys) - len(missing)
            for i, body in zip(missing, inner([jobs[i] for i in missing], ctx)):
                bodies[i] = self._decoded[keys[i]] = body
                try:
                    self._shard(keys[i]).put(keys[i], encode(body))
                except TypeError:
                    pass  # a body with data we cannot keep is kept in memory only
            for key, body in zip(keys, bodies):
                self.body_keys[id(body)] = key
            return bodies  # type: ignore[return-value]
        return render

    link_context: LinkContext | None = None  # the context of the last body_renderer call

    def _shard(self, key: str) -> Store:
        return self.bodies[int(key[0], 16) % SHARDS]


def _body(value: Any) -> Body:
    body = decode(value)
    if not isinstance(body, Body):
        raise TypeError("not a body")
    return body
