"""People and organisations (part of the link stage): which record a speaker's name means.

Records come from `people/*.md` and `organisations/*.md` (name, aliases, description, link;
a role for people) or, without a file, from the names sessions use. Names match like topic
names: ignoring case, spacing and umlaut spelling, and through a record's aliases.

Names that are only close stay apart, with a warning that suggests the other name: one typo
apart ('Franziska Strader' / 'Franziska Stader'), or the same but for a legal form ('Prognos' /
'Prognos AG'), a 'Kreis'/'Landkreis' or a title ('Dr.'). A typo must neither merge two people
silently nor give one person two pages.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

from kaffee_site.errors import Diagnostics
from kaffee_site.model import Organisation, Person, Session, Topic
from kaffee_site.content.load import SourceDoc
from kaffee_site.link.registry import claim_names
from kaffee_site.text import edit_distance, fold, slugify, transliterate

# Endings that name a legal form, not the organisation ('e.V.' is read as the words 'e', 'v')
_LEGAL_FORMS = frozenset({"ag", "gmbh", "ggmbh", "mbh", "ev", "kg", "ohg", "se", "ug", "eg", "aor",
                          "gbr", "kgaa", "co", "inc", "ltd", "llc"})
_ORG_PREFIXES = frozenset({"kreis", "landkreis", "lk"})
_TITLES = frozenset({"dr", "prof", "herr", "frau"})
_WORD = re.compile(r"[a-z0-9]+")
_SHORTEST_FOR_TYPOS = 6  # shorter names one letter apart are usually different names ('Ulm', 'Ulf')


@dataclass(frozen=True)
class Use:
    """One place a session names a person or organisation."""

    written: str
    source: str
    line: int | None


@dataclass
class NameRegistry:
    """The names of one kind of record ('person' or 'organisation') and where they are used."""

    kind: str
    folder: str  # 'people' or 'organisations', for hints
    records: dict[str, object] = field(default_factory=dict)  # slug -> Person/Organisation from a file
    names: dict[str, str] = field(default_factory=dict)  # folded name -> slug
    display: dict[str, str] = field(default_factory=dict)  # slug -> name shown on its page
    uses: dict[str, list[Use]] = field(default_factory=dict)  # slug -> where sessions name it
    _file_names: dict[str, str] = field(default_factory=dict)  # folded name -> name as the file writes it

    @classmethod
    def from_files(cls, kind: str, folder: str, records: Sequence, diag: Diagnostics) -> "NameRegistry":
        registry = cls(kind, folder)
        for record in records:
            if record.slug in registry.records:
                other = registry.records[record.slug]
                diag.error(record.source, 1, f"the {kind} slug '{record.slug}' is already used by {other.source}",
                           "give one of the files another name or 'slug:'")
                continue
            registry.records[record.slug] = record
            registry.display[record.slug] = record.name
            claim_names(record.slug, record.name, record.aliases, record.source, registry.names,
                        registry._file_names, registry.display.__getitem__,
                        "people" if kind == "person" else "organisations", diag)
        return registry

    def resolve(self, name: str, source: str, line: int | None, diag: Diagnostics) -> str:
        """Slug of the record `name` means; a new name becomes a record without a file."""
        key = fold(name)
        slug = self.names.get(key)
        if slug is None:
            slug = slugify(name)  # 'Anna-Lena Roth' and 'Anna Lena Roth' share a slug: one person
            self.names[key] = slug
            self.display.setdefault(slug, " ".join(name.split()))
        known = self._file_names.get(key)
        if known is not None and " ".join(name.split()) != known:
            diag.warning(source, line, f"the {self.kind} '{name}' is written differently from '{known}'",
                         f"did you mean '{known}'?")
        self.uses.setdefault(slug, []).append(Use(name, source, line))
        return slug

    def warn_close_names(self, diag: Diagnostics) -> None:
        """Warn wherever a name is close to another one but means a different record."""
        for suspect, other in self._close_pairs():
            if other in self.records:
                hint = (f"did you mean '{self.display[other]}'? If it is another name for the same "
                        f"{self.kind}, add it to the aliases in {self.records[other].source}")
            else:
                hint = (f"did you mean '{self.display[other]}'? If they are different, give each a file "
                        f"in {self.folder}/")
            for use in self.uses.get(suspect, ()):
                diag.warning(use.source, use.line,
                             f"the {self.kind} '{use.written}' is close to the {self.kind} '{self.display[other]}'",
                             hint)

    def _close_pairs(self) -> list[tuple[str, str]]:
        """(suspect, likely meant) for each pair of close names; on a tie each one is suspect."""
        keys = {slug: self._key(name) for slug, name in sorted(self.display.items())}
        pairs = []
        for a, b in _close(keys):
            a_file, b_file = a in self.records, b in self.records
            if a_file and b_file:
                continue  # two files: the editor made them apart on purpose
            if a_file or b_file:
                pairs.append((b, a) if a_file else (a, b))
                continue
            a_uses, b_uses = len(self.uses.get(a, ())), len(self.uses.get(b, ()))
            if a_uses != b_uses:
                pairs.append((a, b) if a_uses < b_uses else (b, a))
            else:
                pairs += [(a, b), (b, a)]
        return sorted(pairs)

    def _key(self, name: str) -> str:
        words = _WORD.findall(transliterate(name).casefold())
        if self.kind == "organisation":
            while len(words) > 1 and (words[-1] in _LEGAL_FORMS or words[-2:] == ["e", "v"]):
                words = words[:-2] if words[-2:] == ["e", "v"] else words[:-1]
            if len(words) > 1 and words[0] in _ORG_PREFIXES:
                words = words[1:]
        else:
            while len(words) > 1 and words[0] in _TITLES:
                words = words[1:]
        return " ".join(words)


def _close(keys: dict[str, str]) -> list[tuple[str, str]]:
    """Pairs of slugs whose keys are equal or one typo apart.

    Each key is indexed under itself and every form with one letter dropped: two keys one typo
    apart share one of those forms, so only names that share one are compared (no n² scan)."""
    index: dict[str, set[str]] = defaultdict(set)
    for slug, key in keys.items():
        index[key].add(slug)
        if len(key) >= _SHORTEST_FOR_TYPOS:
            for i in range(len(key)):
                index[key[:i] + key[i + 1:]].add(slug)
    pairs: set[tuple[str, str]] = set()
    for slugs in index.values():
        if len(slugs) < 2:
            continue
        ordered = sorted(slugs)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                if keys[a] == keys[b] or edit_distance(keys[a], keys[b], 2) <= 1:
                    pairs.add((a, b))
    return sorted(pairs)


def resolve_speakers(session: Session, doc: SourceDoc, people: NameRegistry, organisations: NameRegistry,
                     diag: Diagnostics) -> Session:
    """The session with each speaker's person and organisation slug taken from the registries."""
    speakers = []
    for index, speaker in enumerate(session.speakers):
        person = people.resolve(speaker.name, session.source, doc.line_of("speakers", index, "name"), diag)
        org = organisations.resolve(speaker.org, session.source, doc.line_of("speakers", index, "org"), diag) \
            if speaker.org else None
        speakers.append(replace(speaker, person=person, organisation=org))
    return replace(session, speakers=tuple(speakers))


