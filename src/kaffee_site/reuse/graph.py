"""The dependency graph: for every output, what it read while it rendered.

Nothing is declared. While a page renders, the Site it sees is a RecordingSite that notes
every record and Site attribute the page reads: a record by the group of fields read (its
body, its links to other records, its dates, the rest: _GROUPS), a list of records by the order
of its slugs, so a page listing titles is kept when a body changes; its template counts with every template it
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

from kaffee_site.model import Organisation, Page, Person, Session, Site, Topic
from kaffee_site.pipeline.markdown import Body
from kaffee_site.reuse.store import _PLAIN, Store, _field_names


def digest_text(*parts: str) -> str:
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=20).hexdigest()


# Records that hold rendered bodies: digested field by field, a body standing in by its key.
# Any other value is digested by its repr, which is complete for the model's plain records.
_WITH_BODIES = frozenset({Session, Topic, Page, Person, Organisation, Site})


class Digests:
    """Stable digests of one Site's records and of the templates; a body stands in by its key."""

    def __init__(self, site: Any, body_keys: dict[int, str], theme: Any = None):
        self.site, self.body_keys, self.theme = site, body_keys, theme
        self._memo: dict[int, tuple[Any, str]] = {}
        self._deps: dict[tuple, str] = {}
        self._items: dict[str, str] = {}
        self._by_slug: dict[str, dict[str, Any]] | None = None

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

    def _record_of(self, kind: str, slug: str) -> Any:
        """The record of a kind by slug in this Site, or None."""
        if self._by_slug is None:
            self._by_slug = {kind: {record.slug: record for record in getattr(self.site, name)}
                             for name, kind in _KEYED.items()}
        return self._by_slug[kind].get(slug)

    def _group(self, record: Any, group: str) -> str:
        kind = type(record)
        parts = [f"{name}={self.value(getattr(record, name))}" for name in group_fields(kind, group)]
        return digest_text(kind.__qualname__, group, *parts)

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
            elif kind == "order":
                found = digest_text(*(record.slug for record in getattr(self.site, name)))
            elif "." in kind:  # a group of a record's fields ('session.card', slug)
                record_kind, group = kind.split(".", 1)
                record = self._record_of(record_kind, name)
                found = "missing" if record is None else self._group(record, group)
            else:
                try:
                    found = self.value(getattr(self.site, kind)(name))
                except (KeyError, AttributeError):
                    found = "missing"
            self._deps[dep] = found
        return found


# What a page reads of a record, in groups, so a page that lists a session's title is not
# rendered again when only its body changed: 'body' (the rendered text), 'links' (what the
# link stage computes from other records: neighbours, related sessions, a topic's sessions),
# 'when' (a session's date and times: years, timelines, calendars) and 'card' (everything else,
# with a session's teaser, which comes from the body's first paragraph when there is no summary).
# A field not named here is 'card'; a property is read as the groups it is computed from; any
# other name as every group.
_GROUPS: dict[type, dict[str, tuple[str, ...]]] = {
    Session: {"body": ("body",), "previous": ("links",), "following": ("links",), "related": ("links",),
              "date": ("when",), "time": ("when",), "end": ("when",), "teaser": ("card",),
              "url_path": ("card",), "announcement": ("card", "links")},
    Topic: {"description": ("body",), "carried": ("links",), "mentioned": ("links",), "sentences": ("links",),
            "related": ("links",), "speakers": ("links",), "sessions": ("links",), "url_path": ("card",),
            "names": ("card",)},
    Person: {"body": ("body",), "sessions": ("links",), "organisations": ("links",), "topics": ("links",),
             "url_path": ("card",)},
    Organisation: {"body": ("body",), "people": ("links",), "sessions": ("links",), "topics": ("links",),
                   "url_path": ("card",)},
    Page: {"body": ("body",), "url_path": ("card",)},
}
_KINDS = {Session: "session", Topic: "topic", Person: "person", Organisation: "organisation", Page: "page"}
# the Site's tuples of records, and the kind of record each holds
_KEYED = {"sessions": "session", "topics": "topic", "people": "person", "organisations": "organisation",
          "pages": "page"}
_DERIVED_CARD = {Session: ("teaser",)}  # properties whose value the 'card' digest includes


