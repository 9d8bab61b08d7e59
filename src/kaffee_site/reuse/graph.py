"""The dependency graph: for every output, what it read while it rendered.

Nothing is declared. While a page renders it sees a RecordingSite (recording.py) that notes
every record, group of a record's fields and Site attribute it reads; its template counts with
every template it extends, includes or imports (theme.template_digest). On the next run,
whether `build`, `check` or a warm `serve`, an output is kept without rendering when its key
(URL, template, its own record) is the same, nothing it read changed, and the file in the
output folder is still the one written; everything else is rendered again. A change in any
theme, to anything any template shows, reaches exactly the outputs that read it.

Digests are computed once per record and run (Digests memoises them by identity), and once per
item read, however many outputs read it (Graph.begin).
"""

from __future__ import annotations

import hashlib
import os
from array import array
from pathlib import Path
from typing import Any, Iterable

from kaffee_site.model import Organisation, Page, Person, Session, Site, Topic
from kaffee_site.markdown.body import Body
from kaffee_site.reuse.recording import KEYED, group_fields
from kaffee_site.reuse.store import _PLAIN, Store, _field_names


def digest_text(*parts: str) -> str:
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=20).hexdigest()


# Records that hold rendered bodies: digested field by field, a body standing in by its key.
# Any other value is digested by its repr, which is complete for the model's plain records.
_WITH_BODIES = frozenset({Session, Topic, Page, Person, Organisation, Site})


class Digests:
    """Stable digests of one Site's records and of the templates; a body stands in by its key."""

    def __init__(self, site: Any, body_keys: dict[int, str], theme: Any = None,
                 kept: tuple[dict, dict] = ({}, {})):
        """`kept`: memo() of the run before (a warm engine), whose records that are still the
        same objects need not be digested again."""
        self.site, self.body_keys, self.theme = site, body_keys, theme
        self._memo: dict[int, tuple[Any, str]] = {}
        self._groups: dict[tuple[int, str], tuple[Any, str]] = {}
        self._kept_memo, self._kept_groups = kept
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
            if memo is None:
                memo = self._kept_memo.get(id(value))
                if memo is not None and memo[0] is value:
                    self._memo[id(value)] = memo
                    return memo[1]
                # the value is kept with its digest, so its id cannot be reused
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
                             for name, kind in KEYED.items()}
        return self._by_slug[kind].get(slug)

    def _group(self, record: Any, group: str) -> str:
        memo = self._groups.get((id(record), group)) or self._kept_groups.get((id(record), group))
        if memo is None or memo[0] is not record:
            kind = type(record)
            parts = [f"{name}={self.value(getattr(record, name))}" for name in group_fields(kind, group)]
            memo = (record, digest_text(kind.__qualname__, group, *parts))
        self._groups[(id(record), group)] = memo
        return memo[1]

    def memo(self) -> tuple[dict, dict]:
        """What this run digested, by identity, for the next run of a warm engine (`kept`)."""
        return self._memo, self._groups

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


_VALUE = "graph"  # the one entry of the graph's store
_NUMBERS = "I"  # array typecode of the item numbers an entry read