def link_people(sessions: Sequence[Session], people: NameRegistry, organisations: NameRegistry,
                topics: dict[str, Topic]) -> tuple[tuple[Person, ...], tuple[Organisation, ...]]:
    """Person and organisation records with their sessions (newest first), links and topics.

    `sessions` are newest first, so the first organisation seen for a person is the latest."""
    person_orgs: dict[str, list[str]] = defaultdict(list)
    person_sessions: dict[str, list[str]] = defaultdict(list)
    org_people: dict[str, list[str]] = defaultdict(list)
    org_sessions: dict[str, list[str]] = defaultdict(list)
    for session in sessions:
        for speaker in session.speakers:
            _append_once(person_sessions[speaker.person], session.slug)
            if speaker.organisation:
                _append_once(person_orgs[speaker.person], speaker.organisation)
                _append_once(org_people[speaker.organisation], speaker.person)
                _append_once(org_sessions[speaker.organisation], session.slug)
    by_slug = {s.slug: s for s in sessions}
    person_list = [
        replace(people.records.get(slug) or Person(slug, people.display[slug], (), ()),
                organisations=tuple(person_orgs[slug]), sessions=tuple(person_sessions[slug]),
                topics=_topics_of(person_sessions[slug], by_slug, topics))
        for slug in sorted(set(people.records) | set(person_sessions))
    ]
    org_list = [
        replace(organisations.records.get(slug) or Organisation(slug, organisations.display[slug], (), ()),
                people=tuple(sorted(org_people[slug])), sessions=tuple(org_sessions[slug]),
                topics=_topics_of(org_sessions[slug], by_slug, topics))
        for slug in sorted(set(organisations.records) | set(org_sessions))
    ]
    return (tuple(sorted(person_list, key=lambda p: (fold(p.name), p.slug))),
            tuple(sorted(org_list, key=lambda o: (fold(o.name), o.slug))))


def _topics_of(slugs: Iterable[str], sessions: dict[str, Session],
               topics: dict[str, Topic]) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = defaultdict(int)
    for slug in slugs:
        for topic in sessions[slug].topics:
            counts[topic] += 1
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], fold(topics[item[0]].title), item[0])))


def _append_once(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)
