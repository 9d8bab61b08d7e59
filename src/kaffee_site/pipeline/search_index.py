"""The full-text search index: Pagefind, run over the written archive.

Pagefind (PyPI `pagefind[extended]`, a self-contained binary: no network) reads the
HTML pages and writes a static index with German stemming into `pagefind/`, which the
search page's script queries in the browser. Only pages marked `data-pagefind-body`
(sessions, topics, people) are indexed, so list pages do not show up twice.

`build` runs it over the stage, before the stage becomes the output (write.py), so the
pages and their index are one build: if Pagefind fails, nothing changes. `serve` runs it over
the live output between rebuilds; there the finished index replaces `pagefind/` in one
exchange of folders, so a failed run leaves the previous index as it was.

The command-line entry point is used rather than the Python API: the API answers each request
after a 0.1 s poll, far too slow for thousands of pages, while one CLI run indexes a folder.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Callable

from kaffee_site.errors import FaultError
from kaffee_site.pipeline.lock import output_lock
from kaffee_site.pipeline.swap import exchange_folders
from kaffee_site.pipeline.write import SEARCH_DIR, Stage

INDEX_DIR = SEARCH_DIR
SCRATCH_DIR = ".kaffee-pagefind"
TIMEOUT_SECONDS = 600
_PR_SET_PDEATHSIG = 1
FULL_DISK_BYTES = 64 * 1024  # less free than this after a run: Pagefind's writes may have failed
_SERVE_KEPT = "the pages were written, the previous search index was kept"
_BUILD_KEPT = "the output folder was not changed"


class SearchIndexFailed(FaultError):
    """Pagefind could not build the index; the message says what was kept."""


class SearchStep:
    """The search index of one build, written into its stage; `seconds` is how long it took
    (None when search is off or the index could stay as it was)."""

    def __init__(self) -> None:
        self.seconds: float | None = None

    def __call__(self, stage: Stage, enabled: bool) -> None:
        if not enabled:
            return  # the stage has no index: an old one goes with the swap
        report = stage.report()
        if not report.removed and not any(rel.endswith(".html") for rel in report.changed) \
                and stage.has_current(f"{INDEX_DIR}/pagefind.js"):
            stage.carry(INDEX_DIR)  # no page Pagefind reads changed: the index is still right
            return
        started = time.perf_counter()
        index_stage(stage)
        self.seconds = time.perf_counter() - started


def index_stage(stage: Stage) -> None:
    """Index the pages in a build's stage into its `pagefind/`; unchanged index files stay linked."""
    stage.prune()  # no page of an older build may be indexed
    scratch = stage.path / SCRATCH_DIR
    _run_pagefind(stage.path, scratch, _BUILD_KEPT)
    try:
        files = _index_files(scratch, stage.path, _BUILD_KEPT)
        for made in files:
            rel = f"{INDEX_DIR}/{made.relative_to(scratch).as_posix()}"
            stage.writer.adopt(rel, made)
            stage.apart.add(rel)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def update_search_index(output_dir: Path, enabled: bool) -> None:
    """Index the archive in `output_dir` in place (serve), or remove a stale index when search is off."""
    with output_lock(output_dir):
        index = output_dir / INDEX_DIR
        if not enabled:
            shutil.rmtree(index, ignore_errors=True)
            return
        scratch = output_dir / SCRATCH_DIR
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            _run_pagefind(output_dir, scratch, _SERVE_KEPT)
            _index_files(scratch, output_dir, _SERVE_KEPT)
            if index.is_dir() and not index.is_symlink():
                exchange_folders(scratch, index)  # scratch now holds the previous index
            else:
                index.unlink(missing_ok=True)
                scratch.rename(index)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _index_files(scratch: Path, site: Path, kept: str) -> list[Path]:
    """The files Pagefind wrote, once they are known to be whole.

    Pagefind 1.5 exits with 0 even when its writes fail (a full disk leaves empty and cut-off
    files behind), so the index is checked: the entry file parses and names a meta file, every
    compressed file decompresses, no file is empty, and the disk was not full when it finished."""
    files = sorted(p for p in scratch.rglob("*") if p.is_file())
    if not any(p.name == "pagefind.js" for p in files):
        raise SearchIndexFailed(f"pagefind finished but wrote no index; {kept}")
    free = _free_bytes(scratch)
    if free is not None and free < FULL_DISK_BYTES:
        raise SearchIndexFailed(f"the search index (pagefind) is incomplete: the disk is full "
                                f"({free // 1024} KiB free); {kept}")
    damaged = _damaged(scratch, files)
    if damaged:
        raise SearchIndexFailed(f"the search index (pagefind) is incomplete: {damaged} is damaged; {kept}")
    return files


def _damaged(scratch: Path, files: list[Path]) -> str | None:
    try:
        entry = json.loads((scratch / "pagefind-entry.json").read_bytes())
        metas = [scratch / f"pagefind.{language['hash']}.pf_meta" for language in entry["languages"].values()]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "pagefind-entry.json"
    for path in (*files, *metas):
        try:
            data = path.read_bytes()
            if not data or (path.suffix.startswith(".pf_") or path.suffix == ".pagefind") and not _unzips(data):
                return path.relative_to(scratch).as_posix()
        except OSError:
            return path.relative_to(scratch).as_posix()
    return None


def _unzips(data: bytes) -> bool:
    stream = zlib.decompressobj(wbits=31)  # gzip
    try:
        stream.decompress(data)
    except zlib.error:
        return False
    return stream.eof  # a cut-off stream does not reach its end


def _free_bytes(folder: Path) -> int | None:
    try:
        info = os.statvfs(folder)
    except OSError:
        return None
    return info.f_bavail * info.f_frsize


def _pagefind_binary() -> str:
    """The binary shipped in the pagefind wheel (PAGEFIND_BINARY_PATH overrides it)."""
    try:
        from pagefind.service import get_executable  # imported here: a missing install gets a clear message
    except ImportError:
        raise SearchIndexFailed("pagefind is not installed: pip install 'pagefind[extended]', "
                                "or set 'search: false' in site.yaml") from None
    binary = get_executable()
    if binary is None:
        raise SearchIndexFailed("the pagefind binary is missing: reinstall 'pagefind[extended]', "
                                "or set 'search: false' in site.yaml")
    return str(binary)


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, Pagefind is killed when the build dies (even by SIGKILL): otherwise it would go
    on writing into a stage the next build is already using. Only in a process without threads
    (build, serve's indexer child), where running code between fork and exec is safe."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _run_pagefind(site_dir: Path, scratch: Path, kept: str) -> None:
    # Called directly, not through `python -m pagefind`: saves starting a second interpreter.
    command = [_pagefind_binary(), "--site", str(site_dir), "--output-path", str(scratch), "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                                stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent())
    except subprocess.TimeoutExpired:
        raise SearchIndexFailed(f"the search index (pagefind) took more than {TIMEOUT_SECONDS} s; {kept}") from None
    except OSError as err:
        raise SearchIndexFailed(f"cannot run pagefind ({command[0]}): {err.strerror}; {kept}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"exit code {result.returncode}"
        raise SearchIndexFailed(f"the search index (pagefind) failed: {reason}; {kept}")
