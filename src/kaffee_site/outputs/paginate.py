"""Pagination of long lists: which items go on which page, and where each page lives.

Page 1 of a list keeps the list's own address ('themen/x/'); later pages live below it
('themen/x/seite/2/'), so old links to the list stay valid as it grows. Pure data: the
templates get a `Pager` and draw the links from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from kaffee_site.urls import DEFAULT_URLS

PAGE_SEGMENT = DEFAULT_URLS.page  # the default language's; the site's own is config.urls.page


def pager_path(base: str, number: int, segment: str = PAGE_SEGMENT) -> str:
    """URL path of page `number` of the list at `base` ('' for the index, or 'themen/x/')."""
    return base if number == 1 else f"{base}{segment}/{number}/"


@dataclass(frozen=True)
class Pager:
    """One page of a list: its items, its number (from 1) and how many pages there are."""

    base: str
    number: int
    count: int
    items: tuple
    total: int  # items in the whole list
    offset: int = 0  # items on the pages before this one
    segment: str = PAGE_SEGMENT

    @property
    def url_path(self) -> str:
        return pager_path(self.base, self.number, self.segment)

    @property
    def prev_path(self) -> str | None:
        return pager_path(self.base, self.number - 1, self.segment) if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        return pager_path(self.base, self.number + 1, self.segment) if self.number < self.count else None

    @property
    def first(self) -> bool:
        return self.number == 1


def paginate(items: Sequence, size: int, base: str, segment: str = PAGE_SEGMENT) -> list[Pager]:
    """Split `items` into pages of `size`; an empty list still gets its (empty) first page."""
    if size < 1:
        raise ValueError("page size must be at least 1")
    count = max(1, -(-len(items) // size))
    return [Pager(base, n + 1, count, tuple(items[n * size:(n + 1) * size]), len(items), n * size, segment)
            for n in range(count)]
