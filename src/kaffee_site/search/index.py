"""The full-text search index: Pagefind, run over the written archive, one part at a time.

Pagefind (PyPI `pagefind[extended]`, a self-contained binary: no network) reads the HTML pages
and writes a static index with German stemming into `pagefind/`, which the search page's script
queries in the browser. Only pages marked `data-pagefind-body` (sessions, topics, people) are
indexed, so list pages do not show up twice. The index is split into parts (search_parts.py),
and a rebuild indexes again only the parts whose pages changed; the others stay as they are.

`build` indexes the stage, before the stage becomes the output (write.py), so the pages and
their index are one build: if Pagefind fails, nothing changes. `serve` indexes the live output
between rebuilds; there the finished index replaces `pagefind/` in one exchange of folders, so
a failed run leaves the previous index as it was.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from kaffee_site.publish.lock import output_lock
from kaffee_site.search.pagefind import SearchIndexFailed, build_indexes, identity, pagefind_binary
from kaffee_site.search.parts import (PARTS_FILE, Plan, Stat, entry_digest, html_pages, load_state,
                                               page_url, part_folder, plan, save_state)
from kaffee_site.publish.exchange import exchange_folders
from kaffee_site.publish.stage import SEARCH_DIR, Stage, safe_relative

__all__ = ["INDEX_DIR", "SearchIndexFailed", "SearchStep", "index_stage", "update_search_index"]

INDEX_DIR = SEARCH_DIR
SCRATCH_DIR = ".kaffee-pagefind"
ENTRY = "pagefind-entry.json"
_INDEX_FOLDERS = ("fragment/", "index/", "filter/")  # with the entry and meta files: one part's index
_SERVE_KEPT = "the pages were written, the previous search index was kept"
_BUILD_KEPT = "the output folder was not changed"


class SearchStep:
    """The search index of one build, written into its stage; `seconds` is how long Pagefind took
    (None when search is off or no part had to be indexed again). `state` is the file that says
    what the current index was made from (None: index everything, as `--no-cache` does)."""

    def __init__(self, state: Path | None = None) -> None:
        self.state = state
        self.seconds: float | None = None

    def __call__(self, stage: Stage, enabled: bool) -> None:
        if not enabled:
            return  # the stage has no index: an old one goes with the swap
        started = time.perf_counter()
        if index_stage(stage, self.state):
            self.seconds = time.perf_counter() - started


def index_stage(stage: Stage, state: Path | None = None) -> bool:
    """Index the pages in a build's stage into its `pagefind/`: the parts whose pages did not
    change stay linked to the current output's files. True if Pagefind ran."""
    rels = html_pages(stage.produced)
    binary = pagefind_binary()
    before = load_state(state)
    current = sorted(rel for rel in stage.writer.current if rel.startswith(INDEX_DIR + "/"))
    entries = _entries(stage.output / INDEX_DIR, before.entries if before else {})
    made = plan(stage.path, rels, {rel: _stat(stage.path / rel) for rel in rels}, identity(binary), before, entries)
    if not made.members:
        stage.prune()
        return False  # no page to search: no index (Pagefind would refuse to make an empty one)
    target = _StageTarget(stage, _BUILD_KEPT)
    _keep_fresh(target, made, current)
    stage.prune()  # no page or index file of an older build stays in the stage
    _index_parts(binary, made, stage.path, target)
    made.state.entries = _entries(stage.path / INDEX_DIR, made.members)
    save_state(state, made.state)
    return bool(made.stale)


def update_search_index(output_dir: Path, enabled: bool, state: Path | None = None) -> None:
    """Bring the index of the archive in `output_dir` up to date (serve), or remove a stale one
    when search is off."""
    with output_lock(output_dir):
        index = output_dir / INDEX_DIR
        if not enabled:
            shutil.rmtree(index, ignore_errors=True)
            return
        stats = _walk_pages(output_dir)
        rels = html_pages(stats)
        binary = pagefind_binary()
        before = load_state(state)
        entries = _entries(index, before.entries if before else {})
        made = plan(output_dir, rels, stats, identity(binary), before, entries)
        if not made.members:
            shutil.rmtree(index, ignore_errors=True)
            return
        if not made.stale:  # the index is right (the plan checked it is the one the state describes)
            made.state.entries = entries
            save_state(state, made.state)  # pages may have been written again with the same bytes
            return
        fresh = output_dir / SCRATCH_DIR
        shutil.rmtree(fresh, ignore_errors=True)
        try:
            current = sorted(f"{INDEX_DIR}/{p.relative_to(index).as_posix()}" for p in index.rglob("*")
                             if p.is_file() and not p.is_symlink()) if index.is_dir() and not index.is_symlink() else []
            target = _FolderTarget(output_dir, fresh, _SERVE_KEPT)
            fresh.mkdir()
            _keep_fresh(target, made, current)
            _index_parts(binary, made, output_dir, target)
            made.state.entries = _entries(fresh, made.members)
            if index.is_dir() and not index.is_symlink():
                exchange_folders(fresh, index)  # fresh now holds the previous index
            else:
                index.unlink(missing_ok=True)
                fresh.rename(index)
            save_state(state, made.state)
        finally:
            shutil.rmtree(fresh, ignore_errors=True)


