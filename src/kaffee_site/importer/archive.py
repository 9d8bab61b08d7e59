"""What the archive already knows, for matching a report against it.

Read with the build's own loading and parsing (stages 1 and 2), not linked: the series and its
sessions (to refuse a report that is already there and to take a known next session's title),
the topics with their aliases and forms, the people and organisations with their known
spellings (files' aliases, and the organisation each person last spoke for).
The archive's own problems are not the import's business: `check` reports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kaffee_site.config import SiteConfig
from kaffee_site.errors import Diagnostics, UsageError
from kaffee_site.content.load import Content, load_content
from kaffee_site.content.parse import parse_organisation, parse_person, parse_topic
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
    _sessions(content, archive)
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
    _speakers(content, archive, persons)
    return archive


def _sessions(content: Content, archive: Archive) -> None:
    for doc in content.of_kind("session"):
        archive.stems.add(doc.stem)
        meta = doc.meta
        day = _day(meta.get("date"))
        series = meta.get("series") if isinstance(meta.get("series"), str) and meta["series"].strip() \
            else content.config.series
        number = meta.get("number") if isinstance(meta.get("number"), int) and not isinstance(meta.get("number"), bool) \
            else None
        if day is not None:
            archive.sessions.append(KnownSession(" ".join(series.split()), day, number,
                                                 str(meta.get("title") or ""), doc.display))


def _speakers(content: Content, archive: Archive, persons: dict[str, tuple[str, str]]) -> None:
    """People by every spelling: their files' names and aliases, and the names sessions use, each
    with the organisation of their latest session."""
    for name, display in persons.values():
        archive.people.setdefault(fold(name), (name, None, display))
    dated = sorted(((_day(d.meta.get("date")) or date.min, d) for d in content.of_kind("session")),
                   key=lambda item: (item[0], item[1].rel))
    for _, doc in dated:
        speakers = doc.meta.get("speakers")
        for speaker in speakers if isinstance(speakers, list) else ():
            if not isinstance(speaker, dict) or not isinstance(speaker.get("name"), str):
                continue
            written = " ".join(speaker["name"].split())
            name, where = persons.get(fold(written), (written, doc.display))
            org = speaker.get("org") if isinstance(speaker.get("org"), str) else None
            org = archive.organisations.get(fold(org), (org, ""))[0] if org else None
            for key in {fold(written), fold(name), *(k for k, (n, _) in persons.items() if n == name)}:
                archive.people[key] = (name, org, where)
            if org:
                archive.organisations.setdefault(fold(org), (org, doc.display))


def _day(value: object) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
