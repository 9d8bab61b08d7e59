"""Stage 3, link: turn the parsed records into one immutable `Site`.

Resolves topic names, renders every body with the site's link context (topic mentions,
wikilinks), and computes the indexes between records: series neighbours, announced
sessions, topic pages (carried / mentioned), people, organisations, related sessions.
All problems go to the Diagnostics; the Site is built from whatever is valid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType
from typing import Any, Callable, Iterable, Sequence

from urllib.parse import quote, urlsplit

from kaffee_site import clock
from kaffee_site.clock import berlin_time
from kaffee_site.content.history import NONE as NO_HISTORY, History
from kaffee_site.appearance import check_logo
from kaffee_site.config import SiteConfig
from kaffee_site.errors import Diagnostics
from kaffee_site.content.load import Content, SourceDoc
from kaffee_site.markdown.body import Body, LinkContext, WikiTarget
from kaffee_site.markdown.parser import render_body
from kaffee_site.model import Announcement, Page, Session, Site, Topic
from kaffee_site.content.keys import check_keys
from kaffee_site.content.parse import parse_organisation, parse_page, parse_person, parse_session, parse_topic
from kaffee_site.link.people import NameRegistry, link_people, resolve_speakers
from kaffee_site.link.registry import TopicRegistry
from kaffee_site.link.relations import PAIRED_TOPICS, co_occurring_topics, related_sessions
from kaffee_site.text import fold


@dataclass(frozen=True)
class BodyJob:
    """One body to render: everything `render_body` needs, so jobs can go to other processes."""

    text: str
    first_line: int
    display: str
    own_topic: str | None = None
    digest: str = ""


@dataclass(frozen=True)
class LinkedSite:
    """What the link stage makes: the Site, and the names its bodies were rendered against."""

    site: Site
    ctx: LinkContext


BodyRenderer = Callable[[Sequence[BodyJob], LinkContext], list[Body]]
SessionParser = Callable[[SourceDoc, SiteConfig, Diagnostics], Session | None]
Relater = Callable[[list[Session]], list[Session]]  # related_sessions, or a memo of it (cache.py)


def render_bodies_here(jobs: Sequence[BodyJob], ctx: LinkContext) -> list[Body]:
    """The plain renderer: one after another in this process."""
    return [render_body(j.text, j.first_line, j.display, ctx, j.own_topic) for j in jobs]


def link_site(content: Content, diag: Diagnostics, drafts: bool = False,
              render_bodies: BodyRenderer = render_bodies_here,
              session_parser: SessionParser = parse_session, relate: Relater = related_sessions,
              future: bool = False, today: date | None = None, history: History = NO_HISTORY) -> LinkedSite:
    """`render_bodies`, `session_parser` and `relate` let the engine reuse what unchanged files gave before.
    `today` (clock.today() when not given) decides which reports are still to come (left out
    unless `future`) and which announcements are still ahead."""
    config = content.config
    today = today or clock.today()
    docs = {doc.rel: doc for doc in content.docs}
    sessions, rejected = _parse_sessions(content, diag, drafts, session_parser)
    sessions = _published_by(today, sessions, docs, future, diag)
    sessions = [replace(s, **session_source(s.rel, config, history)) for s in sessions]
    topics = [replace(t, folder=config.urls.topics) for t in (parse_topic(d, diag) for d in content.of_kind("topic")) if t]
    pages = [p for p in (parse_page(d, diag, config.urls.reserved()) for d in content.of_kind("page")) if p]
    check_keys(content, diag)
    people = NameRegistry.from_files("person", "people", _parsed(content, "person", parse_person, diag), diag)
    orgs = NameRegistry.from_files("organisation", "organisations",
                                   _parsed(content, "organisation", parse_organisation, diag), diag)
    _report_duplicates(sessions, diag, "session")
    _report_duplicates(topics, diag, "topic")
    _report_duplicates(pages, diag, "page")
    sessions = _first_per_slug(sessions)
    pages = _first_per_slug(pages)

    registry = TopicRegistry.from_files(topics, diag, config.urls.topics)
    sessions = [replace(s, topics=_resolve_topics(s, docs[s.rel], registry, diag)) for s in sessions]
    rejected = [replace(s, topics=_resolve_topics(s, docs[s.rel], registry, diag)) for s in rejected]
    _check_images([*sessions, *rejected], docs, content.media, diag)
    check_logo(config.theme, content.media, diag)
    image = content.config.image
    if image is not None and image.src not in set(content.media):
        diag.error(image.source, image.line, f"the image 'media/{image.src}' does not exist",
                   "put the file into the content's media/ folder or correct the name")

    ctx = link_context(config.base_path, registry.topics.values(), [*sessions, *rejected], pages)
    file_topics = [t for t in registry.topics.values() if t.rel]
    unparsed = _unparsed_bodies(content, [*topics, *pages, *people.records.values(), *orgs.records.values()])
    groups = [sessions, rejected, pages, file_topics, list(people.records.values()), list(orgs.records.values()),
              unparsed]
    sessions, rejected, pages, file_topics, person_files, org_files, _ = _render_all(groups, docs, ctx, render_bodies,
                                                                                      diag)
    topic_bodies = {t.slug: t.description for t in file_topics}
    people.records.update((p.slug, p) for p in person_files)
    orgs.records.update((o.slug, o) for o in org_files)

    sessions.sort(key=lambda s: (s.date, s.number or 0, s.slug), reverse=True)
    # newest first, so a name without a file is shown as the latest session writes it
    sessions = [resolve_speakers(s, docs[s.rel], people, orgs, diag) for s in sessions]
    rejected = [resolve_speakers(s, docs[s.rel], people, orgs, diag) for s in rejected]
    people.warn_close_names(diag)
    orgs.warn_close_names(diag)
    registry.warn_close_total(diag)
    sessions = _link_series(sessions)
    sessions, upcoming = _link_announcements(sessions, docs, today, diag)
    sessions = relate(sessions)
    person_list, organisations = link_people(sessions, people, orgs, registry.topics)
    person_list = tuple(replace(p, folder=config.urls.people) for p in person_list)  # the site's folder names
    organisations = tuple(replace(o, folder=config.urls.organisations) for o in organisations)
    topic_list = _link_topics(registry, topic_bodies, sessions, diag)
    return LinkedSite(Site(
        config=config, sessions=tuple(sessions), topics=topic_list, people=person_list,
        organisations=organisations, pages=tuple(sorted(pages, key=lambda p: (fold(p.title), p.slug))),
        media=content.media, upcoming=upcoming,
        redirects=_redirects((("session", sessions), ("topic", topic_list), ("person", person_list),
                                      ("organisation", organisations)), docs, diag),
        rejected=tuple(sorted(rejected, key=lambda s: s.source)),
    ), ctx)


def _parse_sessions(content: Content, diag: Diagnostics, drafts: bool,
                    session_parser: SessionParser) -> tuple[list[Session], list[Session]]:
    """The valid sessions, and those whose front matter has errors, salvaged as far as it goes.

    The salvaged ones are checked like the others (body, links, images, topics), so one bad
    field does not hide the rest of the file's problems; their own problems are reported once."""
    valid, rejected = [], []
    for doc in content.of_kind("session"):
        session = session_parser(doc, content.config, diag)
        if session is None:
            session = parse_session(doc, content.config, Diagnostics(), salvage=True)
            if session is not None and (drafts or not session.draft):
                rejected.append(session)
        elif drafts or not session.draft:
            valid.append(session)
    return valid, rejected


