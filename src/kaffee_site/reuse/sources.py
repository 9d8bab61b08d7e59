"""The content folder as last read: the engine's one loader, built on load.py's per-file API.

A file is read again only when its stat signature changed (or the watcher named it), so a
warm engine (`serve`) reads one file per save; a cold one (`build`, `check`) reads them all,
through the same code. Whether anything at all changed since the last successful run is
manifest.py's question, answered before this module is even imported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Collection

from kaffee_site.config import CONFIG_FILE
from kaffee_site.errors import ContentError, Diagnostics, Problem
from kaffee_site.content import load
from kaffee_site.content.active_media import media_problems
from kaffee_site.digest import Stat, stat_of

Signature = Stat


def signature(path: Path) -> Signature | None:
    try:
        return stat_of(path.stat())
    except OSError:
        return None


class Sources:
    """Reads the content folder, remembering each file by its stat signature."""

    def __init__(self, content_dir: Path, cache: Any = None):
        self.content_dir = content_dir
        self.root = str(content_dir)
        self.cache = cache  # front matter by content hash (cache.BuildCache)
        self._files: dict[str, tuple[Signature | None, load.SourceDoc | Problem]] = {}
        self._media: dict[str, tuple[Signature | None, list[Problem]]] = {}
        self._kinds: dict[str, tuple[Path, str]] = {}  # rel -> (path, kind) as the last scan found it
        self._config: tuple[Signature | None, Any, str, tuple[Problem, ...]] | None = None
        self.changed: set[str] = set()  # paths inside the content folder read anew by the last load()

    def load(self, diag: Diagnostics, force: Collection[str] = ()) -> load.Content:
        """The Content `load.load_content` gives; files named in `force` are read again."""
        self._load_config(diag, CONFIG_FILE in force)
        docs, seen, changed = [], set(), set()
        # load's own listing, so every run sees (and refuses) exactly the files build does
        found = load.scan_content(self.content_dir, self.root)
        for problem in found.problems:
            diag.add(problem)
        real_root = os.path.realpath(self.content_dir)
        for path, kind, rel in found.sources:
            seen.add(rel)
            self._kinds[rel] = (path, kind)
            sig = signature(path)
            cached = self._files.get(rel)
            if cached is None or cached[0] != sig or rel in force:
                cached = (sig, self._read(path, kind, rel, real_root))
                self._files[rel] = cached
                changed.add(rel)
            if isinstance(cached[1], Problem):
                diag.add(cached[1])
            else:
                docs.append(cached[1])
        for rel in found.media:  # checked here, so a build refuses what check does (active_media.py)
            for problem in self._media_problems(rel, real_root, f"media/{rel}" in force):
                diag.add(problem)
        for rel in set(self._media) - set(found.media):
            del self._media[rel]
        for rel in set(self._files) - seen:
            del self._files[rel]
            changed.add(rel)
        self.changed = changed
        _, config, digest, _ = self._config  # type: ignore[misc]
        return load.Content(config, digest, tuple(docs), found.media)

    def doc(self, rel: str) -> load.SourceDoc | None:
        """The file `rel` as the last load read it (None when not held)."""
        found = self._files.get(rel)
        return found[1] if found and isinstance(found[1], load.SourceDoc) else None

    def _media_problems(self, rel: str, real_root: str, force: bool) -> list[Problem]:
        """A medium's problems, read again only when its stat signature changed."""
        path = load.media_source(self.content_dir, rel)
        sig = signature(path)
        cached = self._media.get(rel)
        if cached is None or cached[0] != sig or force:
            display = load.display_path(self.root, f"media/{rel}")
            cached = self._media[rel] = (sig, media_problems(display, rel, path, real_root))
        return cached[1]
    def reread(self, rel: str) -> load.SourceDoc | None:
        """The file `rel` read again now (serve's saved file), or None if it cannot be read."""
        known = self._kinds.get(rel)
        if known is None:
            return None
        found = self._read(known[0], known[1], rel, os.path.realpath(self.content_dir))
        return found if isinstance(found, load.SourceDoc) else None

    def _read(self, path: Path, kind: str, rel: str, real_root: str) -> load.SourceDoc | Problem:
        display = load.display_path(self.root, rel)
        try:
            return load.read_source(load.read_inside(path, real_root), kind, rel, display, self.cache)
        except ContentError as err:
            return err.problem
        except OSError as err:
            return Problem(display, None, f"cannot read the file: {err.strerror}")

    def _load_config(self, diag: Diagnostics, force: bool) -> None:
        sig = signature(self.content_dir / CONFIG_FILE)
        if self._config is None or self._config[0] != sig or force:
            own = Diagnostics()
            config, digest = load.load_config(self.content_dir, self.root, own)
            self._config = (sig, config, digest, own.problems)
        for problem in self._config[3]:
            diag.add(problem)