# --- the parts ---------------------------------------------------------------------------


def _index_parts(binary: str, made: Plan, site: Path, target) -> None:
    """Pagefind indexes each stale part (pages read from `site`); its files go to `target`."""
    stale = sorted(made.stale)
    jobs = [[(page_url(rel), site / rel) for rel in made.members[part]] for part in stale]
    for part, files in zip(stale, build_indexes(binary, jobs, target.kept)):
        if ENTRY not in files:
            raise SearchIndexFailed(f"pagefind finished but wrote no index; {target.kept}")
        for name in sorted(files):
            inner = part_folder(part) + safe_relative(name).as_posix()  # never outside the index folder
            if _part_files(inner, part):
                target.put(f"{INDEX_DIR}/{inner}", files[name])
    listing = json.dumps({"parts": made.folders[1:]}, separators=(",", ":")) + "\n"
    target.put(f"{INDEX_DIR}/{PARTS_FILE}", listing.encode("utf-8"))


def _part_files(rel: str, part: int) -> bool:
    """Whether the index file `rel` (inside the index folder) belongs to part `part`'s own index.
    Part 0 also holds Pagefind's scripts and its WebAssembly, which every part shares."""
    prefix = part_folder(part)
    if not rel.startswith(prefix) or rel == PARTS_FILE:
        return False
    inner = rel[len(prefix):]
    if part == 0:
        return not inner.startswith("part-")
    return inner == ENTRY or inner.endswith(".pf_meta") or inner.startswith(_INDEX_FOLDERS)


def _keep_fresh(target, made: Plan, current: list[str]) -> None:
    """The index files of the parts that need no new run stay as they are."""
    fresh = [part for part in made.members if part not in made.stale]
    prefix = INDEX_DIR + "/"
    for rel in current:
        inner = rel[len(prefix):]
        if any(_part_files(inner, part) for part in fresh):
            target.keep(rel)


def _entries(index: Path, parts) -> dict[int, str]:
    """The digest of each part's entry file in the index folder (a missing one is left out)."""
    found = {}
    for part in parts:
        try:
            found[part] = entry_digest((index / part_folder(part) / ENTRY).read_bytes())
        except OSError:
            pass
    return found


class _StageTarget:
    """Index files go into a build's stage: unchanged ones as links to the current output."""

    def __init__(self, stage: Stage, kept: str):
        self.stage, self.kept = stage, kept

    def keep(self, rel: str) -> None:
        if not self.stage.writer.keep(rel):  # a file system without hard links
            self.put(rel, (self.stage.output / rel).read_bytes())
        self.stage.apart.add(rel)

    def put(self, rel: str, data: bytes) -> None:
        with _disk_full_is_incomplete(self.stage.path, self.kept):
            self.stage.writer.put(rel, data)
        self.stage.apart.add(rel)


class _FolderTarget:
    """Index files go into a new folder that then replaces the live index (serve)."""

    def __init__(self, output: Path, fresh: Path, kept: str):
        self.output, self.fresh, self.kept = output, fresh, kept

    def _path(self, rel: str) -> Path:
        path = self.fresh / rel[len(INDEX_DIR) + 1:]
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def keep(self, rel: str) -> None:
        path = self._path(rel)
        try:
            os.link(self.output / rel, path, follow_symlinks=False)
        except OSError:
            self.put(rel, (self.output / rel).read_bytes())

    def put(self, rel: str, data: bytes) -> None:
        with _disk_full_is_incomplete(self.fresh, self.kept):
            self._path(rel).write_bytes(data)


@contextmanager
def _disk_full_is_incomplete(folder: Path, kept: str) -> Iterator[None]:
    try:
        yield
    except OSError as err:
        if err.errno != errno.ENOSPC:
            raise
        free = _free_bytes(folder)
        raise SearchIndexFailed(f"the search index (pagefind) is incomplete: the disk is full "
                                f"({(free or 0) // 1024} KiB free); {kept}") from None


def _stat(path: Path) -> Stat:
    info = os.stat(path, follow_symlinks=False)
    return info.st_ino, info.st_size, info.st_mtime_ns


def _walk_pages(root: Path) -> dict[str, Stat]:
    """The HTML files of a live output folder with their stat (hidden folders and links skipped)."""
    found: dict[str, Stat] = {}
    pending = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if rel != INDEX_DIR:
                        pending.append((rel + "/", entry.path))
                elif entry.name.endswith(".html") and entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    found[rel] = (info.st_ino, info.st_size, info.st_mtime_ns)
    return found


def _free_bytes(folder: Path) -> int | None:
    try:
        info = os.statvfs(folder)
    except OSError:
        return None
    return info.f_bavail * info.f_frsize
