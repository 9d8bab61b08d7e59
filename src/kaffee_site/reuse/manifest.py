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

import functools
import hashlib
import importlib.metadata
import marshal
import os
import sys
from pathlib import Path
from typing import Any, Collection

import kaffee_site
from kaffee_site.errors import Problem
from kaffee_site.reuse.store import Store
from kaffee_site.themes import default_theme_folder

CACHE_DIR = ".kaffee-cache"
_FORMAT = 3  # the layout of what the stores hold; a new one starts every cache afresh
_ENTRY = "last"
# The libraries whose output a cached entry holds (distribution names): an upgrade starts afresh.
_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "Jinja2", "PyYAML")


def _digest(*parts: str) -> str:
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=20).hexdigest()


def cache_folder(output_dir: Path) -> Path:
    return output_dir.resolve().parent / CACHE_DIR


def output_id(output_dir: Path) -> str:
    """Stores that belong to one output folder carry this in their name."""
    return _digest(str(output_dir.resolve()))[:12]


@functools.lru_cache(maxsize=1)
def code_salt() -> str:
    """kaffee-site's version and source, the libraries it renders with, the Python running it."""
    package = Path(kaffee_site.__file__).parent
    source = hashlib.blake2b(digest_size=20)
    # the Python source, and the scripts a build copies out of the package (cms/admin.js)
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.js")]):
        source.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    versions = [importlib.metadata.version(name) for name in _LIBRARIES]
    return _digest(str(_FORMAT), kaffee_site.__version__, source.hexdigest(), sys.version, str(marshal.version),
                   *versions)


def manifest(folders: Collection[Path]) -> str:
    """Every entry under the folders (hidden ones, folders and links too: an editor may save
    anywhere, a link may lead out) by path and lstat; Python's own `__pycache__` is left out."""
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
                parts.append(f"{full}\x1f{st.st_mode}\x1f{st.st_size}\x1f{st.st_mtime_ns}\x1f{st.st_ino}")
    return "\x1e".join(parts)


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
            return tuple(Problem(*fields) for fields in warnings), int(total), stats
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
        plain = tuple((w.path, w.line, w.message, w.hint, w.severity) for w in warnings)
        self.store.put(_ENTRY, (self.inputs, self.outputs(), plain, total, totals))
        return [] if self.store.save() else [self.store.failure or str(self.store.path)]


def manifest_for(options: Any) -> Manifest:
    """The manifest of one build's options (an options.BuildOptions)."""
    store = Store(cache_folder(options.output_dir) / f"inputs-{output_id(options.output_dir)}.marshal", code_salt())
    return Manifest(store, options, [options.templates_dir, default_theme_folder()])
