"""Stage 4, render: the Site model -> output files, as pure functions of the model.

Templates come from the Theme (theme.py, which knows Jinja2) and are compiled once; each
page is rendered from the immutable Site plus a small per-page context. Nothing here
changes the model ("which page is active" is passed in, never flagged on shared records).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from kaffee_site.outputs import feeds
from kaffee_site.outputs.calendar import event_uids, session_calendar, session_times, site_calendar
from kaffee_site.model import Site
from kaffee_site.outputs.opendata import sessions_csv, sessions_json
from kaffee_site.outputs.paginate import paginate
from kaffee_site.outputs.structured import event_data, person_data
from kaffee_site.outputs.topicmap import topic_map
from kaffee_site.pipeline.theme import STATIC_DIR, TemplateProblem, Theme  # noqa: F401 - re-exported for callers


@dataclass(frozen=True)
class Output:
    """One file of the archive: its path inside the output folder and its bytes (or a file to copy)."""

    path: str
    data: bytes | None = None
    source: Path | None = None


def page_path(url_path: str) -> str:
    """'sitzungen/x/' -> 'sitzungen/x/index.html'; '' -> 'index.html'."""
    return url_path + "index.html" if url_path == "" or url_path.endswith("/") else url_path


@dataclass(frozen=True)
class PageSpec:
    """One page to render: where it goes, with which template and record, and what it shows.

    `deps` names the records whose change can change this page ("session:<slug>",
    "topic:<slug>", "person:<slug>", "organisation:<slug>", "page:<slug>", or "*" for
    list pages that show every session). An incremental rebuild re-renders exactly the
    pages whose deps meet the changed records.
    """

    url_path: str
    template: str
    context: tuple[tuple[str, Any], ...] = ()
    deps: frozenset[str] = frozenset({"*"})
    # Files that are not made from a template (calendars, CSV) are made by a function
    # producer(site, **context) -> bytes; `template` is then unused.
    producer: Callable[..., bytes] | None = None

    @property
    def path(self) -> str:
        return page_path(self.url_path)


def plan_pages(site: Site) -> list[PageSpec]:
    """Every page of the archive, in a fixed order, with its dependencies."""
    every = frozenset({"*"})
    urls = site.config.urls
    specs = [*_paged(site, "", "index.html", (), [s.slug for s in site.sessions], every),
             PageSpec(f"{urls.sessions}/", "archive.html")]
    for s in site.sessions:
        deps = {f"session:{x}" for x in (s.slug, s.previous, s.following, *s.related) if x}
        deps |= {f"topic:{t}" for t in s.topics}
        deps |= {f"person:{sp.person}" for sp in s.speakers}
        deps |= {f"organisation:{sp.organisation}" for sp in s.speakers if sp.organisation}
        if s.next and s.next.session:
            deps.add(f"session:{s.next.session}")
        specs.append(PageSpec(s.url_path, "session.html", (("session", s),), frozenset(deps)))
    specs.append(PageSpec(f"{urls.topics}/", "topics.html", deps=every))
    for t in site.topics:
        deps = {f"topic:{t.slug}"} | {f"topic:{slug}" for slug, _ in t.related}
        deps |= _listing(site, t.sessions) | {f"person:{p}" for p in t.speakers}
        specs += _paged(site, t.url_path, "topic.html", (("topic", t),), t.sessions, frozenset(deps | {"count"}))
    specs.append(PageSpec(f"{urls.people}/", "people.html", deps=every))
    for p in site.people:
        deps = {f"person:{p.slug}"} | _listing(site, p.sessions)
        deps |= {f"organisation:{o}" for o in p.organisations}
        specs += _paged(site, p.url_path, "person.html", (("person", p),), p.sessions, frozenset(deps))
    specs.append(PageSpec(f"{urls.organisations}/", "organisations.html", deps=every))
    for o in site.organisations:
        deps = {f"organisation:{o.slug}"} | _listing(site, o.sessions)
        deps |= {f"person:{p}" for p in o.people}
        specs += _paged(site, o.url_path, "organisation.html", (("organisation", o),), o.sessions, frozenset(deps))
    for page in site.pages:
        specs.append(PageSpec(page.url_path, "page.html", (("page", page),), frozenset({f"page:{page.slug}"})))
    for old, new in site.redirects.items():
        specs.append(PageSpec(old, "redirect.html", (("target", new),), frozenset({"redirects"})))
    specs.append(PageSpec("404.html", "404.html", deps=frozenset({"pages"})))
    if site.config.search:
        specs.append(PageSpec(f"{urls.search}/", "search.html", deps=frozenset({"pages"})))
    # base.html's footer lists the titles of all pages, so every framed page depends on them
    with_pages: dict[int, tuple[frozenset, frozenset]] = {}  # the parts of a paged list share one set

    def framed(deps: frozenset) -> frozenset:
        if id(deps) not in with_pages:
            with_pages[id(deps)] = (deps, deps | {"pages"})
        return with_pages[id(deps)][1]

    specs = [s if s.template == "redirect.html" else replace(s, deps=framed(s.deps)) for s in specs]
    return specs + _reader_outputs(site, specs)


def _paged(site: Site, base: str, template: str, context: tuple, slugs: Iterable[str],
           deps: frozenset[str]) -> list[PageSpec]:
    """A list page split at `page_size`; every part depends on the whole list (items shift)."""
    return [PageSpec(pager.url_path, template, (*context, ("pager", pager)), deps)
            for pager in paginate(list(slugs), site.config.page_size, base, site.config.urls.page)]


def _reader_outputs(site: Site, pages: list[PageSpec]) -> list[PageSpec]:
    """Feeds, calendars, open data, sitemap and robots.txt (see feeds, ical, opendata)."""
    every = frozenset({"*"}) | {f"topic:{t.slug}" for t in site.topics}  # entries show topic titles
    specs = [PageSpec(feeds.FEED_FILE, "feed.xml", (("feed", feeds.site_feed(site)),), every)]
    for t in site.topics:
        feed = feeds.topic_feed(site, t)
        specs.append(PageSpec(feed.url_path, "feed.xml", (("feed", feed),),
                              frozenset({f"topic:{t.slug}"} | _listing(site, t.carried))))
    urls = site.config.urls
    specs.append(PageSpec(urls.calendar, "", deps=every, producer=site_calendar))
    uids = event_uids(site)
    for s in site.sessions:
        deps = frozenset({f"session:{s.slug}"} | {f"topic:{t}" for t in s.topics})
        specs.append(PageSpec(f"{s.url_path}{urls.event}", "", (("session", s), ("uid", uids[s.slug])), deps,
                              producer=session_calendar))
    specs.append(PageSpec(urls.json_file, "", deps=every, producer=sessions_json))
    specs.append(PageSpec(urls.csv_file, "", deps=every, producer=sessions_csv))
    sitemap = tuple(_sitemap_entry(site, spec) for spec in pages if spec.template not in _NOT_IN_SITEMAP)
    specs.append(PageSpec("sitemap.xml", "sitemap.xml", (("sitemap", sitemap),), every | {"pages", "redirects"}))
    specs.append(PageSpec("robots.txt", "robots.txt", deps=frozenset()))
    return specs


_NOT_IN_SITEMAP = frozenset({"redirect.html", "404.html"})


def _sitemap_entry(site: Site, spec: PageSpec) -> tuple[str, str | None]:
    """(absolute URL, last change) of a page; a session page changed on the session's day."""
    session = dict(spec.context).get("session")
    return site.config.absolute_url(spec.url_path), session.date.isoformat() if session else None


