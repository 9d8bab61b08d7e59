"""The one graph of reads: for every output, what it read while it rendered.

Nothing is declared. While a page renders it sees a RecordingSite (render/recording.py) that
notes every record, group of a record's fields and Site attribute it reads; its template counts
with every template it extends, includes or imports (theme.template_digest). On the next run an
output is kept without rendering when its key (URL, template, its own record) is the same and
nothing it read changed; everything else is rendered again. A change in any theme, to anything
any template shows, reaches exactly the outputs that read it.

Every read is named once in a table of items ('session.body\\x1fslug', numbered by position)
with its digest in the last good run; an output's entry holds its key, the numbers of the items
it read (packed), the digest of the bytes it was rendered to and the Stat of the file written.
So a run digests each item once (`begin`), and an entry holds when its key is the same and none
of its items changed: the engine then links the file in place (its Stat unchanged) or the
cache's file of those bytes (reuse/blobs.py). A run that fails changes nothing stored.

Digests are taken by content: a record by its fields (a body by its bytes), once per record,
group and run; a warm engine hands the last run's on (`kept`), used again for the very same
record objects.
"""

from __future__ import annotations

from array import array
from pathlib import Path
from typing import Any, Iterable

from kaffee_site.digest import Stat, digest
from kaffee_site.markdown.body import Body
from kaffee_site.model import Organisation, Page, Person, Session, Site, Topic
from kaffee_site.render.recording import GROUPS, KEYED, group_fields
from kaffee_site.reuse.store import field_names, read_store, write_store

_PLAIN = frozenset({str, int, float, bool, type(None)})
_GROUPED = frozenset({Session, Topic, Page, Person, Organisation})  # records digested by groups of fields
_BODY_REST = tuple(name for name in field_names(Body) if name != "utf8")
_NUMBERS = "I"  # array typecode of the item numbers an entry read


class Digests:
    """Stable digests of one Site's records and of the templates, by content."""

    def __init__(self, site: Any, theme: Any = None, kept: dict | None = None):
        """`kept`: the groups a warm engine's last run digested (`groups`), used again for the
        very same records."""
        self.site, self.theme = site, theme
        self.groups: dict[tuple[str, str, str], tuple[Any, str]] = {}  # (type, slug, group) -> (record, digest)
        self._kept = kept or {}
        self._items: dict[str, str] = {}
        self._site: str | None = None
        self._by_slug: dict[str, dict[str, Any]] | None = None

    def value(self, value: Any) -> str:
        kind = type(value)
        if kind in _PLAIN:
            return repr(value)
        if kind is Body:
            return digest("body", value.utf8, repr(tuple(getattr(value, name) for name in _BODY_REST)))
        if kind in _GROUPED:
            return digest(kind.__qualname__, *(self._group(value, group) for group in GROUPS))
        if kind is tuple and value and type(value[0]) in _GROUPED:
            return digest("tuple", *(self.value(v) for v in value))
        if kind is Site:
            if self._site is None or value is not self.site:
                self._site = digest("site", *(f"{name}={self.value(getattr(value, name))}"
                                              for name in field_names(Site)))
            return self._site
        return repr(value)

    def _group(self, record: Any, group: str) -> str:
        kind = type(record)
        key = (kind.__qualname__, record.slug, group)
        memo = self.groups.get(key) or self._kept.get(key)
        if memo is None or memo[0] is not record:
            parts = [f"{name}={self.value(getattr(record, name))}" for name in group_fields(kind, group)]
            memo = (record, digest(kind.__qualname__, group, *parts))
        self.groups[key] = memo
        return memo[1]

    def _record_of(self, kind: str, slug: str) -> Any:
        """The record of a kind by slug in this Site, or None."""
        if self._by_slug is None:
            self._by_slug = {kind: {record.slug: record for record in getattr(self.site, name)}
                             for name, kind in KEYED.items()}
        return self._by_slug[kind].get(slug)

    def read(self, item: str) -> str:
        """The digest of one read as named in the table ('kind\\x1fname'): ('session.card', slug),
        ('order', 'sessions'), ('attr', name) of the Site, ('template', name), ..."""
        found = self._items.get(item)
        if found is None:
            kind, name = item.split("\x1f", 1)
            found = self._items[item] = self._read(kind, name)
        return found

    def _read(self, kind: str, name: str) -> str:
        if kind == "count":
            return str(len(getattr(self.site, name)))
        if kind == "template":
            return self.theme.template_digest(name) if self.theme is not None else "missing"
        if kind == "attr":
            value = getattr(self.site, name, None)
            return self.value(self.site) if callable(value) else self.value(value)
        if kind == "order":
            return digest(*(record.slug for record in getattr(self.site, name)))
        if "." in kind:  # a group of a record's fields ('session.card', slug)
            record_kind, group = kind.split(".", 1)
            record = self._record_of(record_kind, name)
            return "missing" if record is None else self._group(record, group)
        try:  # a record looked up by slug ('session', slug)
            return self.value(getattr(self.site, kind)(name))
        except (KeyError, AttributeError):
            return "missing"


