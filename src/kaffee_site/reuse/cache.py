"""The build cache: never do the same work twice across builds.

A git-ignored folder `.kaffee-cache/` next to the output folder keeps four stores:

- front matter, keyed by the file's content hash: the YAML is not parsed again;
- parsed sessions, keyed by the file's content hash, its path and site.yaml, with the
  problems found in them (reported again on every build);
- rendered bodies, keyed by the file's content hash and everything `render_body` reads
  (its line, path, own topic and the link context: base path and topic names always, the
  wikilink targets only when the text has a `[[`), so adding a session re-renders no body;
- pages, keyed by template set, configuration, URL and the page's own record; each entry
  lists what the page read from the Site while it was rendered (recorded, not declared, so a
  theme that shows anything anywhere stays correct) with digests. When none changed and the
  output file is still the one written, the page is kept without rendering.

Every key also holds a digest of kaffee-site's own source and its libraries' versions, so an
upgrade starts afresh. Stores are marshal files (cachedata.py: plain data, no code is ever
loaded from the cache), written whole to a temporary name and renamed; a store that cannot be
read, or an entry that does not decode, is ignored and rebuilt: a bad cache is never an error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from kaffee_site import __version__
from kaffee_site.reuse.store import _PLAIN, Store, _field_names, decode, encode, pack, unpack
from kaffee_site.errors import Diagnostics
from kaffee_site.pipeline.markdown import Body, LinkContext
from kaffee_site.model import Page, Session, Site, Topic

CACHE_DIR = ".kaffee-cache"
SHARDS = 16  # bodies are split so one edit rewrites a sixteenth of them
_FORMAT = 1


def cache_folder(output_dir: Path) -> Path:
    return output_dir.resolve().parent / CACHE_DIR


def _hash(*parts: str) -> str:
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=20).hexdigest()


def code_salt() -> str:
    """kaffee-site's version and source, the libraries it renders with, the Python running it."""
    import jinja2
    import markdown_it
    import mdit_py_plugins
    import yaml

    package = Path(__file__).parent
    source = hashlib.blake2b(digest_size=20)
    for path in sorted(package.glob("*.py")):
        source.update(path.name.encode() + b"\0" + path.read_bytes())
    return _hash(str(_FORMAT), __version__, source.hexdigest(), sys.version, str(marshal.version),
                 markdown_it.__version__, mdit_py_plugins.__version__, jinja2.__version__, yaml.__version__)


# --- digests of records, for page keys ------------------------------------------------------

# Records that hold rendered bodies: digested field by field, a body standing in by its key.
# Any other value is digested by its repr, which is complete for the model's plain records.
_WITH_BODIES = frozenset({Session, Topic, Page, Site})


class Digests:
    """Stable digests of Site records and values; a body stands in by its cache key."""

    def __init__(self, site: Any, body_keys: dict[int, str]):
        self.site, self.body_keys = site, body_keys
        self._memo: dict[int, tuple[Any, str]] = {}
        self._deps: dict[tuple, str] = {}
        self._items: dict[str, str] = {}

    def value(self, value: Any) -> str:
        kind = type(value)
        if kind in _PLAIN:
            return repr(value)
        if kind is Body:
            key = self.body_keys.get(id(value))
            return "body:" + (key if key is not None else _hash(repr(value)))
        if kind in _WITH_BODIES:
            memo = self._memo.get(id(value))
            if memo is None:  # the record is kept with its digest, so its id cannot be reused
                memo = (value, self._record(value))
                self._memo[id(value)] = memo
            return memo[1]
        if kind is tuple and value and type(value[0]) in _WITH_BODIES:
            return _hash("tuple", *(self.value(v) for v in value))
        return repr(value)

    def _record(self, record: Any) -> str:
        plain, parts = [], []
        for name in _field_names(type(record)):
            field = getattr(record, name)
            kind = type(field)
            if kind is Body or kind in _WITH_BODIES or (kind is tuple and field and type(field[0]) in _WITH_BODIES):
                parts.append(f"{name}={self.value(field)}")
            else:
                plain.append(field)
        return _hash(type(record).__qualname__, repr(tuple(plain)), *parts)

    def read(self, item: str) -> str:
        """dep() of a read as stored in a page entry ('kind\x1fname')."""
        found = self._items.get(item)
        if found is None:
            found = self._items[item] = self.dep(tuple(item.split("\x1f", 1)))
        return found

    def dep(self, dep: tuple) -> str:
        """Digest of what a page read: ('session', slug) etc., or ('attr', name) of the Site."""
        found = self._deps.get(dep)
        if found is None:
            kind, name = dep
            if kind == "attr":
                value = getattr(self.site, name, None)
                found = self.whole() if callable(value) else self.value(value)
            else:
                try:
                    found = self.value(getattr(self.site, kind)(name))
                except (KeyError, AttributeError):
                    found = "missing"
            self._deps[dep] = found
        return found

    def whole(self) -> str:
        """The whole Site, for methods whose reads we cannot see (e.g. sessions_by_year())."""
        return self.value(self.site)


