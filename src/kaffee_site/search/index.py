"""The full-text search index: Pagefind, run over the written archive, one part at a time.

Pagefind (PyPI `pagefind[extended]`, a self-contained binary: no network) reads the HTML pages
and writes a static index with German stemming into `pagefind/`, which the search page's script
queries in the browser. Only pages marked `data-pagefind-body` (sessions, topics, people) are
indexed, so list pages do not show up twice. The index is split into parts (parts.py).

`build` indexes the stage, before the stage becomes the output (publish/stage.py), so the pages and their
index are one build: if Pagefind fails, nothing changes. With the build cache (`memo`, `blobs`:
reuse/), a part is kept by the digest of what Pagefind reads of its pages (view.py) and of
Pagefind itself, and its files are kept by their bytes; a part none of whose pages changed is
linked from the current output or from the cache, so a fresh clone with the cache restored runs
Pagefind only for the parts of the pages it changed. `serve` indexes the live output between
rebuilds; there the finished index replaces `pagefind/` in one exchange of folders, so a failed
run leaves the previous index as it was.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from kaffee_site.digest import digest, file_stat
from kaffee_site.publish.exchange import exchange_folders
from kaffee_site.publish.lock import output_lock
from kaffee_site.publish.stage import SEARCH_DIR, Stage
from kaffee_site.publish.writer import KeptOutput, StagedOutput, safe_relative
from kaffee_site.outputs.kind import Output
from kaffee_site.search.pagefind import SearchIndexFailed, build_indexes, pagefind_binary
from kaffee_site.search.parts import PARTS_FILE, has_body, html_pages, page_url, part_folder, split
from kaffee_site.search.view import search_view

__all__ = ["INDEX_DIR", "SearchIndexFailed", "SearchStep", "update_search_index"]

INDEX_DIR = SEARCH_DIR
SCRATCH_DIR = ".kaffee-pagefind"
ENTRY = "pagefind-entry.json"
_INDEX_FOLDERS = ("fragment/", "index/", "filter/")  # with the entry and meta files: one part's index
_SERVE_KEPT = "the pages were written, the previous search index was kept"
_BUILD_KEPT = "the output folder was not changed"
# Pagefind's digest by its file's key (path and Stat), for the builds of one process: the same key
# the cache keeps it under, so a build with a new or no cache does not read 60 MB again
_TOOL_DIGESTS: dict[str, str] = {}


class SearchStep:
    """The search index of one build, written into its stage; `seconds` is how long Pagefind took
    (None when search is off or no part had to be indexed again). `memo` and `blobs` are the build
    cache's (reuse/memo.py, reuse/blobs.py); without them every part is indexed (`--no-cache`)."""

    def __init__(self, memo: Any = None, blobs: Any = None) -> None:
        self.memo, self.blobs = memo, blobs
        self.seconds: float | None = None

    def __call__(self, stage: Stage, enabled: bool) -> None:
        if not enabled:
            return  # the stage has no index: an old one goes with the swap
        started = time.perf_counter()
        if self.index(stage):
            self.seconds = time.perf_counter() - started

    def index(self, stage: Stage) -> bool:
        """Index the pages in a build's stage into its `pagefind/`; True if Pagefind ran."""
        views = {rel: self._view(stage, rel, key) for rel, key in stage.pages().items()}
        members = split({rel: body for rel, (body, _) in views.items()})
        if not members:
            return False  # no page to search: no index (Pagefind would refuse to make an empty one)
        binary = pagefind_binary()
        tool = self._tool(binary) if self.memo is not None else ""  # the parts' keys serve the cache only
        keys = {part: digest("search part", tool, str(part), *(f"{rel}\x1f{views[rel][1]}" for rel in pages))
                for part, pages in members.items()}
        items, stale = [], []
        for part in sorted(members):
            kept = self._kept(stage, part, keys[part])
            if kept is None:
                stale.append(part)
            else:
                items += kept
        with _disk_full_is_incomplete(stage.path, _BUILD_KEPT):
            stage.write(items, counted=False)
            made = _index_parts(binary, stale, members, lambda rel: stage.file(rel), _BUILD_KEPT)
            for part, files in made:
                placed = stage.place(Output(rel, data) for rel, data in files)
                self._remember(keys[part], placed)
            stage.write([Output(f"{INDEX_DIR}/{PARTS_FILE}", _listing(members))], counted=False)
        return bool(stale)

    def _view(self, stage: Stage, rel: str, key: str) -> tuple[bool, str]:
        """(whether the page has data-pagefind-body, the digest of what Pagefind reads of it)."""
        memo_key = digest("search view", key) if key and self.memo is not None else ""
        found = self.memo.get("view", memo_key) if memo_key else None
        if found is None:
            html = stage.file(rel).read_bytes()
            found = (has_body(html), search_view(html))
            if memo_key:
                self.memo.put("view", memo_key, found)
        return found[0], found[1]

    def _tool(self, binary: str) -> str:
        """Which Pagefind this is, by the digest of its bytes (found again only when its Stat changed);
        asked only with a cache, whose keys it is for.

        The binary is about 60 MB: its digest is kept in the cache and, for the builds one process
        runs (serve, a test suite), in `_TOOL_DIGESTS` under the same key."""
        stat = file_stat(os.path.realpath(binary))
        key = digest("search tool", binary, repr(stat))
        found = self.memo.get("tool", key)
        if found is None:
            found = _TOOL_DIGESTS.get(key)
            if found is None:
                try:
                    with open(binary, "rb") as handle:
                        found = digest(handle.read())
                except OSError:
                    return ""  # no part is kept: running it says what is wrong
            self.memo.put("tool", key, found)
        _TOOL_DIGESTS[key] = found
        return found

    def _kept(self, stage: Stage, part: int, key: str) -> list[KeptOutput] | None:
        """The part's files as the current output or the cache holds them; None if one is missing."""
        files = self.memo.get("part", key) if self.memo is not None and self.blobs is not None else None
        if not files:
            return None
        kept = []
        for inner, file_key in files:
            rel = f"{INDEX_DIR}/{part_folder(part)}{inner}"
            current = stage.current_stat(rel)  # None when the output has no such file (CI)
            if current is not None and self.blobs.noted_stat(file_key) == current:
                self.blobs.mark(file_key)
                kept.append(KeptOutput(rel, file_key))
            elif self.blobs.has(file_key):
                kept.append(KeptOutput(rel, file_key, self.blobs.path(file_key)))
            else:
                return None
        return kept

    def _remember(self, key: str, placed: list[StagedOutput]) -> None:
        if self.memo is None or self.blobs is None:
            return
        for item in placed:
            self.blobs.noted(item.digest, item.blob)
        if all(isinstance(item.blob, tuple) for item in placed):
            inner = len(INDEX_DIR) + 1
            self.memo.put("part", key, tuple((_in_part(item.path[inner:]), item.digest) for item in placed))


