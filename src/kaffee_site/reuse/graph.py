"""The dependency graph: for every output, what it read while it rendered.

Nothing is declared. While a page renders, the Site it sees is a RecordingSite that notes
every record and Site attribute the page reads; its template counts with every template it
extends, includes or imports (theme.template_digest). Each output's entry holds its key (URL, template, its own record),
those reads, one digest over what they were, and the stat of the file written. On the next
run, whether `build`, `check` or a warm `serve`, an output is kept without rendering when
its key is the same, the digest of its reads in the new Site is the same, and the file in
the output folder is still the one written; everything else is rendered again. A change in
any theme, to anything any template shows, reaches exactly the outputs that read it.

Digests are computed once per record and run (Digests memoises them by identity).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

from kaffee_site.model import Page, Session, Site, Topic
from kaffee_site.pipeline.markdown import Body
from kaffee_site.reuse.store import _PLAIN, Store, _field_names


def digest_text(*parts: str) -> str:
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=20).hexdigest()


# Records that hold rendered bodies: digested field by field, a body standing in by its key.
# Any other value is digested by its repr, which is complete for the model's plain records.
_WITH_BODIES = frozenset({Session, Topic, Page, Site})


class Digests:
    """Stable digests of one Site's records and of the templates; a body stands in by its key."""

    def __init__(self, site: Any, body_keys: dict[int, str], theme: Any = None):
        self.site, self.body_keys, self.theme = site, body_keys, theme
        self._memo: dict[int, tuple[Any, str]] = {}
        self._deps: dict[tuple, str] = {}
        self._items: dict[str, str] = {}

    def value(self, value: Any) -> str:
        kind = type(value)
        if kind in _PLAIN:
            return repr(value)
        if kind is Body:
            key = self.body_keys.get(id(value))
            return "body:" + (key if key is not None else digest_text(repr(value)))
        if kind in _WITH_BODIES or (kind is tuple and value and type(value[0]) in _WITH_BODIES):
            memo = self._memo.get(id(value))
            if memo is None:  # the value is kept with its digest, so its id cannot be reused
                memo = (value, self._record(value) if kind is not tuple
                        else digest_text("tuple", *(self.value(v) for v in value)))
                self._memo[id(value)] = memo
            return memo[1]
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
        return digest_text(type(record).__qualname__, repr(tuple(plain)), *parts)

    def read(self, item: str) -> str:
        """dep() of a read as stored in an entry ('kind\\x1fname')."""
        found = self._items.get(item)
        if found is None:
            found = self._items[item] = self.dep(tuple(item.split("\x1f", 1)))
        return found

    def dep(self, dep: tuple) -> str:
        """Digest of one read: ('session', slug) etc., ('attr', name) of the Site, ('template', name)."""
        found = self._deps.get(dep)
        if found is None:
            kind, name = dep
            if kind == "count":
                found = str(len(getattr(self.site, name)))
            elif kind == "template":
                found = self.theme.template_digest(name) if self.theme is not None else "missing"
            elif kind == "attr":
                value = getattr(self.site, name, None)
                found = self.value(self.site) if callable(value) else self.value(value)
            else:
                try:
                    found = self.value(getattr(self.site, kind)(name))
                except (KeyError, AttributeError):
                    found = "missing"
            self._deps[dep] = found
        return found


class _RecordedSequence:
    """A tuple of the Site (sessions, topics, ...) as a page sees it: asking only for its length
    (`| length`, `if site.upcoming`) records the count, anything else the whole tuple. So a topic
    page that shows how many sessions there are is not rendered again when a report's text changes."""

    __slots__ = ("_items", "_name", "_reads")

    def __init__(self, items: tuple, name: str, reads: set):
        self._items, self._name, self._reads = items, name, reads

    def _whole(self) -> tuple:
        self._reads.add(("attr", self._name))
        return self._items

    def __len__(self) -> int:
        self._reads.add(("count", self._name))
        return len(self._items)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Any:
        return iter(self._whole())

    def __reversed__(self) -> Any:
        return reversed(self._whole())

    def __getitem__(self, index: Any) -> Any:
        return self._whole()[index]

    def __contains__(self, item: Any) -> bool:
        return item in self._whole()

    def __eq__(self, other: Any) -> bool:
        return self._whole() == (other._whole() if isinstance(other, _RecordedSequence) else other)

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Any) -> tuple:
        return self._whole() + tuple(other)


