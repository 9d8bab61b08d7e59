"""`sitemap.xml` (every page with its absolute URL, a session page dated by its session) and
`robots.txt`, which names the sitemap."""

from __future__ import annotations

from kaffee_site.model import Site
from kaffee_site.outputs.kind import PageSpec

NOT_IN_SITEMAP = frozenset({"redirect.html", "404.html"})


def plan(site: Site, planned: list[PageSpec]) -> list[PageSpec]:
    sitemap = tuple(_entry(site, spec) for spec in planned if _listed(spec))
    return [PageSpec("sitemap.xml", "sitemap.xml", (("sitemap", sitemap),)), PageSpec("robots.txt", "robots.txt")]


def _listed(spec: PageSpec) -> bool:
    """An HTML page a reader may land on (feeds, calendars and data files are not pages)."""
    return spec.producer is None and spec.template.endswith(".html") and spec.template not in NOT_IN_SITEMAP


def _entry(site: Site, spec: PageSpec) -> tuple[str, str | None]:
    """(absolute URL, last change) of a page; a session page changed on the session's day."""
    session = dict(spec.context).get("session")
    return site.config.absolute_url(spec.url_path), session.date.isoformat() if session else None
