"""Keeps `serve`'s search index fresh: Pagefind runs once saves have been quiet for a moment.

It indexes the pages in the output folder the way a build indexes its stage (search/index.py).
Pagefind takes a while, so it runs in a child
process of its own (a new session, at a lower priority): rebuilds keep the CPU the editor is
waiting for, and `stop()` ends Pagefind with the server instead of leaving it running. It
never overlaps a full write of the output folder (`lock`), so a save stops a run under way
(postpone): the rebuild goes first, the index follows once saves are quiet again. A failure
is reported and the next rebuild tries again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from kaffee_site.search.index import update_search_index

DELAY = 2.0  # seconds of quiet before the index is brought up to date

_CHILD = """
import os, sys
from pathlib import Path
from kaffee_site.errors import KaffeeError
from kaffee_site.search.index import update_search_index
if hasattr(os, "nice"):
    os.nice(10)
try:
    update_search_index(Path(sys.argv[1]), True)
except KaffeeError as err:
    print(err, file=sys.stderr)
    sys.exit(1)
"""


class SearchIndexer:
    def __init__(self, output_dir: Path, lock: threading.Lock, failed: Callable[[str], None]):
        self.output_dir = output_dir
        self.lock = lock
        self.failed = failed
        self._wake = threading.Condition()
        self._due: float | None = None
        self._enabled = False
        self._stopping = False
        self._child: subprocess.Popen | None = None
        self._cancelled = False  # the running child was stopped by postpone()

    def request(self, enabled: bool) -> None:
        """A rebuild wrote files: index them after DELAY seconds without another request."""
        with self._wake:
            self._due, self._enabled = time.monotonic() + DELAY, enabled
            self._wake.notify_all()

    def postpone(self) -> None:
        """A save came in: the rebuild it starts must not wait for Pagefind, which holds the
        output folder while it runs (seconds at 10,000 sessions; saves queued behind it for a
        minute). A run that is due waits DELAY again; one under way is stopped, and runs anew
        once saves are quiet (what it did is redone: the index is written whole or not at all)."""
        with self._wake:
            if self._due is not None:
                self._due = time.monotonic() + DELAY
            child = self._child
            if child is not None and child.poll() is None:
                self._cancelled = True
                _end(child)

    def run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._due is not None or self._stopping)
                while not self._stopping and self._due and time.monotonic() < self._due:
                    self._wake.wait(self._due - time.monotonic())
                if self._stopping:
                    return
                self._due, enabled = None, self._enabled
            with self.lock:
                if not enabled:
                    update_search_index(self.output_dir, False)  # removes a stale index, nothing to run
                else:
                    self._index()

    def _index(self) -> None:
        with self._wake:
            if self._stopping:
                return
            self._child = subprocess.Popen([sys.executable, "-c", _CHILD, str(self.output_dir)],
                                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.PIPE, text=True, start_new_session=True)
        _, err = self._child.communicate()
        code, self._child = self._child.returncode, None
        with self._wake:
            cancelled, self._cancelled = self._cancelled, False
            if cancelled and not self._stopping:  # stopped for a save: again once saves are quiet
                if self._due is None:
                    self._due = time.monotonic() + DELAY
                return
        if code != 0 and not self._stopping:
            lines = err.strip().splitlines()
            self.failed(lines[-1] if lines else f"the search indexer stopped with exit code {code}")

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
            child = self._child
        if child is not None and child.poll() is None:
            _end(child)


def _end(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGTERM)  # Pagefind too: it runs in the child's session
    except ProcessLookupError:
        pass
