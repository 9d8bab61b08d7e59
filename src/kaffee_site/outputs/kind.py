"""What an output kind is, and the one list of them.

An output kind is a module of this package that defines one or both of

    def plan(site, planned) -> list[PageSpec]   # its outputs; `planned`: the kinds' before it
    def template_globals(site) -> dict  # names its templates may call ('feed_entries', ...)

and is named in KINDS. The render stage (render/render.py) asks them in that order, so a new
kind of output is one new file in outputs/ and its name in KINDS; no other module changes.
Modules without either (pagination, year pages' geometry) are helpers of the kinds.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Callable


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


# The plan's order: pages first (the sitemap lists them in this order), the sitemap after every
# kind whose pages it lists, the addresses (which plan no page) after it; then the kinds that only
# offer template helpers. Names, not modules: the kinds import PageSpec from here.
KINDS = ("pages", "feeds", "calendar", "cards", "opendata", "admin", "sitemap", "addresses",
         "structured", "timeline", "topicmap", "pictures")


@lru_cache(maxsize=1)
def kinds() -> tuple[ModuleType, ...]:
    """The output kinds of KINDS, imported, in that order."""
    return tuple(importlib.import_module(f"{__package__}.{name}") for name in KINDS)
