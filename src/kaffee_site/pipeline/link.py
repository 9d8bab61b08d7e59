"""Stage 3, link: turn the parsed records into one immutable `Site`.

Resolves topic names, renders every body with the site's link context (topic mentions,
wikilinks), and computes the indexes between records: series neighbours, announced
sessions, topic pages (carried / mentioned), people, organisations, related sessions.
All problems go to the Diagnostics; the Site is built from whatever is valid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Callable, Iterable, Sequence

from kaffee_site.config import SiteConfig
from kaffee_site.errors import Diagnostics
from kaffee_site.pipeline.load import Content, SourceDoc
from kaffee_site.pipeline.markdown import Body, LinkContext, WikiTarget, render_body
from kaffee_site.model import Announcement, Organisation, Page, Person, Session, Site, Topic
from kaffee_site.pipeline.parse import parse_page, parse_session, parse_topic
from kaffee_site.pipeline.registry import TopicRegistry
from kaffee_site.pipeline.relations import co_occurring_topics, related_sessions
from kaffee_site.text import fold


@dataclass(frozen=True)
class BodyJob:
    """One body to render: everything `render_body` needs, so jobs can go to other processes."""

    text: str
    first_line: int
    display: str
    own_topic: str | None = None
    digest: str = ""


BodyRenderer = Callable[[Sequence[BodyJob], LinkContext], list[Body]]
SessionParser = Callable[[SourceDoc, SiteConfig, Diagnostics], Session | None]


def render_bodies_here(jobs: Sequence[BodyJob], ctx: LinkContext) -> list[Body]:
    """The plain renderer: one after another in this process."""
    return [render_body(j.text, j.first_line, j.display, ctx, j.own_topic) for j in jobs]


def link_site(content: Content, diag: Diagnostics, drafts: bool = False,
              render_bodies: BodyRenderer = render_bodies_here,
              session_parser: SessionParser = parse_session) -> Site:
    """`session_parser` lets `serve` reuse the sessions parsed from unchanged files."""
    config = content.config
    docs = {doc.rel: doc for doc in content.docs}
    sessions = [s for s in (session_parser(d, config, diag) for d in content.of_kind("session")) if s]
    sessions = [s for s in sessions if drafts or not s.draft]
    topics = [t for t in (parse_topic(d, diag) for d in content.of_kind("topic")) if t]
    pages = [p for p in (parse_page(d, diag) for d in content.of_kind("page")) if p]
    _report_duplicates(sessions, diag, "session")
    _report_duplicates(topics, diag, "topic")
    _report_duplicates(pages, diag, "page")
    sessions = _first_per_slug(sessions)
    pages = _first_per_slug(pages)

    registry = TopicRegistry.from_files(topics, diag)
    sessions = [replace(s, topics=_resolve_topics(s, docs[s.rel], registry, diag)) for s in sessions]
    _check_images(sessions, docs, content.media, diag)

    ctx = link_context(config.base_path, registry.topics.values(), sessions, pages)
    sessions, pages, topic_bodies = _render_all(sessions, pages, registry, docs, ctx, render_bodies, diag)

    sessions.sort(key=lambda s: (s.date, s.number or 0, s.slug), reverse=True)
    sessions = _link_series(sessions)
    sessions, upcoming = _link_announcements(sessions, docs, diag)
    sessions = related_sessions(sessions)
    people, organisations = _people(sessions)
    topic_list = _link_topics(registry, topic_bodies, sessions, diag)
    return Site(
        config=config, sessions=tuple(sessions), topics=topic_list, people=people,
        organisations=organisations, pages=tuple(sorted(pages, key=lambda p: (fold(p.title), p.slug))),
        media=content.media, upcoming=upcoming, redirects=_redirects(topic_list, diag),
    )


def _report_duplicates(records: list, diag: Diagnostics, kind: str) -> None:
    first: dict[str, object] = {}
    for record in sorted(records, key=lambda r: r.source or ""):
        if record.slug in first:
            other = first[record.slug]
            diag.error(record.source, 1, f"duplicate {kind} slug '{record.slug}', also used by {other.source}",
                       "rename one of the files or set a different 'slug:' in its front matter")
        else:
            first[record.slug] = record


def _first_per_slug(records: list) -> list:
    seen: dict[str, object] = {}
    for record in sorted(records, key=lambda r: r.source or ""):
        seen.setdefault(record.slug, record)
    return list(seen.values())


def _resolve_topics(session: Session, doc: SourceDoc, registry: TopicRegistry,
                    diag: Diagnostics) -> tuple[str, ...]:
    slugs: list[str] = []
    for index, name in enumerate(session.topic_names):
        slug = registry.resolve(name, session.source, doc.line_of("topics", index), diag)
        if slug in slugs:
            diag.warning(session.source, doc.line_of("topics", index), f"topic '{name}' is listed twice",
                         "remove the second entry")
        else:
            slugs.append(slug)
    return tuple(slugs)


def _check_images(sessions: list[Session], docs: dict[str, SourceDoc], media: tuple[str, ...],
                  diag: Diagnostics) -> None:
    available = set(media)
    for session in sessions:
        if session.image and session.image.src not in available:
            diag.error(session.source, docs[session.rel].line_of("image", "src"),
                       f"the image 'media/{session.image.src}' does not exist",
                       "put the file into the content's media/ folder or correct the name")


def link_context(base_path: str, topics: Iterable[Topic], sessions: Sequence[Session],
                 pages: Sequence[Page]) -> LinkContext:
    """Names the bodies may link to: topics for mentions, everything for [[wikilinks]]."""
    names: list[tuple[str, str, str]] = []
    targets: dict[str, WikiTarget] = {}

    def target(name: str, url_path: str, title: str, topic: str | None = None) -> None:
        targets.setdefault(fold(name), WikiTarget(base_path + url_path, title, topic))

    for topic in sorted(topics, key=lambda t: t.slug):
        for name in (topic.title, *topic.aliases):
            names.append((name, topic.slug, base_path + topic.url_path))
            target(name, topic.url_path, topic.title, topic.slug)
        target(topic.slug, topic.url_path, topic.title, topic.slug)
    for session in sessions:
        target(session.slug, session.url_path, session.title)
    for session in sessions:
        target(session.title, session.url_path, session.title)
    for page in pages:
        target(page.slug, page.url_path, page.title)
        target(page.title, page.url_path, page.title)
    return LinkContext(base_path, tuple(names), MappingProxyType(targets))


def _render_all(sessions, pages, registry, docs, ctx, render_bodies, diag):
    jobs = [BodyJob(docs[s.rel].body, docs[s.rel].body_line, s.source, None, docs[s.rel].digest) for s in sessions]
    jobs += [BodyJob(docs[p.rel].body, docs[p.rel].body_line, p.source, None, docs[p.rel].digest) for p in pages]
    file_topics = [t for t in registry.topics.values() if t.rel]
    jobs += [BodyJob(docs[t.rel].body, docs[t.rel].body_line, t.source, t.slug, docs[t.rel].digest)
             for t in file_topics]
    bodies = render_bodies(jobs, ctx)
    for body in bodies:
        for problem in body.problems:
            diag.add(problem)
    n_s, n_p = len(sessions), len(pages)
    sessions = [replace(s, body=b) for s, b in zip(sessions, bodies[:n_s])]
    pages = [replace(p, body=b) for p, b in zip(pages, bodies[n_s:n_s + n_p])]
    topic_bodies = {t.slug: b for t, b in zip(file_topics, bodies[n_s + n_p:])}
    return sessions, pages, topic_bodies


def _link_series(sessions: list[Session]) -> list[Session]:
    """Previous and next session within the same series (sessions are newest first)."""
    by_series: dict[str, list[Session]] = {}
    for session in sessions:
        by_series.setdefault(session.series, []).append(session)
    neighbours: dict[str, tuple[str | None, str | None]] = {}
    for items in by_series.values():
        for index, session in enumerate(items):
            newer = items[index - 1].slug if index > 0 else None
            older = items[index + 1].slug if index + 1 < len(items) else None
            neighbours[session.slug] = (older, newer)
    return [replace(s, previous=neighbours[s.slug][0], following=neighbours[s.slug][1]) for s in sessions]


def _link_announcements(sessions: list[Session], docs: dict[str, SourceDoc],
                        diag: Diagnostics) -> tuple[list[Session], tuple[Announcement, ...]]:
    reports = {(s.series, s.date): s.slug for s in sessions}
    linked, upcoming = [], {}
    for session in sessions:
        announcement = session.next
        if announcement is not None:
            if announcement.date <= session.date:
                diag.warning(session.source, docs[session.rel].line_of("next", "date"),
                             f"the next session ({announcement.date.isoformat()}) is not after this one "
                             f"({session.date.isoformat()})", "check the date under 'next:'")
            announcement = replace(announcement, session=reports.get((announcement.series, announcement.date)))
            if announcement.session is None and announcement.date > session.date:
                upcoming.setdefault((announcement.series, announcement.date), announcement)
            session = replace(session, next=announcement)
        linked.append(session)
    return linked, tuple(sorted(upcoming.values(), key=lambda a: (a.date, a.series)))


def _people(sessions: list[Session]) -> tuple[tuple[Person, ...], tuple[Organisation, ...]]:
    names: dict[str, str] = {}
    person_orgs: dict[str, list[str]] = {}
    person_sessions: dict[str, list[str]] = {}
    org_names: dict[str, str] = {}
    org_people: dict[str, list[str]] = {}
    org_sessions: dict[str, list[str]] = {}
    for session in sessions:  # newest first, so the first name and org seen are the latest ones
        for speaker in session.speakers:
            names.setdefault(speaker.person, speaker.name)
            _append_once(person_sessions.setdefault(speaker.person, []), session.slug)
            if speaker.organisation:
                org_names.setdefault(speaker.organisation, speaker.org or "")
                _append_once(person_orgs.setdefault(speaker.person, []), speaker.organisation)
                _append_once(org_people.setdefault(speaker.organisation, []), speaker.person)
                _append_once(org_sessions.setdefault(speaker.organisation, []), session.slug)
    people = tuple(sorted(
        (Person(slug, names[slug], tuple(person_orgs.get(slug, ())), tuple(person_sessions[slug])) for slug in names),
        key=lambda p: (fold(p.name), p.slug)))
    organisations = tuple(sorted(
        (Organisation(slug, org_names[slug], tuple(sorted(org_people[slug])), tuple(org_sessions[slug]))
         for slug in org_names),
        key=lambda o: (fold(o.name), o.slug)))
    return people, organisations


def _append_once(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def _link_topics(registry: TopicRegistry, bodies: dict[str, Body], sessions: list[Session],
                 diag: Diagnostics) -> tuple[Topic, ...]:
    carried: dict[str, list[str]] = {slug: [] for slug in registry.topics}
    mentioned: dict[str, list[str]] = {slug: [] for slug in registry.topics}
    sentences: dict[str, dict[str, str]] = {slug: {} for slug in registry.topics}
    speakers: dict[str, list[str]] = {slug: [] for slug in registry.topics}
    for session in sessions:  # newest first
        for slug in session.topics:
            carried[slug].append(session.slug)
            for speaker in session.speakers:
                _append_once(speakers[slug], speaker.person)
        for mention in session.body.mentions if session.body else ():
            if mention.topic not in sentences or session.slug in sentences[mention.topic]:
                continue
            sentences[mention.topic][session.slug] = mention.sentence
            if mention.topic not in session.topics:
                mentioned[mention.topic].append(session.slug)
    related = co_occurring_topics(sessions)
    topics = [
        replace(topic, description=bodies.get(slug), carried=tuple(carried[slug]),
                mentioned=tuple(mentioned[slug]), sentences=MappingProxyType(sentences[slug]),
                related=related.get(slug, ()), speakers=tuple(speakers[slug]))
        for slug, topic in registry.topics.items()
    ]
    return tuple(sorted(topics, key=lambda t: (fold(t.title), t.slug)))


def _redirects(topics: tuple[Topic, ...], diag: Diagnostics) -> MappingProxyType:
    slugs = {t.slug for t in topics}
    redirects: dict[str, str] = {}
    for topic in topics:
        for old in topic.redirect_from:
            if old in slugs:
                diag.error(topic.source or "", 1, f"redirect_from '{old}' is the slug of an existing topic",
                           "remove it from redirect_from")
            elif f"themen/{old}/" in redirects:
                diag.error(topic.source or "", 1, f"redirect_from '{old}' is claimed by two topics")
            else:
                redirects[f"themen/{old}/"] = topic.url_path
    return MappingProxyType(redirects)
