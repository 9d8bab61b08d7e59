"""What the archive already knows, for matching a report against it.

Read with the build's own loading and parsing (stages 1 and 2), not linked: the series and its
sessions (to refuse a report that is already there and to take a known next session's title),
the topics with their aliases and forms, the people and organisations with their known
spellings (files' aliases, and the organisation each person last spoke for).
The archive's own problems are not the import's business: `check` reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from pathlib import Path

from kaffee_site.config import SiteConfig
from kaffee_site.model import Session
from kaffee_site.errors import Diagnostics, UsageError
from kaffee_site.content.load import Content, load_content
from kaffee_site.content.parse import parse_organisation, parse_person, parse_session, parse_topic
from kaffee_site.text import fold


@dataclass(frozen=True)
class KnownSession:
    series: str
    day: date
    number: int | None
    title: str
    display: str  # the file, as messages name it


@dataclass
class Archive:
    content_dir: Path
    config: SiteConfig
    sessions: list[KnownSession] = field(default_factory=list)
    stems: set[str] = field(default_factory=set)  # file names of sessions (without .md)
    topic_names: list[tuple[str, str]] = field(default_factory=list)  # (name, alias or form, topic title)
    people: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)  # folded -> (name, org, where)
    organisations: dict[str, tuple[str, str]] = field(default_factory=dict)  # folded -> (name, where)

    @cached_property
    def topic_keys(self) -> frozenset[str]:
        """Every topic name, folded."""
        return frozenset(fold(name) for name, _ in self.topic_names)

    @property
    def series(self) -> list[str]:
        """The archive's series, its default first."""
        names = [self.config.series]
        for session in self.sessions:
            if session.series not in names:
                names.append(session.series)
        return names

    def session_on(self, series: str, day: date) -> KnownSession | None:
        return next((s for s in self.sessions if s.series == series and s.day == day), None)

    def session_numbered(self, series: str, number: int) -> KnownSession | None:
        return next((s for s in self.sessions if s.series == series and s.number == number), None)

    def organisation(self, written: str) -> str | None:
        """The archive's name for an organisation written so: by name or alias, or else by the
        name without 'Kreis'/'Landkreis' and legal form ('Prognos' is 'Prognos AG') when that is
        one organisation only."""
        known = self.organisations.get(fold(written))
        if known is not None:
            return known[0]
        key = _org_key(fold(written))
        matches = {name for folded, (name, _) in self.organisations.items() if _org_key(folded) == key}
        return matches.pop() if len(matches) == 1 else None

    def add(self, session: KnownSession, stem: str) -> None:
        """A report just imported: the next source of the same run sees it."""
        self.sessions.append(session)
        self.stems.add(stem)


def read_archive(content_dir: Path) -> Archive:
    if not content_dir.is_dir():
        raise UsageError(f"{content_dir}: the content folder does not exist (start one with 'kaffee-site init')")
    quiet = Diagnostics()
    content = load_content(content_dir, str(content_dir), quiet)
    archive = Archive(content_dir, content.config)
    sessions = _sessions(content, archive)
    for doc in content.of_kind("topic"):
        topic = parse_topic(doc, quiet)
        if topic is not None:
            archive.topic_names.extend((name, topic.title) for name in (topic.title, *topic.aliases, *topic.forms))
    for doc in content.of_kind("organisation"):
        org = parse_organisation(doc, quiet)
        if org is not None:
            for name in (org.name, *org.aliases):
                archive.organisations.setdefault(fold(name), (org.name, doc.display))
    persons = {}
    for doc in content.of_kind("person"):
        person = parse_person(doc, quiet)
        if person is not None:
            for name in (person.name, *person.aliases):
                persons[fold(name)] = (person.name, doc.display)
    _speakers(sessions, archive, persons)
    return archive


def _sessions(content: Content, archive: Archive) -> list[Session]:
    """The sessions as the build parses them; one with a broken field still holds its date and
    series (salvaged), so its report is not imported a second time."""
    quiet = Diagnostics()
    parsed = []
    for doc in content.of_kind("session"):
        archive.stems.add(doc.stem)
        session = parse_session(doc, content.config, quiet, salvage=True)
        if session is not None and session.date != date.min:
            parsed.append(session)
            archive.sessions.append(KnownSession(" ".join(session.series.split()), session.date, session.number,
                                                 session.title, session.source))
    return parsed


def _speakers(sessions: list[Session], archive: Archive, persons: dict[str, tuple[str, str]]) -> None:
    """People by every spelling: their files' names and aliases, and the names sessions use, each
    with the organisation of their latest session."""
    spellings: dict[str, set[str]] = {}
    for key, (name, display) in persons.items():
        archive.people.setdefault(fold(name), (name, None, display))
        spellings.setdefault(name, set()).add(key)
    for session in sorted(sessions, key=lambda s: (s.date, s.rel)):
        for speaker in session.speakers:
            written = " ".join(speaker.name.split())
            name, where = persons.get(fold(written), (written, session.source))
            org = (archive.organisation(speaker.org) or " ".join(speaker.org.split())) if speaker.org else None
            for key in {fold(written), fold(name), *spellings.get(name, ())}:
                archive.people[key] = (name, org, where)
            if org:
                archive.organisations.setdefault(fold(org), (org, session.source))


_ORG_PREFIX = re.compile(r"^(?:landkreis|kreis|lk)\s+")
_LEGAL = re.compile(r"\s+(?:ag|gmbh|ggmbh|mbh|e\.\s?v\.|kg|se|ug|eg|aoer|ltd\.?|inc\.?|llc)$")


def _org_key(folded: str) -> str:
    return _LEGAL.sub("", _ORG_PREFIX.sub("", folded)).strip()
