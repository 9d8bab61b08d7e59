"""What one output reads while it renders: the Site it sees records every read.

While a page renders, the Site it sees is a RecordingSite that notes every record and Site
attribute the page reads: a record by the group of fields read (its body, its links to other
records, its dates, the rest: _GROUPS), a list of records by the order of its slugs, so a page
listing titles is kept when a body changes. reuse/graph.py keeps these reads per output and
digests what they were (Digests).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from kaffee_site.model import Organisation, Page, Person, Session, Topic


# What a page reads of a record, in groups, so a page that lists a session's title is not
# rendered again when only its body changed: 'body' (the rendered text), 'links' (what the
# link stage computes from other records: neighbours, related sessions, a topic's sessions),
# 'when' (a session's date and times: years, timelines, calendars), 'source' (a session's file in
# the repository: last changed, edit link; only its own page shows them) and 'card' (everything
# else, with a session's teaser, which comes from the body's first paragraph when there is no summary).
# A field not named here is 'card'; a property is read as the groups it is computed from; any
# other name as every group.
_GROUPS: dict[type, dict[str, tuple[str, ...]]] = {
    Session: {"body": ("body",), "previous": ("links",), "following": ("links",), "related": ("links",),
              "date": ("when",), "time": ("when",), "end": ("when",), "teaser": ("card",),
              "url_path": ("card",), "announcement": ("card", "links"), "changed": ("source",),
              "edit_url": ("source",)},
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
KEYED = {"sessions": "session", "topics": "topic", "people": "person", "organisations": "organisation",
          "pages": "page"}
_DERIVED_CARD = {Session: ("teaser",)}  # properties whose value the 'card' digest includes


@functools.lru_cache(maxsize=None)
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


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
GROUPS = ("body", "card", "links", "when", "source")
_ALL_GROUPS = GROUPS


def group_fields(kind: type, group: str) -> tuple[str, ...]:
    """The fields (and, for 'card', the derived properties) one group's digest covers."""
    named = _GROUPS[kind]
    fields = tuple(name for name in _field_names(kind) if group in named.get(name, ("card",)))
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
        self._keyed = name in KEYED

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
        if name == "image":  # a picture by its media path, each read on its own (graph.py digests
            reads = self.reads  # the value site.image(src) gives), so a new photo re-renders only its pages

            def image(src: str, _get=value) -> Any:
                reads.add(("image", src))
                return _get(src)
            return image
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