class RecordingSite:
    """Stands in for the Site while one page renders and notes every record the page reads."""

    _LOOKUPS = frozenset({"session", "topic", "person", "organisation"})

    def __init__(self, site: Any):
        self._site = site
        self.reads: set[tuple] = set()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._site, name)
        if name in self._LOOKUPS:
            reads = self.reads

            def lookup(slug: str, _get=value, _kind=name) -> Any:
                reads.add((_kind, slug))
                return _get(slug)
            return lookup
        self.reads.add(("attr", name))
        return value


# --- the cache of one build -------------------------------------------------------------------

BodyJobs = Sequence[Any]  # link.BodyJob (not imported: link imports this module's users)


class BuildCache:
    """The stores of one build. `save()` after the build; every failure to read is a miss."""

    def __init__(self, output_dir: Path):
        self.folder = cache_folder(output_dir)
        self.output_dir = output_dir
        self._output = str(output_dir)
        self.salt = code_salt()
        self.front = Store(self.folder / "front-matter.marshal", self.salt)
        self.sessions = Store(self.folder / "sessions.marshal", self.salt)
        self.bodies = [Store(self.folder / f"bodies-{i:x}.marshal", self.salt) for i in range(SHARDS)]
        out_id = _hash(str(output_dir.resolve()))[:12]
        self.pages = Store(self.folder / f"pages-{out_id}.marshal", self.salt)
        self.body_keys: dict[int, str] = {}  # id(Body) -> key, for page digests
        self.page_entries: dict[str, tuple[str, str, str]] = {}  # path -> (key, reads, digest) rendered now
        self.kept: set[str] = set()  # paths of pages kept as they were
        self.stats = {"front": 0, "sessions": 0, "bodies": 0, "bodies_total": 0, "pages": 0, "pages_total": 0}

    # front matter (load stage)
    def front_matter(self, digest: str) -> tuple | None:
        value = self.front.get(digest)
        if value is not None:
            self.stats["front"] += 1
        return value

    def store_front_matter(self, digest: str, value: tuple) -> None:
        try:
            marshal.dumps(value)  # only plain YAML data can be kept
        except ValueError:
            return
        self.front.put(digest, value)

    # parsed sessions (link stage)
    def session_parser(self, inner: Callable) -> Callable:
        """A session parser for link_site: a file parsed before (same bytes, same place, same
        site.yaml) is not parsed again; the problems it had are reported again."""
        def parse(doc: Any, config: Any, diag: Any) -> Any:
            key = _hash(self.salt, doc.digest, doc.rel, doc.display, repr(config))
            known = self.sessions.get(key)
            if known is not None:
                try:
                    session, problems = unpack(known)
                    for problem in problems:
                        diag.add(problem)
                    self.stats["sessions"] += 1
                    return session
                except (KeyError, TypeError, IndexError, ValueError):
                    self.sessions.drop(key)
            found = Diagnostics()
            session = inner(doc, config, found)
            for problem in found.problems:
                diag.add(problem)
            try:
                self.sessions.put(key, pack((session, found.problems)))
            except (TypeError, ValueError):
                pass  # front matter we cannot keep as plain data is simply parsed next time
            return session
        return parse

    # bodies (link stage)
    def body_key(self, job: Any, ctx_key: str, wiki_key: str) -> str:
        wiki = wiki_key if "[[" in job.text else ""
        return _hash(self.salt, job.digest or _hash(job.text), str(job.first_line), job.display,
                     str(job.own_topic), ctx_key, wiki)

    def body_renderer(self, inner: Callable) -> Callable:
        """A renderer for link_site: cached bodies are taken, the others rendered by `inner`."""
        def render(jobs: BodyJobs, ctx: LinkContext) -> list[Body]:
            ctx_key = _hash(*(repr(getattr(ctx, f.name)) for f in dataclasses.fields(ctx)
                              if f.name != "wiki_targets"))
            wiki_key = _hash(repr(sorted(ctx.wiki_targets.items())))
            keys = [self.body_key(job, ctx_key, wiki_key) for job in jobs]
            self.stats["bodies_total"] += len(keys)
            bodies: list[Body | None] = [self._cached_body(key) for key in keys]
            missing = [i for i, body in enumerate(bodies) if body is None]
            for i, body in zip(missing, inner([jobs[i] for i in missing], ctx)):
                bodies[i] = body
                self._store_body(keys[i], body)
            for key, body in zip(keys, bodies):
                self.body_keys[id(body)] = key
            return bodies  # type: ignore[return-value]
        return render

    def _shard(self, key: str) -> Store:
        return self.bodies[int(key[0], 16) % SHARDS]

    def _cached_body(self, key: str) -> Body | None:
        value = self._shard(key).get(key)
        if value is None:
            return None
        try:
            body = decode(value)
        except (KeyError, TypeError, IndexError, ValueError):
            self._shard(key).drop(key)
            return None
        if not isinstance(body, Body):
            return None
        self.stats["bodies"] += 1
        return body

    def _store_body(self, key: str, body: Body) -> None:
        try:
            self._shard(key).put(key, encode(body))
        except TypeError:
            pass  # a body with data we cannot keep is simply rendered next time

    # pages (render stage)
    def page_key(self, spec: Any, digests: Digests, theme_key: str) -> str:
        producer = f"{spec.producer.__module__}.{spec.producer.__qualname__}" if spec.producer else ""
        return _hash(self.salt, theme_key, spec.url_path, spec.template, producer,
                     *(f"{name}={digests.value(value)}" for name, value in spec.context))

    def kept_page(self, spec: Any, key: str, digests: Digests) -> bool:
        """True when the page's entry holds and its output file is the one this cache wrote."""
        entry = self.pages.get(spec.path)
        if entry is None:
            return False
        try:
            entry_key, reads, combined, stat = entry
            if entry_key != key:
                return False
            read = digests.read
            if _hash(*[read(item) for item in reads.split("\x1e")] if reads else ()) != combined:
                return False
            found = os.stat(os.path.join(self._output, spec.path))
            if (found.st_size, found.st_mtime_ns, found.st_ino) != tuple(stat):
                return False
        except (OSError, TypeError, ValueError):
            return False
        self.stats["pages"] += 1
        return True

    def remember_page(self, path: str, key: str, reads: Iterable[tuple], digests: Digests) -> None:
        ordered = sorted(reads)
        text = "\x1e".join(f"{kind}\x1f{name}" for kind, name in ordered)
        self.page_entries[path] = (key, text, _reads_digest(ordered, digests))

    def finish_pages(self) -> None:
        """After a successful write: note each rendered page's file, so the next build can keep it."""
        for path, (key, reads, combined) in self.page_entries.items():
            try:
                found = os.stat(self.output_dir / path)
            except OSError:
                continue
            self.pages.put(path, (key, reads, combined, (found.st_size, found.st_mtime_ns, found.st_ino)))
        self.page_entries.clear()

    def save(self) -> None:
        for store in (self.front, self.sessions, *self.bodies, self.pages):
            store.save()


