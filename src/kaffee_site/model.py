"""The immutable site model: built once by `link`, read by `render` and every other output.

Front matter becomes plain frozen dataclasses; keys we do not know are kept in `extra`.
Relations between records are stored as slugs and resolved through `Site`, so nothing
here is ever changed after the link stage has built it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from datetime import time as dt_time
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from kaffee_site.config import SiteConfig
from kaffee_site.text import plain_excerpt
from kaffee_site.urls import DEFAULT_URLS

if TYPE_CHECKING:  # a body is rendered by the link stage; the model only holds it
    from kaffee_site.markdown.body import Body

EMPTY: Mapping[str, Any] = MappingProxyType({})
FOLDERS = DEFAULT_URLS  # the default language's folders; records get the site's own from config.urls
# Characters of a session's summary that lists, feeds, calendars and cards repeat (issue 18: a
# summary of 1 MB was copied whole into 300 lists and feeds, 632 MB of output)
TEASER_LIMIT = 300


@dataclass(frozen=True)
class Speaker:
    name: str
    org: str | None
    person: str  # slug of the Person
    organisation: str | None  # slug of the Organisation


@dataclass(frozen=True)
class Image:
    src: str  # path inside media/, e.g. 'smarter-kaffee.svg'
    alt: str


@dataclass(frozen=True)
class Rendition:
    """One file made from a picture (images/): where it goes in the output, and its size."""

    path: str  # 'media/fotos/runde-960.3f9a0c1e2b7d.webp'
    width: int
    height: int


@dataclass(frozen=True)
class Picture:
    """A picture of media/ as pages show it (images/): its size after the orientation tag and the
    files made from it. An SVG is shown as it is (`vector`); a picture the build could not use
    (its problem was reported) is not shown at all (`usable` false)."""

    src: str  # path inside media/
    width: int = 0
    height: int = 0
    # (MIME type, renditions by width) for each format offered: the modern ones first, the fallback last
    sources: tuple[tuple[str, tuple[Rendition, ...]], ...] = ()
    preview: Rendition | None = None  # the 1200-wide file for og:image and structured data
    original: str | None = None  # output path of the stripped original (images: {originals: true})
    vector: bool = False
    usable: bool = True


@dataclass(frozen=True)
class Announcement:
    """A `next:` block: the session a report announces."""

    date: date
    title: str | None
    series: str
    announced_by: str  # slug of the announcing session
    session: str | None = None  # slug of its report, once one exists
    time: dt_time | None = None  # start (German wall-clock time), from `next.time`
    end: dt_time | None = None  # from `next.end`; None: the site's default length, or none
    # still to come: dated today or later (the build's today: SOURCE_DATE_EPOCH or the clock) and
    # after the newest published report of its series, with no report yet. Worth announcing.
    ahead: bool = False


@dataclass(frozen=True)
class Session:
    slug: str
    title: str
    date: date
    series: str
    number: int | None
    topic_names: tuple[str, ...]  # as written in front matter
    speakers: tuple[Speaker, ...]
    summary: str | None  # from front matter; `teaser` falls back to the first paragraph
    image: Image | None
    next: Announcement | None
    draft: bool
    extra: Mapping[str, Any]
    source: str  # path for messages
    rel: str  # path inside the content folder
    time: dt_time | None = None  # start (German wall-clock time); None: the site's default
    end: dt_time | None = None  # end; None: start plus the site's default length
    example: bool = False  # `example: true`: an invented report, marked so on its page
    # filled in by the link stage from site.yaml and the git history (content/history.py)
    changed: date | None = None  # the day (in Germany) of the last commit that touched its file
    edit_url: str | None = None  # where to edit its file in the repository
    # filled in by the link stage
    topics: tuple[str, ...] = ()  # topic slugs, in front-matter order
    body: Body | None = None
    previous: str | None = None  # previous session of the same series
    following: str | None = None
    related: tuple[str, ...] = ()
    folder: str = FOLDERS.sessions  # config.urls.sessions
    redirect_from: tuple[str, ...] = ()  # old slugs whose addresses lead here

    @property
    def announcement(self) -> Announcement | None:
        """The `next:` worth showing on this session's page, once: while it is still ahead, or
        as a link to its report unless the series navigation already links that report."""
        if self.next is None:
            return None
        if self.next.ahead or (self.next.session and self.next.session != self.following):
            return self.next
        return None

    @property
    def teaser(self) -> str:
        """The summary (or the first paragraph) as lists, feeds and calendars repeat it: at most
        TEASER_LIMIT characters, cut at a word; the summary stays whole on the session's page."""
        return plain_excerpt(self.summary or (self.body.summary if self.body else ""), TEASER_LIMIT)

    @property
    def summary_cut(self) -> bool:
        """Whether the teaser leaves out part of the summary (the session's page then shows it)."""
        return bool(self.summary) and len(self.summary) > TEASER_LIMIT and self.teaser.endswith("…")

    @property
    def url_path(self) -> str:
        return f"{self.folder}/{self.slug}/"


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    aliases: tuple[str, ...] = ()  # other names, shown to readers ("Auch: SCC")
    summary: str | None = None
    has_file: bool = False
    redirect_from: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    forms: tuple[str, ...] = ()  # inflected forms, for matching only
    source: str | None = None
    rel: str | None = None
    # filled in by the link stage
    description: Body | None = None
    carried: tuple[str, ...] = ()  # sessions listing the topic, newest first
    mentioned: tuple[str, ...] = ()  # sessions only mentioning it, newest first
    sentences: Mapping[str, str] = field(default_factory=lambda: EMPTY)  # session slug -> first sentence mentioning the topic
    related: tuple[tuple[str, int], ...] = ()  # (topic slug, sessions shared)
    speakers: tuple[str, ...] = ()  # person slugs
    folder: str = FOLDERS.topics  # config.urls.topics

    @property
    def url_path(self) -> str:
        return f"{self.folder}/{self.slug}/"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name that means this topic in a report: title, aliases and inflected forms."""
        return (self.title, *self.aliases, *self.forms)

    @property
    def sessions(self) -> tuple[str, ...]:
        return self.carried + self.mentioned


@dataclass(frozen=True)
class Person:
    """A speaker: from a file in people/ (has_file) or only from the names sessions use."""

    slug: str
    name: str
    organisations: tuple[str, ...]  # org slugs, most recent first
    sessions: tuple[str, ...]  # newest first
    aliases: tuple[str, ...] = ()
    description: str | None = None  # one or two sentences, from the file
    link: str | None = None  # an http(s) address about the person
    role: str | None = None  # e.g. 'Digitallotsin'
    topics: tuple[tuple[str, int], ...] = ()  # (topic slug, sessions), most sessions first
    has_file: bool = False
    extra: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    source: str | None = None
    rel: str | None = None
    body: Body | None = None  # the file's Markdown body, if it has one
    folder: str = FOLDERS.people  # config.urls.people
    redirect_from: tuple[str, ...] = ()  # old slugs whose addresses lead here

    @property
    def url_path(self) -> str:
        return f"{self.folder}/{self.slug}/"


@dataclass(frozen=True)
class Organisation:
    """An organisation speakers come from: from organisations/ (has_file) or from the sessions."""

    slug: str
    name: str
    people: tuple[str, ...]
    sessions: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    description: str | None = None
    link: str | None = None
    topics: tuple[tuple[str, int], ...] = ()  # (topic slug, sessions), most sessions first
    has_file: bool = False
    extra: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    source: str | None = None
    rel: str | None = None
    body: Body | None = None
    folder: str = FOLDERS.organisations  # config.urls.organisations
    redirect_from: tuple[str, ...] = ()  # old slugs whose addresses lead here

    @property
    def url_path(self) -> str:
        return f"{self.folder}/{self.slug}/"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    summary: str | None
    extra: Mapping[str, Any]
    source: str
    rel: str
    body: Body | None = None

    @property
    def url_path(self) -> str:
        return f"{self.slug}/"


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    sessions: tuple[Session, ...]  # newest first
    topics: tuple[Topic, ...]  # by title
    people: tuple[Person, ...]  # by name
    organisations: tuple[Organisation, ...]  # by name
    pages: tuple[Page, ...]  # by title
    media: tuple[str, ...]
    upcoming: tuple[Announcement, ...] = ()  # announced sessions without a report, soonest first
    redirects: Mapping[str, str] = field(default_factory=dict)  # old path -> new path
    # sessions whose front matter has errors, kept only so `check` can still look at their
    # bodies; a site with any is never rendered (the build fails on the errors)
    rejected: tuple[Session, ...] = ()
    # the pictures pages show, by path inside media/ (images/work.py, after the link stage)
    images: Mapping[str, Picture] = field(default_factory=lambda: EMPTY)

    @cached_property
    def _by_slug(self) -> dict[str, dict[str, Any]]:
        return {
            "session": {s.slug: s for s in self.sessions},
            "topic": {t.slug: t for t in self.topics},
            "person": {p.slug: p for p in self.people},
            "organisation": {o.slug: o for o in self.organisations},
        }

    def session(self, slug: str) -> Session:
        return self._by_slug["session"][slug]

    def topic(self, slug: str) -> Topic:
        return self._by_slug["topic"][slug]

    def person(self, slug: str) -> Person:
        return self._by_slug["person"][slug]

    def organisation(self, slug: str) -> Organisation:
        return self._by_slug["organisation"][slug]

    def image(self, src: str) -> Picture | None:
        """The picture at `src` inside media/; None when no page shows one there."""
        return self.images.get(src)

    def sessions_by_year(self) -> tuple[tuple[int, tuple[Session, ...]], ...]:
        years: dict[int, list[Session]] = {}
        for session in self.sessions:
            years.setdefault(session.date.year, []).append(session)
        return tuple((year, tuple(items)) for year, items in years.items())
