"""Use every core: render Markdown bodies and pages in worker processes when it pays.

The engine's executor, beside it above the stages: a worker renders bodies (link/), pages
(render/) and records what a page read (reuse/), and puts the page into the stage (publish/).

Python runs one thread of Python at a time, so the two expensive steps (markdown-it on each
body, Jinja on each page) are spread over processes. Workers are forked, so they start in
milliseconds and already hold the Site and the compiled theme (nothing big is pickled on the
way in); chunks come back in order, so the output is the same, byte for byte, as a build in
one process. Small archives, a single core, or a process that already runs threads (forking
those is unsafe, e.g. under `serve`) take the plain path in this process.

Given the stage's writer, pages are put into the stage where they are rendered (StageWriter.place),
in the workers too, and only each page's path and what became of it (writer.StagedOutput) comes back:
the build process never receives every page's bytes to write them alone while the workers wait.

The workers are forks.py's: each has pipes of its own, so one that dies ends the build at once
with one message and none can keep a build waiting. A worker dies with its build (on Linux,
PR_SET_PDEATHSIG), so a build killed with SIGKILL leaves no worker behind to write into a stage
the next build uses. Ctrl-C is the build's to handle: its workers ignore SIGINT.

`KAFFEE_SITE_JOBS=N` sets the number of processes (1: never fork); with N > 1 even a small
archive is spread, which the tests use to compare both paths. `KAFFEE_SITE_WORKER_LIFE=N` replaces
workers after N items (and chunks are never larger): a test meets in seconds the hundreds of
worker replacements a build of 10,000 sessions goes through.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from kaffee_site.link.link import BodyJob, render_bodies_here
from kaffee_site.markdown.body import Body, LinkContext
from kaffee_site.publish.writer import StageWriter
from kaffee_site.render.recording import render_recorded
from kaffee_site.render.render import render_page
from kaffee_site.forks import fork_map

# Below these, forking and sending results back costs more than the work (measured: a body
# takes 2–4 ms to render, a page 1–2 ms; a fork plus a pickled result about 5 ms per chunk).
MIN_BODIES = 200
MIN_PAGES = 300
CHUNK = 32
# A forked worker shares the build's memory until it writes to it: every object it reads has its
# reference count changed, every page it allocates into (the build's heap has free places all
# over) is copied. So a long-lived worker ends up with a copy of much of the Site (80 MiB each
# at 3,000 sessions, measured); one replaced after this many items copies only what those read.
WORKER_LIFE = 640

_STATE: dict[str, Any] = {}  # what forked workers inherit: set just before the pool starts


def workers(items: int, minimum: int) -> int:
    """How many processes to use for `items` pieces of work (1 = here, no fork)."""
    setting = os.environ.get("KAFFEE_SITE_JOBS", "").strip()
    if setting.isdigit() and int(setting) >= 1:
        wanted, forced = int(setting), True
    else:
        wanted, forced = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1), False
    if wanted < 2 or items < 2 or (not forced and items < minimum):
        return 1
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return min(wanted, items)


def worker_life() -> int:
    """How many items a worker renders before a fresh fork replaces it (see WORKER_LIFE)."""
    setting = os.environ.get("KAFFEE_SITE_WORKER_LIFE", "").strip()
    return int(setting) if setting.isdigit() and int(setting) >= 1 else WORKER_LIFE


def _chunk_size(items: int, processes: int) -> int:
    """Chunks of at most CHUNK items, four for every process at least, never more than a worker's life."""
    return max(1, min(CHUNK, worker_life(), items // (processes * 4) or 1))


def _chunks(count: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def _pool_map(func: Any, count: int, processes: int, size: int) -> Iterator[Any]:
    """Results of func((start, stop)) over [0, count) in order, from forked workers (forks.py).

    Only a few chunks are in flight at once: results wait here until the caller takes them,
    so rendering can never run far ahead of writing and pile up pages in memory. After
    worker_life() items a worker is replaced by a fresh fork (see WORKER_LIFE)."""
    try:
        yield from fork_map(func, _chunks(count, size), processes, max(1, worker_life() // size), prepare=_trim)
    finally:
        _STATE.clear()


def _trim() -> None:
    """Hand the C heap's free pages back to the system before forking (glibc's malloc_trim).

    Text freed since the last fork (the raw files, a stage's results) stays mapped otherwise:
    counted in this process and every worker, and copied by the first worker that allocates there."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):
            pass


# --- bodies ---------------------------------------------------------------------------------

def _bodies_chunk(bounds: tuple[int, int]) -> list[Body]:
    start, stop = bounds
    return render_bodies_here(_STATE["jobs"][start:stop], _STATE["ctx"])


def render_bodies_parallel(jobs: Sequence[BodyJob], ctx: LinkContext) -> list[Body]:
    """A BodyRenderer for link_site: the same bodies as render_bodies_here, on every core."""
    processes = workers(len(jobs), MIN_BODIES)
    if processes == 1:
        return render_bodies_here(jobs, ctx)
    _STATE.update(jobs=list(jobs), ctx=ctx)
    size = _chunk_size(len(jobs), processes)
    bodies: list[Body] = []
    for part in _pool_map(_bodies_chunk, len(jobs), processes, size):
        bodies.extend(part)
    return bodies


# --- pages ----------------------------------------------------------------------------------

def _render_one(site: Any, theme: Any, spec: Any, record: bool, writer: StageWriter | None) -> tuple[Any, frozenset]:
    if record:
        output, reads = render_recorded(render_page, site, theme, spec)
    else:
        output, reads = render_page(site, theme, spec), frozenset()
    return (output if writer is None else writer.place(output)), reads


def _pages_chunk(bounds: tuple[int, int]) -> list[tuple[Any, frozenset]]:
    start, stop = bounds
    site, theme, record, writer = _STATE["site"], _STATE["theme"], _STATE["record"], _STATE["writer"]
    return [_render_one(site, theme, spec, record, writer) for spec in _STATE["specs"][start:stop]]


def page_renderer(site: Any, theme: Any, writer: StageWriter | None = None):
    """render(specs, record) -> iterator of (Output, reads) in the order of `specs`.

    With `record`, `reads` names what the page read from the Site and the theme (graph.py);
    otherwise it is empty. With a `writer`, every page comes back as writer.StagedOutput: already in
    the stage.
    """
    def render(specs: Sequence[Any], record: bool) -> Iterator[tuple[Any, frozenset]]:
        processes = workers(len(specs), MIN_PAGES)
        if processes == 1:
            for spec in specs:
                yield _render_one(site, theme, spec, record, writer)
            return
        _warm(theme, specs)
        _STATE.update(site=site, theme=theme, specs=list(specs), record=record, writer=writer)
        size = _chunk_size(len(specs), processes)
        for part in _pool_map(_pages_chunk, len(specs), processes, size):
            yield from part
    return render


def _warm(theme: Any, specs: Sequence[Any]) -> None:
    """Compile the templates once here, so the workers inherit them instead of each compiling."""
    for name in sorted({spec.template for spec in specs if spec.template and spec.producer is None}):
        try:
            theme.env.get_template(name)
        except Exception:  # noqa: BLE001 - the render itself reports template problems properly
            pass


@contextmanager
def few_gc_pauses() -> Iterator[None]:
    """Collect cycles rarely while building.

    A build allocates millions of short-lived tokens while it keeps a large model alive;
    with the default thresholds the cycle collector walks that model again and again
    (measured: markdown rendering of 2,000 bodies took twice as long with it). Nothing in a
    build creates garbage cycles worth collecting early, so raise the thresholds, and restore them.
    """
    before = gc.get_threshold()
    gc.set_threshold(200_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
