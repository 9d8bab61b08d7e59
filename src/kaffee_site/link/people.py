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
from kaffee_site.link.relations import PAIRED_TOPICS
from kaffee_site.text import NearNames, fold, slugify, transliterate

# Endings that name a legal form, not the organisation ('e.V.' is read as the words 'e', 'v')
_LEGAL_FORMS = frozenset({"ag", "gmbh", "ggmbh", "mbh", "ev", "kg", "ohg", "se", "ug", "eg", "aor",
                          "gbr", "kgaa", "co", "inc", "ltd", "llc"})
_ORG_PREFIXES = frozenset({"kreis", "landkreis", "lk"})
_TITLES = frozenset({"dr", "prof", "herr", "frau"})
_WORD = re.compile(r"[a-z0-9]+")
_SHORTEST_FOR_TYPOS = 6  # shorter names one letter apart are usually different names ('Ulm', 'Ulf')
CLOSE_WARNINGS = 50  # warnings about close names of one kind, at most; then one says how many more


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
        """Warn wherever a name is close to another one but means a different record: at most
        CLOSE_WARNINGS warnings, then one that says how many more there are."""
        warned = 0
        for suspect, other in self._close_pairs():
            if other in self.records:
                hint = (f"did you mean '{self.display[other]}'? If it is another name for the same "
                        f"{self.kind}, add it to the aliases in {self.records[other].source}")
            else:
                hint = (f"did you mean '{self.display[other]}'? If they are different, give each a file "
                        f"in {self.folder}/")
            for use in self.uses.get(suspect, ()):
                warned += 1
                if warned <= CLOSE_WARNINGS:
                    diag.warning(use.source, use.line,
                                 f"the {self.kind} '{use.written}' is close to the {self.kind} "
                                 f"'{self.display[other]}'", hint)
                elif warned == CLOSE_WARNINGS + 1:
                    first_unlisted = use
        if warned > CLOSE_WARNINGS:
            diag.warning(first_unlisted.source, first_unlisted.line,
                         f"{warned - CLOSE_WARNINGS} more uses of names of {self.folder} that are close to another "
                         f"name (only the first {CLOSE_WARNINGS} such warnings are listed)",
                         f"look through the names in use, or give each {self.kind} a file in {self.folder}/")

    def _close_pairs(self) -> list[tuple[str, str]]:
        """(suspect, likely meant) for each name close to the name of another record (the same
        once titles and legal forms are set aside, or one typo apart): the one it most likely
        meant is a record with a file, else the name sessions use more often; of two used alike
        each is the other's suspect. A file's name is never the suspect. The names are found in an
        index (text.NearNames), never by comparing every pair: one partner per name, so 1,086
        names one letter apart make 1,086 warnings at most, not half a million pairs."""
        keys = {slug: self._key(name) for slug, name in sorted(self.display.items())}
        by_key: dict[str, list[str]] = defaultdict(list)
        for slug, key in keys.items():
            if len(by_key[key]) < NearNames.LOOK:
                by_key[key].append(slug)
        index = NearNames(by_key, _SHORTEST_FOR_TYPOS, endings=False)
        pairs = []
        for slug, key in keys.items():
            if slug in self.records:
                continue
            others = [other for near in (key, *index.near(key)) for other in by_key[near] if other != slug]
            if not others:
                continue
            likeliest = min(others, key=lambda other: (other not in self.records, -self._used(other), other))
            if likeliest in self.records or self._used(likeliest) >= self._used(slug):
                pairs.append((slug, likeliest))
        return pairs

    def _used(self, slug: str) -> int:
        return len(self.uses.get(slug, ()))

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
    # ordered sets (dicts): a list's `in` made a speaker of many sessions cost their square
    person_orgs: dict[str, dict[str, None]] = defaultdict(dict)
    person_sessions: dict[str, dict[str, None]] = defaultdict(dict)
    org_people: dict[str, dict[str, None]] = defaultdict(dict)
    org_sessions: dict[str, dict[str, None]] = defaultdict(dict)
    for session in sessions:
        for speaker in session.speakers:
            person_sessions[speaker.person].setdefault(session.slug)
            if speaker.organisation:
                person_orgs[speaker.person].setdefault(speaker.organisation)
                org_people[speaker.organisation].setdefault(speaker.person)
                org_sessions[speaker.organisation].setdefault(session.slug)
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
        for topic in sessions[slug].topics[:PAIRED_TOPICS]:  # as for related topics (relations.py)
            counts[topic] += 1
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], fold(topics[item[0]].title), item[0])))