def _unparsed_bodies(content: Content, parsed: list) -> list[Page]:
    """Topic, page, person and organisation files whose front matter has errors, as stand-ins
    whose bodies are rendered only for their problems: a broken wikilink shows up now, not
    after the front matter is fixed."""
    done = {record.rel for record in parsed}
    return [Page(slug="", title="", summary=None, extra=MappingProxyType({}), source=doc.display, rel=doc.rel)
            for doc in content.docs if doc.kind in ("topic", "page", "person", "organisation") and doc.rel not in done]


def _parsed(content: Content, kind: str, parser: Callable, diag: Diagnostics) -> list:
    return [record for record in (parser(doc, diag) for doc in content.of_kind(kind)) if record]


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
        if fold(name):  # a salvaged session may have lost its title or slug
            targets.setdefault(fold(name), WikiTarget(base_path + url_path, title, topic))

    for topic in sorted(topics, key=lambda t: t.slug):
        for name in topic.names:
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


def _render_all(groups: list[list], docs: dict[str, SourceDoc], ctx: LinkContext,
                render_bodies: BodyRenderer, diag: Diagnostics) -> list[list]:
    """Every body of every group of records in one batch (so they can share the cores);
    the records come back in their groups with their bodies (a topic's is its description)."""
    records = [record for group in groups for record in group]
    jobs = [BodyJob(docs[r.rel].body, docs[r.rel].body_line, r.source, r.slug if isinstance(r, Topic) else None,
                    docs[r.rel].digest) for r in records]
    bodies = iter(render_bodies(jobs, ctx))
    done = []
    for group in groups:
        done.append([replace(r, description=b) if isinstance(r, Topic) else replace(r, body=b)
                     for r, b in zip(group, bodies)])
    for group in done:
        for record in group:
            for problem in (record.description if isinstance(record, Topic) else record.body).problems:
                diag.add(problem)
    return done


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