def _listing(site: Site, slugs: Iterable[str]) -> set[str]:
    """Deps of a list of session items: each item shows the session and its topics' titles."""
    deps = set()
    for slug in slugs:
        deps.add(f"session:{slug}")
        deps.update(f"topic:{t}" for t in site.session(slug).topics)
    return deps


def render_page(site: Site, theme: Theme, spec: PageSpec) -> Output:
    if spec.producer is not None:
        return Output(spec.path, spec.producer(site, **dict(spec.context)))
    html = theme.render(spec.template, **_globals(site), page_url=spec.url_path, **dict(spec.context))
    return Output(spec.path, html.encode("utf-8"))


def static_outputs(theme: Theme) -> Iterator[Output]:
    for rel, path in theme.static_files():
        yield Output(f"{STATIC_DIR}/{rel}", source=path)


def support_outputs(site: Site, theme: Theme) -> Iterator[Output]:
    """Every output that is not a planned page (theme files, ...). Put new non-page outputs here:
    `serve` cannot tell what they depend on, so it re-produces them on every rebuild."""
    yield from static_outputs(theme)


def render_site(site: Site, theme: Theme) -> Iterator[Output]:
    """Every page and theme file of the archive, in a fixed order."""
    for spec in plan_pages(site):
        yield render_page(site, theme, spec)
    yield from support_outputs(site, theme)


def _globals(site: Site) -> dict[str, Any]:
    config = site.config
    return {
        "site": site,
        "config": config,
        "url": config.url,
        "paths": config.urls,  # folder names: url(paths.sessions ~ '/')
        "absolute_url": config.absolute_url,
        "topic_map": lambda: topic_map(site),
        "session_times": lambda session: session_times(session, config),
        "event_data": lambda session: event_data(site, session),
        "person_data": lambda person: person_data(site, person),
        "feed_entries": lambda feed: feeds.entries(site, feed),
        "feed_id": lambda url_path: feeds.uri(site, url_path),
        "feed_updated": lambda feed: feeds.updated(site, feed),
    }