def _field_groups(kind: type) -> dict[str, tuple[str, ...]]:
    """Every field and known property of a record type -> the groups reading it records."""
    found = _FIELD_GROUPS.get(kind)
    if found is None:
        named = _GROUPS[kind]
        found = {name: named.get(name, ("card",)) for name in _field_names(kind)}
        found.update(named)
        _FIELD_GROUPS[kind] = found
    return found


_FIELD_GROUPS: dict[type, dict[str, tuple[str, ...]]] = {}
_ALL_GROUPS = ("body", "card", "links", "when")


def group_fields(kind: type, group: str) -> tuple[str, ...]:
    """The fields (and, for 'card', the derived properties) one group's digest covers."""
    named = _GROUPS[kind]
    fields = tuple(name for name in _field_names(kind) if named.get(name, ("card",)) == (group,))
    return fields + (_DERIVED_CARD.get(kind, ()) if group == "card" else ())


class _RecordedRecord:
    """A record as one page sees it: each attribute read notes the group it belongs to."""

    __slots__ = ("_record", "_kind", "_slug", "_reads", "_groups")

    def __init__(self, record: Any, reads: set):
        kind = type(record)
        self._record, self._kind, self._slug = record, _KINDS[kind], record.slug
        self._reads, self._groups = reads, _field_groups(kind)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._record, name)
        for group in self._groups.get(name, _ALL_GROUPS):
            self._reads.add((f"{self._kind}.{group}", self._slug))
        return value

    def __eq__(self, other: Any) -> bool:
        return self._record == (other._record if isinstance(other, _RecordedRecord) else other)

    def __hash__(self) -> int:
        return hash(self._record)

    def __dir__(self) -> list[str]:
        return dir(self._record)  # what a template error suggests for a misspelt attribute


def _recorded(value: Any, reads: set) -> Any:
    return _RecordedRecord(value, reads) if type(value) in _KINDS else value


class _RecordedSequence:
    """A tuple of the Site (sessions, topics, ...) as a page sees it: asking only for its length
    (`| length`, `if site.upcoming`) records the count; going through it records which records
    stand in it in which order, and each record what is read of it (see _RecordedRecord). A
    tuple of other values (announcements, media) is recorded whole when it is gone through. So
    a topic page that shows how many sessions there are is not rendered again when a report's
    text changes, nor the archive page that lists every title."""

    __slots__ = ("_items", "_name", "_reads", "_keyed")

    def __init__(self, items: tuple, name: str, reads: set):
        self._items, self._name, self._reads = items, name, reads
        self._keyed = name in _KEYED

    def _whole(self) -> tuple:
        if self._keyed:
            self._reads.add(("order", self._name))
            reads = self._reads
            return tuple(_RecordedRecord(item, reads) for item in self._items)
        self._reads.add(("attr", self._name))
        return self._items

    def __len__(self) -> int:
        self._reads.add(("count", self._name))
        return len(self._items)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Any:
        if not self._keyed:
            return iter(self._whole())
        self._reads.add(("order", self._name))
        reads = self._reads
        return (_RecordedRecord(item, reads) for item in self._items)

    def __reversed__(self) -> Any:
        return reversed(self._whole())

    def __getitem__(self, index: Any) -> Any:
        if not self._keyed:
            return self._whole()[index]
        self._reads.add(("order", self._name))
        found = self._items[index]
        if isinstance(index, slice):
            return tuple(_RecordedRecord(item, self._reads) for item in found)
        return _RecordedRecord(found, self._reads)

    def __contains__(self, item: Any) -> bool:
        self._reads.add(("attr", self._name))
        return item in self._items

    def __eq__(self, other: Any) -> bool:
        self._reads.add(("attr", self._name))
        return self._items == (other._items if isinstance(other, _RecordedSequence) else other)

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
                try:
                    return _RecordedRecord(_get(slug), reads)
                except KeyError:
                    reads.add((_kind, slug))  # not there: the page changes when it comes
                    raise
            return lookup
        if type(value) is tuple:
            return _RecordedSequence(value, name, self.reads)
        method = getattr(type(self._site), name, None)
        if callable(method) and not isinstance(method, type):  # a method of the Site, run over this
            return method.__get__(self)  # recording view, so it records what it reads itself
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