def session_source(rel: str, config: SiteConfig, history: History) -> dict:
    """When a report's file was last changed (the commit's day in Germany) and where to edit it."""
    moment = history.changed.get(rel)
    return {"changed": berlin_time(moment).date() if moment is not None else None,
            "edit_url": edit_address(config, rel, history.prefix)}


def edit_address(config: SiteConfig, rel: str, prefix: str | None) -> str | None:
    """site.yaml's edit_url with the file's path, or one made from `repository` (GitHub's form
    on github.com, GitLab's elsewhere; branch main; the content folder's path in the repository
    as git says it, else 'content/' as init lays it out)."""
    if config.edit_url:
        return config.edit_url.rstrip("/") + "/" + quote(rel)
    if not config.repository:
        return None
    repository = config.repository.rstrip("/").removesuffix(".git")
    path = quote(("content/" if prefix is None else prefix) + rel)
    github = urlsplit(repository).hostname in ("github.com", "www.github.com")
    return f"{repository}/edit/main/{path}" if github else f"{repository}/-/edit/main/{path}"


def _published_by(today: date, sessions: list[Session], docs: dict[str, SourceDoc], future: bool,
                  diag: Diagnostics) -> list[Session]:
    """Reports dated after today are left out like drafts (unless `future`), and said so: a
    report is written after its session, so such a date is more often a slip than a plan."""
    kept = []
    for session in sessions:
        if session.date > today and not session.draft:
            where = (session.source, docs[session.rel].line_of("date"))
            if future:
                diag.warning(*where, f"the report is dated {session.date.isoformat()}, after today "
                             f"({today.isoformat()}): published only because of --future", "check the date")
            else:
                diag.warning(*where, f"the report is dated {session.date.isoformat()}, after today "
                             f"({today.isoformat()}): it is left out until that day",
                             "check the date; 'build --future' publishes it now, 'draft: true' holds it "
                             "back without this warning")
                continue
        kept.append(session)
    return kept


