"""The full-text search index: Pagefind, run over the written archive.

Pagefind (PyPI `pagefind[extended]`, a self-contained binary: no network) reads the
HTML pages and writes a static index with German stemming into `pagefind/`, which the
search page's script queries in the browser. Only pages marked `data-pagefind-body`
(sessions, topics, people) are indexed, so list pages do not show up twice.

It runs after the write stage, into a scratch folder inside the output; only a complete
index replaces `pagefind/` (through the same careful writer as every page), so a failed
run leaves the previous index as it was. The command-line entry point is used rather
than the Python API: the API answers each request after a 0.1 s poll, far too slow for
thousands of pages, while one CLI run indexes a whole folder.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from kaffee_site.errors import KaffeeError
from kaffee_site.pipeline.render import Output
from kaffee_site.pipeline.write import WriteReport, write_output

INDEX_DIR = "pagefind"
SCRATCH_DIR = ".kaffee-pagefind"
TIMEOUT_SECONDS = 600


class SearchIndexFailed(KaffeeError):
    """Pagefind could not build the index; the pages are written, the old index is kept."""


def update_search_index(output_dir: Path, enabled: bool) -> WriteReport | None:
    """Index the archive in `output_dir` (or remove a stale index when search is off)."""
    if not enabled:
        shutil.rmtree(output_dir / INDEX_DIR, ignore_errors=True)
        return None
    scratch = output_dir / SCRATCH_DIR
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        _run_pagefind(output_dir, scratch)
        files = sorted(p for p in scratch.rglob("*") if p.is_file())
        if not any(p.name == "pagefind.js" for p in files):
            raise SearchIndexFailed(f"{output_dir}: pagefind finished but wrote no index")
        outputs = [Output(p.relative_to(scratch).as_posix(), source=p) for p in files]
        return write_output(outputs, output_dir / INDEX_DIR)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


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


def _run_pagefind(site_dir: Path, scratch: Path) -> None:
    # Called directly, not through `python -m pagefind`: saves starting a second interpreter.
    command = [_pagefind_binary(), "--site", str(site_dir), "--output-path", str(scratch), "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                                stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise SearchIndexFailed(f"the search index (pagefind) took more than {TIMEOUT_SECONDS} s; "
                                "the pages were written, the previous search index was kept") from None
    except OSError as err:
        raise SearchIndexFailed(f"cannot run pagefind ({command[0]}): {err.strerror}; "
                                "the pages were written, the previous search index was kept") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"exit code {result.returncode}"
        raise SearchIndexFailed(f"the search index (pagefind) failed: {reason}; "
                                "the pages were written, the previous search index was kept")
