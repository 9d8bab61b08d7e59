"""Nothing changed: answered from the stat of every input and output, without reading a file.

After a successful cached build the manifest store keeps one entry: a digest over every input
by path and stat (the content folder, the theme's search path, kaffee-site's own package with
its default theme and word catalogues, and the build's options) and one over every file of the
output folder (the search index included), with the build's warnings and file count. A later
build whose inputs and output give the same digests has nothing to do: it reports the same
warnings and writes nothing, and Pagefind does not run. Any difference (a saved file, a file
removed from the output, another option) is a normal build, which the graph keeps proportional.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import kaffee_site
from kaffee_site.errors import Problem
from kaffee_site.reuse.sources import manifest
from kaffee_site.reuse.store import Store, pack, unpack

_ENTRY = "last"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


class Manifest:
    def __init__(self, store: Store, options: Any, theme_folders: list[Path]):
        self.store = store
        self.output_dir = options.output_dir
        package = Path(kaffee_site.__file__).parent
        self.inputs = _digest(repr(options) + "\x1d" + manifest([options.content_dir, *theme_folders, package]))

    def outputs(self) -> str:
        return _digest(manifest([self.output_dir]))

    def unchanged(self) -> tuple[tuple[Problem, ...], int, dict[str, int]] | None:
        """(warnings, number of files, cache counts as all reused) of the last build if nothing
        changed since; else None."""
        entry = self.store.get(_ENTRY)
        if entry is None:
            return None
        try:
            inputs, outputs, warnings, total, totals = entry
            if inputs != self.inputs or outputs != self.outputs():
                return None
            stats = {"sessions": totals[0], "bodies": totals[1], "bodies_total": totals[1],
                     "pages": totals[2], "pages_total": totals[2]}
            return tuple(unpack(warnings)), int(total), stats
        except (TypeError, ValueError, KeyError, IndexError):
            return None

    def forget(self) -> None:
        if self.store.get(_ENTRY) is not None:
            self.store.drop(_ENTRY)
            self.store.save()

    def remember(self, warnings: tuple[Problem, ...], total: int, stats: dict[str, int] | None) -> list[str]:
        """After the build and its search index: what the next build compares with. Returns
        why it could not be saved (nothing when it was)."""
        stats = stats or {}
        totals = (stats.get("sessions_total", 0), stats.get("bodies_total", 0), stats.get("pages_total", 0))
        self.store.put(_ENTRY, (self.inputs, self.outputs(), pack(tuple(warnings)), total, totals))
        return [] if self.store.save() else [self.store.failure or str(self.store.path)]
