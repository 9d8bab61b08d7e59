"""Nothing changed: answered from the stat of every input and output, without reading a file.

After a successful cached build the manifest store keeps one entry: a digest over every input
by path and stat (the content folder, the theme's search path, kaffee-site's own package with
its default theme and word catalogues, and the build's options) and one over every file of the
output folder (the search index included), with the build's warnings and file count. A later
build whose inputs and output give the same digests has nothing to do: it reports the same
warnings and writes nothing, and Pagefind does not run. Any difference (a saved file, a file
removed from the output, another option) is a normal build, which the graph keeps proportional.

This module also says where the cache lives and what salts it, and it imports nothing heavy
(no Jinja, no markdown-it, no model): `build` asks it first, so a build that has nothing to do
costs the stat calls and Python's start, not the engine's imports.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Collection

import kaffee_site
from kaffee_site import clock
from kaffee_site.content.history import head
from kaffee_site.digest import digest, stat_of
from kaffee_site.errors import Problem
from kaffee_site.reuse.store import code_salt, read_store, write_store
from kaffee_site.themes import default_theme_folder

CACHE_DIR = ".kaffee-cache"
_ENTRY = "last"


def cache_folder(output_dir: Path) -> Path:
    return output_dir.resolve().parent / CACHE_DIR


def output_id(output_dir: Path) -> str:
    """Files that belong to one output folder carry this in their name."""
    return digest(str(output_dir.resolve()))[:12]


def manifest(folders: Collection[Path]) -> str:
    """Every entry under the folders (hidden ones, folders and links too: an editor may save
    anywhere, a link may lead out) by path, mode and Stat; Python's own `__pycache__` is left out."""
    parts = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in [*dirs, *sorted(files)]:
                full = os.path.join(root, name)
                try:
                    st = os.lstat(full)
                except OSError:
                    continue
                parts.append(f"{full}\x1f{st.st_mode}\x1f{stat_of(st)}")
    return "\x1e".join(parts)


class Manifest:
    """The stat digests of one build's inputs and output, kept after it succeeded."""

    def __init__(self, path: Path, options: Any, theme_folders: list[Path]):
        self.path, self.salt = path, code_salt()
        self.output_dir = options.output_dir
        package = Path(kaffee_site.__file__).parent
        # today too: what is upcoming, and which reports are still to come, depend on it (clock.py)
        # and the git history the reports' last changes come from (content/history.py)
        today = (options.today or clock.today()).isoformat()
        self.inputs = digest(repr(options), today, repr(head(options.content_dir)),
                             manifest([options.content_dir, *theme_folders, package]))
        self._entry: Any = None

    def outputs(self) -> str:
        return digest(manifest([self.output_dir]))

    def unchanged(self) -> tuple[tuple[Problem, ...], int, dict[str, int]] | None:
        """(warnings, number of files, cache counts as all reused) of the last build if nothing
        changed since; else None."""
        found = read_store(self.path, self.salt)
        try:
            inputs, outputs, warnings, total, totals = found[_ENTRY]  # type: ignore[index]
            if inputs != self.inputs or outputs != self.outputs():
                return None
            stats = {"sessions": totals[0], "bodies": totals[1], "bodies_total": totals[1],
                     "pages": totals[2], "pages_total": totals[2], "size": totals[3], "removed": 0}
            return tuple(Problem(*fields) for fields in warnings), int(total), stats
        except (TypeError, ValueError, KeyError, IndexError):
            return None

    def forget(self) -> None:
        """Before a build: until it succeeds, nothing counts as unchanged."""
        if os.path.lexists(self.path):
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def remember(self, warnings: tuple[Problem, ...], total: int, stats: dict[str, int] | None) -> list[str]:
        """After the build and its search index: what the next build compares with. Returns
        why it could not be saved (nothing when it was)."""
        stats = stats or {}
        totals = (stats.get("sessions_total", 0), stats.get("bodies_total", 0), stats.get("pages_total", 0),
                  stats.get("size", 0))
        plain = tuple((w.path, w.line, w.message, w.hint, w.severity) for w in warnings)
        failure = write_store(self.path, self.salt, {_ENTRY: (self.inputs, self.outputs(), plain, total, totals)})
        return [failure] if failure else []


def manifest_for(options: Any) -> Manifest:
    """The manifest of one build's options (an options.BuildOptions)."""
    path = cache_folder(options.output_dir) / f"inputs-{output_id(options.output_dir)}.marshal"
    return Manifest(path, options, [options.templates_dir, default_theme_folder()])
