"""Stage 4, render: the Site model -> output files, as pure functions of the model.

Templates come from the Theme (theme.py, which knows Jinja2) and are compiled once; each
page is rendered from the immutable Site plus a small per-page context. Nothing here
changes the model ("which page is active" is passed in, never flagged on shared records).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from kaffee_site.outputs import cards, feeds, years
from kaffee_site.outputs.calendar import event_uids, session_calendar, session_times, site_calendar
from kaffee_site.model import Site
from kaffee_site.outputs.opendata import sessions_csv, sessions_json
from kaffee_site.outputs.paginate import paginate
from kaffee_site.outputs.structured import event_data, person_data
from kaffee_site.outputs.timeline import topic_timeline
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
    """One output to render: where it goes, with which template and record.

    What else it shows is not declared: the engine records what it reads while it renders
    (reuse/graph.py)."""

    url_path: str
    template: str
    context: tuple[tuple[str, Any], ...] = ()
    # Files that are not made from a template (calendars, CSV) are made by a function
    # producer(site, **context) -> bytes; `template` is then unused.
    producer: Callable[..., bytes] | None = None

    @property
    def path(self) -> str:
        return page_path(self.url_path)


def plan_pages(site: Site) -> list[PageSpec]:
    """Every output of the archive that is rendered, in a fixed order."""
    urls = site.config.urls
    specs = [*_paged(site, "", "index.html", (), [s.slug for s in site.sessions]),
             PageSpec(f"{urls.sessions}/", "archive.html")]
    specs += [PageSpec(s.url_path, "session.html", (("session", s),)) for s in site.sessions]
    specs.append(PageSpec(f"{urls.topics}/", "topics.html"))
    for t in site.topics:
        specs += _paged(site, t.url_path, "topic.html", (("topic", t),), t.sessions)
    specs.append(PageSpec(f"{urls.people}/", "people.html"))
    for p in site.people:
        specs += _paged(site, p.url_path, "person.html", (("person", p),), p.sessions)
    specs.append(PageSpec(f"{urls.organisations}/", "organisations.html"))
    for o in site.organisations:
        specs += _paged(site, o.url_path, "organisation.html", (("organisation", o),), o.sessions)
    specs += [PageSpec(page.url_path, "page.html", (("page", page),)) for page in site.pages]
    specs += [PageSpec(old, "redirect.html", (("target", new),)) for old, new in site.redirects.items()]
    specs += [PageSpec(**page) for page in years.planned(site)]
    specs.append(PageSpec("404.html", "404.html"))
    if site.config.search:
        specs.append(PageSpec(f"{urls.search}/", "search.html"))
    return specs + _reader_outputs(site, specs)


def _paged(site: Site, base: str, template: str, context: tuple, slugs: Iterable[str]) -> list[PageSpec]:
    """A list page split at `page_size`."""
    return [PageSpec(pager.url_path, template, (*context, ("pager", pager)))
            for pager in paginate(list(slugs), site.config.page_size, base, site.config.urls.page)]


def _reader_outputs(site: Site, pages: list[PageSpec]) -> list[PageSpec]:
    """Feeds, calendars, open data, sitemap and robots.txt (see feeds, ical, opendata)."""
    specs = [PageSpec(feeds.FEED_FILE, "feed.xml", (("feed", feeds.site_feed(site)),))]
    for t in site.topics:
        feed = feeds.topic_feed(site, t)
        specs.append(PageSpec(feed.url_path, "feed.xml", (("feed", feed),)))
    urls = site.config.urls
    specs.append(PageSpec(urls.calendar, "", producer=site_calendar))
    uids = event_uids(site)
    for s in site.sessions:
        specs.append(PageSpec(f"{s.url_path}{urls.event}", "", (("session", s), ("uid", uids[s.slug])),
                              producer=session_calendar))
    specs += [PageSpec(**card) for card in cards.planned(site)]
    specs.append(PageSpec(urls.json_file, "", producer=sessions_json))
    specs.append(PageSpec(urls.csv_file, "", producer=sessions_csv))
    sitemap = tuple(_sitemap_entry(site, spec) for spec in pages if spec.template not in _NOT_IN_SITEMAP)
    specs.append(PageSpec("sitemap.xml", "sitemap.xml", (("sitemap", sitemap),)))
    specs.append(PageSpec("robots.txt", "robots.txt"))
    return specs


_NOT_IN_SITEMAP = frozenset({"redirect.html", "404.html"})


def _sitemap_entry(site: Site, spec: PageSpec) -> tuple[str, str | None]:
    """(absolute URL, last change) of a page; a session page changed on the session's day."""
    session = dict(spec.context).get("session")
    return site.config.absolute_url(spec.url_path), session.date.isoformat() if session else None


def render_page(site: Site, theme: Theme, spec: PageSpec) -> Output:
    if spec.producer is not None:
        return Output(spec.path, spec.producer(site, **dict(spec.context)))
    html = theme.render(spec.template, **_globals(site), page_url=spec.url_path, **dict(spec.context))
    return Output(spec.path, html.encode("utf-8"))


def static_outputs(theme: Theme) -> Iterator[Output]:
    for rel, path in theme.static_files():
        yield Output(f"{STATIC_DIR}/{rel}", source=path)


def support_outputs(site: Site, theme: Theme) -> Iterator[Output]:
    """Every output that is not rendered (theme files): copied as they are on every build."""
    yield from static_outputs(theme)


def nobreak(text: Any) -> str:
    """Typography: '5. September 2024', 'Nr. 4' and '10:00 Uhr' never break across lines."""
    return str(text).replace(" ", "\u00a0")


def nobreak_numbers(text: Any) -> str:
    """A number stays with the word after it ('4 Sitzungen'); the rest of the text may wrap."""
    return re.sub(r"(\d) ", "\\1\u00a0", str(text))


def _globals(site: Site) -> dict[str, Any]:
    config = site.config
    return {
        "site": site,
        "config": config,
        "url": config.url,
        "paths": config.urls,  # folder names: url(paths.sessions ~ '/')
        "absolute_url": config.absolute_url,
        "topic_map": lambda: topic_map(site),
        "topic_timeline": lambda topic: topic_timeline(site, topic),
        "preview": lambda session=None, topic=None: cards.preview_for(site, session, topic),
        "nobreak": nobreak,
        "nobreak_numbers": nobreak_numbers,
        "session_times": lambda session: session_times(session, config),
        "event_data": lambda session: event_data(site, session),
        "person_data": lambda person: person_data(site, person),
        "feed_entries": lambda feed: feeds.entries(site, feed),
        "feed_id": lambda url_path: feeds.uri(site, url_path),
        "feed_updated": lambda feed: feeds.updated(site, feed),
    }