class RecordingSite:
    """Stands in for the Site while one output renders and notes every record it reads."""

    _LOOKUPS = frozenset({"session", "topic", "person", "organisation"})

    def __init__(self, site: Any, reads: set | None = None):
        self._site = site
        self.reads: set[tuple] = reads if reads is not None else set()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._site, name)
        if name in self._LOOKUPS:
            reads = self.reads

            def lookup(slug: str, _get=value, _kind=name) -> Any:
                reads.add((_kind, slug))
                return _get(slug)
            return lookup
        if type(value) is tuple:
            return _RecordedSequence(value, name, self.reads)
        self.reads.add(("attr", name))
        return value

    def __dir__(self) -> list[str]:
        return dir(self._site)  # what a template error suggests for a misspelt 'site.…'


def render_recorded(render: Any, site: Any, theme: Any, spec: Any) -> tuple[Any, frozenset]:
    """render(site, theme, spec) against a RecordingSite; the template read is the page's own."""
    reads: set[tuple] = {("template", spec.template)} if spec.template and spec.producer is None else set()
    output = render(RecordingSite(site, reads), theme, spec)
    return output, frozenset(reads)


class Graph:
    """The entries of one output folder: output path -> (key, reads, digest of reads, file stat)."""

    def __init__(self, store: Store, output_dir: Path):
        self.store = store
        self.output_dir = output_dir
        self._output = str(output_dir)
        self.rendered: dict[str, tuple[str, str, str]] = {}  # this run's entries, until finish()

    def key(self, salt: str, spec: Any, digests: Digests) -> str:
        producer = f"{spec.producer.__module__}.{spec.producer.__qualname__}" if spec.producer else ""
        return digest_text(salt, spec.url_path, spec.template, producer,
                           *(f"{name}={digests.value(value)}" for name, value in spec.context))

    def holds(self, path: str, key: str, digests: Digests) -> bool:
        """True when the entry holds: same key, same reads, and the file is the one written."""
        entry = self.store.get(path)
        if entry is None:
            return False
        try:
            entry_key, reads, combined, stat = entry
            if entry_key != key:
                return False
            read = digests.read
            if digest_text(*[read(item) for item in reads.split("\x1e")] if reads else ()) != combined:
                return False
            found = os.stat(os.path.join(self._output, path))
            if (found.st_size, found.st_mtime_ns, found.st_ino) != tuple(stat):
                return False
        except (OSError, TypeError, ValueError):
            return False
        return True

    def remember(self, path: str, key: str, reads: Iterable[tuple], digests: Digests) -> None:
        ordered = sorted(reads)
        text = "\x1e".join(f"{kind}\x1f{name}" for kind, name in ordered)
        self.rendered[path] = (key, text, _reads_digest(ordered, digests))

    def forget(self, paths: Iterable[str]) -> None:
        for path in paths:
            self.store.drop(path)

    def finish(self) -> None:
        """After a successful write: note each rendered output's file, so the next run can keep it."""
        for path, (key, reads, combined) in self.rendered.items():
            try:
                found = os.stat(self.output_dir / path)
            except OSError:
                continue
            self.store.put(path, (key, reads, combined, (found.st_size, found.st_mtime_ns, found.st_ino)))
        self.rendered.clear()


def _reads_digest(reads: Sequence[tuple], digests: Digests) -> str:
    """One digest over everything an output read, in a fixed order."""
    return digest_text(*(digests.dep(dep) for dep in reads))
