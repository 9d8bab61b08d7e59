"""The HTML pages: start page, archive and year pages, a page per session, topic, person,
organisation and free page, the lists of them, topic redirects, 404 and the search page.

Long lists are split at `page_size` (paginate.py); what each page shows is its template's job.
"""

from __future__ import annotations

from typing import Iterable

from kaffee_site.model import Site
from kaffee_site.outputs import years
from kaffee_site.outputs.kind import PageSpec
from kaffee_site.outputs.paginate import paginate



def plan(site: Site, planned: list[PageSpec]) -> list[PageSpec]:
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
    specs += [PageSpec(page.url_path, "year.html", (("year_page", page),)) for page in years.year_pages(site)]
    specs.append(PageSpec("404.html", "404.html"))
    if site.config.search:
        specs.append(PageSpec(f"{urls.search}/", "search.html"))
    return specs


def _paged(site: Site, base: str, template: str, context: tuple, slugs: Iterable[str]) -> list[PageSpec]:
    """A list page split at `page_size`."""
    return [PageSpec(pager.url_path, template, (*context, ("pager", pager)))
            for pager in paginate(list(slugs), site.config.page_size, base, site.config.urls.page)]