class Graph:
    """What every output of one folder read, and what those reads were in the last good run.

    The store holds one value, (items, digests, entries): `items` are the reads any output made
    ('session.body\x1fslug', numbered by position), `digests` what each was in the last
    successful run, and `entries` map an output path to its key, the numbers of the items it
    read (packed, so 35,000 entries load as one small file) and the stat of the file written.
    After every successful run each entry was rendered against exactly those digests: an output
    that read a changed item was rendered again. So a run digests each item once (begin), and
    an output is kept when its key is the same, none of its items changed and its file is the
    one written; nothing is digested per output. A run that fails changes nothing stored."""

    def __init__(self, store: Store, output_dir: Path):
        self.store = store
        self.output_dir = output_dir
        self._output = str(output_dir)
        items, digests, entries = _loaded(store.get(_VALUE))
        self.items, self.digests, self.entries = items, digests, entries
        self.numbers = {item: number for number, item in enumerate(items)}
        self.current: list[str] = list(digests)  # this run's digest of every item
        self.changed: set[int] = set()  # numbers of the items whose digest changed since the last good run
        self.kept: set[str] = set()
        self.rendered: dict[str, tuple[str, bytes]] = {}  # this run's entries, until finish()
        self._keys: dict[str, tuple] = {}  # output path -> (plan, context, key) of the run before
        self._next_keys: dict[str, tuple] = {}

    def begin(self, digests: Digests) -> None:
        """A new run over the Site `digests` describes: which items changed since the last good run."""
        read = digests.read
        self.current = [read(item) for item in self.items]
        self.changed = {n for n, (old, new) in enumerate(zip(self.digests, self.current)) if old != new}
        self.kept, self.rendered = set(), {}
        self._digests = digests
        if self._next_keys:
            self._keys, self._next_keys = self._next_keys, {}

    def key(self, salt: str, spec: Any, digests: Digests) -> str:
        producer = f"{spec.producer.__module__}.{spec.producer.__qualname__}" if spec.producer else ""
        # the same plan with the very same records as the run before (a warm engine): the same key
        plan = (spec.url_path, spec.template, producer,
                tuple((name, value, type(value)) if type(value) in _PLAIN else (name, id(value))
                      for name, value in spec.context))
        known = self._keys.get(spec.path)
        if known is None or known[0] != plan:
            known = (plan, spec.context, digest_text(salt, spec.url_path, spec.template, producer,
                                                     *(f"{name}={digests.value(value)}" for name, value in spec.context)))
        self._next_keys[spec.path] = known  # with the context, so the ids in the plan stay taken
        return known[2]

    def holds(self, path: str, key: str) -> bool:
        """True when the entry holds: same key, none of its reads changed, the file is the one written."""
        entry = self.entries.get(path)
        if entry is None:
            return False
        try:
            entry_key, numbers, stat = entry
            if entry_key != key or (self.changed and not self.changed.isdisjoint(array(_NUMBERS, numbers))):
                return False
            found = os.stat(os.path.join(self._output, path))
            if (found.st_size, found.st_mtime_ns, found.st_ino) != tuple(stat):
                return False
        except (OSError, TypeError, ValueError):
            return False
        self.kept.add(path)
        return True

    def remember(self, path: str, key: str, reads: Iterable[tuple]) -> None:
        numbers = array(_NUMBERS, sorted(self._number(f"{kind}\x1f{name}") for kind, name in reads))
        self.rendered[path] = (key, numbers.tobytes())

    def _number(self, item: str) -> int:
        number = self.numbers.get(item)
        if number is None:  # read for the first time: its digest in this run is what it was rendered with
            number = self.numbers[item] = len(self.items)
            self.items.append(item)
            self.digests.append("")
            self.current.append(self._digests.read(item))
        return number

    def finish(self) -> None:
        """After a successful write: note each rendered output's file, so the next run can keep it,
        and forget the outputs this run did not make."""
        if not self.rendered and len(self.kept) == len(self.entries) and not self.changed:
            return  # nothing to note: the stored graph stands as it is
        entries = {path: self.entries[path] for path in self.kept}
        for path, (key, numbers) in self.rendered.items():
            try:
                found = os.stat(os.path.join(self._output, path))
            except OSError:
                continue
            entries[path] = (key, numbers, (found.st_size, found.st_mtime_ns, found.st_ino))
        self.entries, self.digests, self.rendered = entries, self.current, {}
        self.changed = set()
        if len(self.items) > 2 * 1000 and len(self.items) > 2 * len(self._used_numbers()):
            self._compact()
        self.store.put(_VALUE, (tuple(self.items), tuple(self.digests), self.entries))

    def _used_numbers(self) -> set[int]:
        used: set[int] = set()
        for _, numbers, _ in self.entries.values():
            used.update(array(_NUMBERS, numbers))
        return used

    def _compact(self) -> None:
        """Number only the items some output still reads (after many were deleted or renamed)."""
        used = sorted(self._used_numbers())
        renumber = {old: new for new, old in enumerate(used)}
        self.items = [self.items[n] for n in used]
        self.digests = [self.digests[n] for n in used]
        self.current = list(self.digests)
        self.numbers = {item: number for number, item in enumerate(self.items)}
        self.entries = {path: (key, array(_NUMBERS, [renumber[n] for n in array(_NUMBERS, numbers)]).tobytes(), stat)
                        for path, (key, numbers, stat) in self.entries.items()}


def _loaded(value: Any) -> tuple[list[str], list[str], dict[str, tuple]]:
    """The stored graph, or an empty one when there is none or it is not what this version writes."""
    try:
        items, digests, entries = value
        if isinstance(items, tuple) and isinstance(digests, tuple) and isinstance(entries, dict) \
                and len(items) == len(digests) and array(_NUMBERS).itemsize == 4:
            return list(items), list(digests), entries
    except (TypeError, ValueError):
        pass
    return [], [], {}
