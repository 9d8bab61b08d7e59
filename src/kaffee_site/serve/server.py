"""`kaffee-site serve`: build, serve the output over HTTP, rebuild on every save, reload the browser.

The server is a thin loop around a warm build engine (engine.py): a watchdog observer on
the content and template folders feeds a worker thread that waits for a burst of saves to
settle (DEBOUNCE) and then rebuilds once. A failed rebuild keeps the last good output served
and shows its problems in the browser (livereload.py). The HTTP handler serves only regular
files inside the output folder, under `base_url`'s path as well as at `/`. This module never
prints: it tells the caller through `report(event)`. It writes into the content folder only
what the editor saves through its local backend (cms_backend.py, with `cms:` in site.yaml).
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from watchdog.observers import Observer

from kaffee_site.config import SiteConfig
from kaffee_site.i18n import DEFAULT_LANGUAGE
from kaffee_site.serve import livereload
from kaffee_site.serve.building import BuildingAnswers
from kaffee_site.engine import Engine, RebuildResult
from kaffee_site.publish.folders import OUTPUT_MARKER, check_folders
from kaffee_site.options import BuildOptions
from kaffee_site.errors import Diagnostics, KaffeeError, Problem, UsageError
from kaffee_site.content.load import load_config
from kaffee_site.review import Review
from kaffee_site.serve.cms_backend import CmsEndpoint
from kaffee_site.serve.indexer import SearchIndexer
from kaffee_site.serve.http import bind
from kaffee_site.serve.watch import Watch, WatchForFolder

DEBOUNCE = 0.1  # seconds without a new event before a rebuild starts
MAX_INTERRUPTIONS = 5  # rebuilds in a row that may stop early for newer saves


@dataclass(frozen=True)
class Serving:
    url: str
    editor: str | None = None  # the admin page, when site.yaml has `cms:`


@dataclass(frozen=True)
class Rebuilt:
    result: RebuildResult


@dataclass(frozen=True)
class SearchFailed:
    message: str


Event = Serving | Rebuilt | SearchFailed
Reporter = Callable[[Event], None]


class DevServer:
    """Build, then serve and rebuild until `stop()` (or Ctrl-C in `wait()`)."""

    def __init__(self, options: BuildOptions, host: str = "127.0.0.1", port: int = 8000,
                 report: Reporter = lambda event: None):
        check_folders(options)
        if not options.content_dir.is_dir():
            raise UsageError(f"{options.content_dir}: the content folder does not exist")
        self.options = options
        self.report = report
        self.state = livereload.BuildState()
        self.output_lock = threading.Lock()  # a full write and the search index never run at once
        self.engine = Engine(options, warm=True)
        self.engine.review = Review(options)  # after every save, the problems `check` reports
        self.cms = CmsEndpoint(options.content_dir, options.output_dir, self._cms_settings, lambda: self.base_path,
                               self._page_of)
        self.http = bind(host, port, self)
        self._pending: set[Path] = set()
        self._last_event = 0.0
        self._wake = threading.Condition()
        self._stopping = False
        self.indexer = SearchIndexer(options.output_dir, self.output_lock, lambda text: report(SearchFailed(text)))
        self._interruptions = 0
        self._output_names: frozenset[str] = frozenset()  # the output's top level after the last good rebuild
        self._restoring = ""  # the build version after which a deleted output was asked back
        self._threads: list[threading.Thread] = []
        self._observer = Observer()
        self._watched: set[Path] = set()  # folders watched (recursively)
        self._awaiting: set[Path] = set()  # parents watched for a folder to appear

    @property
    def url(self) -> str:
        host, port = self.http.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}{self.base_path}"

    @property
    def base_path(self) -> str:
        """base_url's path: the last good build's, or before one succeeded, site.yaml's own."""
        config = self._config()
        return config.base_path if config else "/"

    def _config(self) -> SiteConfig | None:
        """The last good build's settings, or before one succeeded, site.yaml's own (None if broken)."""
        if self.engine.site is not None:
            return self.engine.site.config
        try:  # a session with an error does not hide where the archive lives
            return load_config(self.options.content_dir, "", Diagnostics())[0]
        except (KaffeeError, OSError):  # site.yaml itself broken or unreadable: the default
            return None

    def _cms_settings(self):
        """site.yaml's `cms:` as the last good build read it (or site.yaml now, before one)."""
        config = self._config()
        return config.cms if config else None

    def _page_of(self, rel: str) -> str | None:
        """The address of the page a content file (rel path) makes in the last good build."""
        site = self.engine.site
        if site is None:
            return None
        for record in (*site.sessions, *site.topics, *site.people, *site.organisations, *site.pages):
            if record.rel == rel:
                return site.config.url(record.url_path)
        return None

    def output_damaged(self) -> bool:
        """Whether the output folder was deleted or emptied from outside: then it is written whole."""
        names = _top_names(self.options.output_dir)
        return names is None or OUTPUT_MARKER not in names or not self._output_names <= names

    def not_found(self) -> None:
        """A request found no file: if the output was deleted from outside since the last good
        build, one full rebuild brings it back (once per published build, not once per request:
        a polling page would otherwise keep interrupting it). Not while a full write or the
        search index runs: their folder swaps are no damage."""
        if self.engine.site is None or self.state.failed or self.output_lock.locked() or not self.output_damaged():
            return
        with self._wake:
            if self._restoring == self.state.version:
                return
            self._restoring = self.state.version
        self.changed([self.options.output_dir])

    def start(self) -> None:
        """The first build, then the watcher, the rebuild worker and the HTTP threads.

        The first build runs before any thread, so it may fork workers on every core (see
        parallel.py); meanwhile a process of its own answers requests with a page saying so
        (building.py). A second look once the watcher runs catches files saved meanwhile."""
        config = self._config()
        self.report(Serving(self.url, self.url + "admin/" if config and config.cms else None))
        answers = BuildingAnswers(self.http, livereload.building_page(config.language if config else DEFAULT_LANGUAGE))
        try:  # the build's outcome is told once this process answers (a request then gets the archive)
            self._rebuild((), ready=lambda: self._answer_here(answers))
        finally:
            self._answer_here(answers)
        self._watch_folders()
        self._observer.start()
        self._rebuild((), report=False)
        for target in (self._rebuild_loop, self.indexer.run):
            self._thread(target)

    def _answer_here(self, answers: BuildingAnswers) -> None:
        """The process that answered during the first build ends; this one's HTTP thread takes over."""
        answers.stop()
        if not self._threads:
            self._thread(self._serve_http)

    def _thread(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, daemon=True, name=f"kaffee{target.__name__}")
        thread.start()
        self._threads.append(thread)

    def wait(self) -> None:
        """Block until stopped; Ctrl-C (KeyboardInterrupt) arrives here in the main thread."""
        while not self._stopping:
            time.sleep(0.2)

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        self.state.close()
        self.indexer.stop()
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._threads:  # shutdown() waits for serve_forever, which runs only once started
            self.http.shutdown()
        self.http.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _serve_http(self) -> None:
        self.http.serve_forever(poll_interval=0.1)  # how long stop() may wait for it

    # --- rebuilding ------------------------------------------------------------------

    def changed(self, paths: Iterable[Path]) -> None:
        """Called by the watcher for every relevant event."""
        self.indexer.postpone()  # the rebuild goes first; the search index follows when saves are quiet
        with self._wake:
            self._pending.update(paths)
            self._last_event = time.monotonic()
            self._wake.notify_all()

    def _rebuild_loop(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._pending or self._stopping)
                # a burst of saves (editors write, rename, touch) becomes one rebuild
                while not self._stopping and time.monotonic() - self._last_event < DEBOUNCE:
                    self._wake.wait(DEBOUNCE - (time.monotonic() - self._last_event))
                if self._stopping:
                    return
                paths, self._pending = self._pending, set()
            if not self._rebuild(paths):
                with self._wake:  # interrupted by newer saves: its paths go into the next rebuild
                    self._pending |= paths

    def _watch_folders(self) -> None:
        """Watch the content and templates folders; a templates folder that is not there yet (an
        archive without overrides) is awaited in its parent, and watched once it appears."""
        for folder in (self.options.content_dir, self.options.templates_dir):
            key = folder.resolve()
            if key in self._watched:
                continue
            if folder.is_dir():
                self._observer.schedule(Watch(self), str(folder), recursive=True)
                self._watched.add(key)
            elif folder.resolve().parent.is_dir() and key.parent not in self._awaiting:
                self._observer.schedule(WatchForFolder(self, folder), str(key.parent), recursive=False)
                self._awaiting.add(key.parent)

    def _rebuild(self, paths: Iterable[Path], report: bool = True, ready: Callable[[], None] = lambda: None) -> bool:
        """One rebuild; False if newer saves interrupted it after the edited pages were written.
        `ready()` runs once the outcome is known, before anyone is told."""
        started = time.perf_counter()
        if self._awaiting:  # a templates/ folder may have appeared since
            self._watch_folders()
        # A rebuild gives way to newer saves (the editor sees each save's page at once), but
        # not forever: after MAX_INTERRUPTIONS in a row it runs to its end.
        may_stop = self._interruptions < MAX_INTERRUPTIONS
        try:
            result = self.engine.rebuild(list(paths), full=self.output_damaged(), write_lock=self.output_lock,
                                         interrupted=lambda: may_stop and bool(self._pending))
            if result.ok and not result.interrupted:
                self._output_names = _top_names(self.options.output_dir) or frozenset()
        except KaffeeError as err:
            result = RebuildResult(False, (Problem(str(self.options.content_dir), None, str(err)),))
        except Exception:  # a bug must not end the preview: say what happened, keep serving
            detail = traceback.format_exc(limit=-3).strip().splitlines()
            problem = Problem("kaffee-site", None, "internal error: " + " | ".join(detail[-3:]),
                              "please report this with the file you just saved")
            result = RebuildResult(False, (problem,), seconds=time.perf_counter() - started)
        ready()
        self._interruptions = self._interruptions + 1 if result.interrupted else 0
        if result.interrupted and not result.written:
            return False
        if not report and not result.written and result.problems == self.state.problems \
                and result.ok != self.state.failed:
            return True  # the second look found nothing new
        language = self.engine.site.config.language if self.engine.site else None  # the overlay's words
        self.state.publish(not result.ok, result.problems if not result.interrupted else self.state.problems, language)
        if result.ok and (result.written or result.full) and self.engine.site:
            self.indexer.request(self.engine.site.config.search)
        self.report(Rebuilt(result))
        return not result.interrupted


def _top_names(folder: Path) -> frozenset[str] | None:
    """The names at the top of the output folder (None if it is gone), scratch files left out:
    one listing tells whether someone removed a part (`rm -rf output/*` keeps the marker)."""
    try:
        return frozenset(name for name in os.listdir(folder) if name == OUTPUT_MARKER or not name.startswith("."))
    except OSError:
        return None