def _link_announcements(sessions: list[Session], docs: dict[str, SourceDoc], today: date,
                        diag: Diagnostics) -> tuple[list[Session], tuple[Announcement, ...]]:
    """Link each `next:` to its report, and find what is still to come.

    An announcement is ahead while it has no report, is dated today or later, and after the
    newest published report of its series (a later report makes it past news). Only published
    reports announce; a draft's `next:` is not taken. The newest announcement of a series that
    has passed without a report is a warning: the report is due, or the date was wrong."""
    reports = {(s.series, s.date): s.slug for s in sessions}
    newest: dict[str, date] = {}
    for session in sessions:
        if not session.draft and session.date > newest.get(session.series, date.min):
            newest[session.series] = session.date
    linked, upcoming, last = [], {}, {}
    for session in sessions:
        announcement = session.next
        if announcement is not None:
            if announcement.date <= session.date:
                diag.warning(session.source, docs[session.rel].line_of("next", "date"),
                             f"the next session ({announcement.date.isoformat()}) is not after this one "
                             f"({session.date.isoformat()})", "check the date under 'next:'")
            report = reports.get((announcement.series, announcement.date))
            ahead = (report is None and announcement.date >= today
                     and announcement.date > newest.get(announcement.series, date.min))
            announcement = replace(announcement, session=report, ahead=ahead)
            if not session.draft:
                if ahead:
                    upcoming.setdefault((announcement.series, announcement.date), announcement)
                if announcement.date >= last.get(announcement.series, (date.min,))[0]:
                    last[announcement.series] = (announcement.date, session)
            session = replace(session, next=announcement)
        linked.append(session)
    for day, session in sorted(last.values(), key=lambda item: (item[0], item[1].source)):
        if day < today and session.next.session is None and day > newest.get(session.series, date.min):
            diag.warning(session.source, docs[session.rel].line_of("next", "date"),
                         f"the session announced for {day.isoformat()} has passed, and no report of it is "
                         "published", "write its report (kaffee-site new), or correct or remove 'next:' "
                         "if it did not take place then")
    return linked, tuple(sorted(upcoming.values(), key=lambda a: (a.date, a.series)))


def _link_topics(registry: TopicRegistry, bodies: dict[str, Body], sessions: list[Session],
                 diag: Diagnostics) -> tuple[Topic, ...]:
    carried: dict[str, list[str]] = {slug: [] for slug in registry.topics}
    mentioned: dict[str, list[str]] = {slug: [] for slug in registry.topics}
    sentences: dict[str, dict[str, str]] = {slug: {} for slug in registry.topics}
    speakers: dict[str, dict[str, None]] = {slug: {} for slug in registry.topics}  # ordered sets
    for session in sessions:  # newest first
        for index, slug in enumerate(session.topics):
            carried[slug].append(session.slug)
            if index < PAIRED_TOPICS:  # as for related topics: a list of 1,200 topics is no discussion
                for speaker in session.speakers:
                    speakers[slug].setdefault(speaker.person)
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


def _redirects(kinds: Sequence[tuple[str, Sequence]], docs: dict[str, SourceDoc],
               diag: Diagnostics) -> MappingProxyType:
    """Old address -> new one, for every `redirect_from` of a session, topic, person or
    organisation ((kind, records) in `kinds`): `<folder>/<old>/` leads to the record's page."""
    redirects: dict[str, str] = {}
    for kind, records in kinds:
        by_slug = {record.slug: record for record in records}
        for record in records:
            doc = docs.get(record.rel or "")
            for index, old in enumerate(record.redirect_from):
                line = doc.line_of("redirect_from", index) if doc else 1
                path = f"{record.folder}/{old}/"
                owner = by_slug.get(old)
                if owner is not None:
                    diag.error(record.source or "", line, *_taken_slug(kind, old, owner, record))
                elif path in redirects:
                    diag.error(record.source or "", line, f"redirect_from '{old}' is claimed by two {kind} files",
                               "keep it in the file whose page readers should find at the old address")
                else:
                    redirects[path] = record.url_path
    return MappingProxyType(dict(sorted(redirects.items())))


def _taken_slug(kind: str, old: str, owner: Any, record: Any) -> tuple[str, str]:
    """Why a redirect_from entry cannot be: its old address is still a page of its own. For a
    topic without a file, that is because sessions still name it: the renamed topic needs the
    old name as an alias (README, "Rename a topic")."""
    if kind == "topic" and not owner.has_file:
        return (f"redirect_from '{old}': the topic '{owner.title}' still has a page of its own, because sessions "
                "still list it and no topic file has that name",
                f"add '{owner.title}' to this topic's aliases ('aliases: [{owner.title}]'): those sessions then "
                "mean this topic, and its old address leads here")
    if owner is record:
        return f"redirect_from '{old}' is this {kind}'s own slug", "remove it from redirect_from"
    return (f"redirect_from '{old}' is the slug of an existing {kind} ({owner.source or owner.url_path})",
            "remove it from redirect_from, or rename that file first")
