"""Year pages of the archive: `sitzungen/2024/` lists that year's sessions, without JavaScript.

The archive page links every year; each year page links the years before and after it. This
module finds the years (their paths and what they list); pages.py plans the pages, the
template draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

from kaffee_site.model import Site

@dataclass(frozen=True)
class YearPage:
    year: int
    url_path: str
    sessions: tuple[str, ...]  # slugs, newest first
    previous: int | None = None  # the nearest earlier year with sessions
    following: int | None = None


def year_path(site: Site, year: int) -> str:
    """'sitzungen/2024/' (the sessions folder of the archive's language, see urls.py)."""
    return f"{site.config.urls.sessions}/{year}/"


def year_pages(site: Site) -> tuple[YearPage, ...]:
    """One page per year with sessions, newest first (as the archive lists them)."""
    years = [(year, tuple(s.slug for s in sessions)) for year, sessions in site.sessions_by_year()]
    pages = []
    for index, (year, slugs) in enumerate(years):
        older = years[index + 1][0] if index + 1 < len(years) else None
        newer = years[index - 1][0] if index > 0 else None
        pages.append(YearPage(year, year_path(site, year), slugs, older, newer))
    return tuple(pages)