_VALUE = "graph"  # the one entry of the graph's store


class Graph:
    """What every output of the archive read, and what those reads were in the last good run."""

    def __init__(self, path: Path | None, salt: str = ""):
        self.path, self.salt = path, salt
        stored = read_store(path, salt) if path is not None else None
        items, digests, entries = _loaded(stored.get(_VALUE) if stored else None)
        self.items, self.digests, self.entries = items, digests, entries
        self.numbers = {item: number for number, item in enumerate(items)}
        self.current: list[str] = list(digests)  # this run's digest of every item
        self.changed: set[int] = set()  # numbers of the items whose digest changed since the last good run
        self.made: dict[str, tuple] = {}  # this run's entries, until finish()
        self._digests: Digests | None = None
        self.dirty = False

    def begin(self, digests: Digests) -> None:
        """A new run over the Site `digests` describes: which items changed since the last good run."""
        read = digests.read
        self.current = [read(item) for item in self.items]
        self.changed = {n for n, (old, new) in enumerate(zip(self.digests, self.current)) if old != new}
        self.made = {}
        self._digests = digests

    def key(self, spec: Any, digests: Digests) -> str:
        """What an output is made from besides its reads: its URL, template or producer, own records."""
        producer = f"{spec.producer.__module__}.{spec.producer.__qualname__}" if spec.producer else ""
        return digest(self.salt, spec.url_path, spec.template, producer,
                      *(f"{name}={digests.value(value)}" for name, value in spec.context))

    def holds(self, path: str, key: str) -> tuple[str, Stat] | None:
        """(digest of the bytes, Stat of the file written) of the output at `path` when it needs
        no new render: the same key and none of its reads changed."""
        entry = self.entries.get(path)
        if entry is None:
            return None
        try:
            entry_key, numbers, found, stat = entry
            if entry_key != key or (self.changed and not self.changed.isdisjoint(array(_NUMBERS, numbers))):
                return None
            return str(found), tuple(stat)  # type: ignore[return-value]
        except (TypeError, ValueError):
            return None

    def kept(self, path: str, stat: Stat) -> None:
        """The output at `path` was kept; `stat` is the file's now."""
        entry = self.entries[path]
        self.made[path] = (entry[0], entry[1], entry[2], stat)

    def remember(self, path: str, key: str, reads: Iterable[tuple], found: str, stat: Stat | None) -> None:
        """The output at `path` was rendered with `key`, read `reads`, came out as bytes of digest
        `found` and was placed as a file with `stat`."""
        numbers = array(_NUMBERS, sorted(self._number(f"{kind}\x1f{name}") for kind, name in reads))
        self.made[path] = (key, numbers.tobytes(), found, stat)

    def _number(self, item: str) -> int:
        number = self.numbers.get(item)
        if number is None:  # read for the first time: its digest in this run is what it was rendered with
            number = self.numbers[item] = len(self.items)
            self.items.append(item)
            self.digests.append("")
            self.current.append(self._digests.read(item))  # type: ignore[union-attr]
        return number

    def finish(self) -> None:
        """After a successful write: the entries of the outputs this run made, nothing else."""
        if self.made == self.entries and not self.changed:
            return  # the stored graph stands as it is
        self.entries, self.digests, self.made = self.made, self.current, {}
        self.changed = set()
        if len(self.items) > 2 * 1000 and len(self.items) > 2 * len(self._used_numbers()):
            self._compact()
        self.dirty = True

    def save(self) -> list[str]:
        """Write the graph if it changed; why it could not be (none: saved)."""
        if not self.dirty or self.path is None:
            return []
        failure = write_store(self.path, self.salt, {_VALUE: (tuple(self.items), tuple(self.digests), self.entries)})
        self.dirty = failure is not None
        return [failure] if failure else []

    def _used_numbers(self) -> set[int]:
        used: set[int] = set()
        for _, numbers, _, _ in self.entries.values():
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
        self.entries = {path: (key, array(_NUMBERS, [renumber[n] for n in array(_NUMBERS, numbers)]).tobytes(),
                               found, stat)
                        for path, (key, numbers, found, stat) in self.entries.items()}


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
