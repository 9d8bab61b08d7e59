"""What an output kind is, and where the render stage finds the kinds.

A module of this package is an output kind when it defines one or both of

    ORDER = 30                          # where its outputs stand in the render plan
    def plan(site, planned) -> list[PageSpec]   # its outputs; `planned`: the kinds' before it
    def template_globals(site) -> dict  # names its templates may call ('feed_entries', ...)

The render stage (render/render.py) asks every kind found here, in ORDER, so a new kind of
output is one new file in outputs/ and no other module changes. Modules without either (pagination,
year pages' geometry) are helpers of the kinds.
"""

from __future__ import annotations

import importlib
import pkgutil
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


@lru_cache(maxsize=1)
def kinds() -> tuple[ModuleType, ...]:
    """Every output kind of this package: the planning ones in ORDER, then those that only
    offer template helpers, each group by module name (a fixed order, so the plan is too)."""
    package = importlib.import_module(__package__)
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name == "kind":
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        if hasattr(module, "plan") or hasattr(module, "template_globals"):
            found.append(module)
    return tuple(sorted(found, key=lambda m: (getattr(m, "ORDER", 1000), m.__name__)))