def _reads_digest(reads: Sequence[tuple], digests: Digests) -> str:
    """One digest over everything a page read, in a fixed order."""
    return _hash(*(digests.dep(dep) for dep in reads))


def cached_pages(site: Any, theme: Any, cache: BuildCache, render_pages: Callable) -> Iterator[Any]:
    """The outputs of plan_pages, kept pages as copies of themselves, the rest rendered.

    `render_pages(specs, record)` renders a list of specs (perhaps in other processes) and
    yields (Output, reads) pairs in order.
    """
    from kaffee_site.pipeline.render import Output, plan_pages

    digests = Digests(site, cache.body_keys)
    key_of_theme = theme.digest()  # every file as resolved: any template edit renders every page anew
    specs = plan_pages(site)
    keys = [cache.page_key(spec, digests, key_of_theme) for spec in specs]
    cache.stats["pages_total"] += len(specs)
    kept = {spec.path for spec, key in zip(specs, keys) if cache.kept_page(spec, key, digests)}
    cache.kept = kept
    todo = [(spec, key) for spec, key in zip(specs, keys) if spec.path not in kept]
    rendered = render_pages([spec for spec, _ in todo], True)
    pending = iter(zip(todo, rendered))
    for spec in specs:
        if spec.path in kept:
            yield Output(spec.path, source=cache.output_dir / spec.path)
            continue
        (_, key), (output, reads) = next(pending)
        cache.remember_page(spec.path, key, reads, digests)
        yield output