def _in_part(rel: str) -> str:
    """A file's name inside its part's folder."""
    return rel.split("/", 1)[1] if rel.startswith("part-") else rel


def _listing(members: dict[int, list[str]]) -> bytes:
    folders = [part_folder(part) for part in sorted(members)]
    return (json.dumps({"parts": folders[1:]}, separators=(",", ":")) + "\n").encode("utf-8")


def _index_parts(binary: str, stale: list[int], members: dict[int, list[str]], page: Any,
                 kept: str) -> Iterator[tuple[int, list[tuple[str, bytes]]]]:
    """Pagefind indexes each stale part (pages read from `page(rel)`); yields each part's files
    as (path inside the output, bytes)."""
    jobs = [[(page_url(rel), page(rel)) for rel in members[part]] for part in stale]
    for part, files in zip(stale, build_indexes(binary, jobs, kept)):
        if ENTRY not in files:
            raise SearchIndexFailed(f"pagefind finished but wrote no index; {kept}")
        own = []
        for name in sorted(files):
            inner = part_folder(part) + safe_relative(name).as_posix()  # never outside the index folder
            if _part_files(inner, part):
                own.append((f"{INDEX_DIR}/{inner}", files[name]))
        yield part, own


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


def update_search_index(output_dir: Path, enabled: bool) -> None:
    """Index the archive in `output_dir` anew (serve, between rebuilds), or remove a stale index
    when search is off. The new index replaces the old one in one exchange of folders."""
    with output_lock(output_dir):
        index = output_dir / INDEX_DIR
        if not enabled:
            shutil.rmtree(index, ignore_errors=True)
            return
        bodies = {}
        for rel in html_pages(_walk_pages(output_dir)):
            try:
                bodies[rel] = has_body((output_dir / rel).read_bytes())
            except OSError:
                continue  # gone meanwhile: Pagefind would not find it either
        members = split(bodies)
        if not members:
            shutil.rmtree(index, ignore_errors=True)
            return
        binary = pagefind_binary()
        fresh = output_dir / SCRATCH_DIR
        shutil.rmtree(fresh, ignore_errors=True)
        try:
            fresh.mkdir()
            with _disk_full_is_incomplete(fresh, _SERVE_KEPT):
                for _, files in _index_parts(binary, sorted(members), members, lambda rel: output_dir / rel,
                                             _SERVE_KEPT):
                    for rel, data in files:
                        _write_into(fresh, rel, data)
                _write_into(fresh, f"{INDEX_DIR}/{PARTS_FILE}", _listing(members))
            if index.is_dir() and not index.is_symlink():
                exchange_folders(fresh, index)  # fresh now holds the previous index
            else:
                index.unlink(missing_ok=True)
                fresh.rename(index)
        finally:
            shutil.rmtree(fresh, ignore_errors=True)


def _write_into(fresh: Path, rel: str, data: bytes) -> None:
    path = fresh / rel[len(INDEX_DIR) + 1:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


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


def _walk_pages(root: Path) -> list[str]:
    """The HTML files of a live output folder (hidden folders, links and the index skipped)."""
    found: list[str] = []
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
                    found.append(rel)
    return found


def _free_bytes(folder: Path) -> int | None:
    try:
        info = os.statvfs(folder)
    except OSError:
        return None
    return info.f_bavail * info.f_frsize
