"""`kaffee-site serve`: build, serve the output over HTTP, rebuild on every save, reload the browser.

The server is a thin loop around the same build (incremental.py): a watchdog observer on
the content and template folders feeds a worker thread that waits for a burst of saves to
settle (DEBOUNCE) and then rebuilds once. A failed rebuild keeps the last good output served
and shows its problems in the browser (livereload.py). The HTTP handler serves only regular
files inside the output folder, under `base_url`'s path as well as at `/`. This module never
prints: it tells the caller through `report(event)`. It never writes into the content folder.
"""

from __future__ import annotations

import socket
import threading
import time
import traceback
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote, urlsplit

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from kaffee_site import livereload
from kaffee_site.build import BuildOptions, check_folders
from kaffee_site.errors import KaffeeError, Problem, UsageError
from kaffee_site.incremental import Rebuilder, RebuildResult
from kaffee_site.indexer import SearchIndexer

DEBOUNCE = 0.1  # seconds without a new event before a rebuild starts
PING = 15.0  # seconds between keep-alive comments on an idle event stream
MAX_INTERRUPTIONS = 5  # rebuilds in a row that may stop early for newer saves

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8", ".csv": "text/csv; charset=utf-8", ".svg": "image/svg+xml",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon", ".pdf": "application/pdf",
    ".woff2": "font/woff2", ".wasm": "application/wasm",
}


@dataclass(frozen=True)
class Serving:
    url: str


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
        self.rebuilder = Rebuilder(options, self.output_lock)
        self.http = _bind(host, port, self)
        self._pending: set[Path] = set()
        self._last_event = 0.0
        self._wake = threading.Condition()
        self._stopping = False
        self.indexer = SearchIndexer(options.output_dir, self.output_lock, lambda text: report(SearchFailed(text)))
        self._interruptions = 0
        self._threads: list[threading.Thread] = []
        self._observer = Observer()

    @property
    def url(self) -> str:
        host, port = self.http.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        base = self.rebuilder.site.config.base_path if self.rebuilder.site else "/"
        return f"http://{host}:{port}{base}"

    def start(self) -> None:
        """The first build, then the watcher, the rebuild worker and the HTTP threads.

        The first build runs before any thread, so it may fork workers on every core (see
        parallel.py); a second look once the watcher runs catches files saved meanwhile."""
        self._rebuild(())
        for folder in (self.options.content_dir, self.options.templates_dir):
            self._observer.schedule(_Watch(self), str(folder), recursive=True)
        self._observer.start()
        self._rebuild((), report=False)
        for target in (self._rebuild_loop, self.indexer.run, self._serve_http):
            thread = threading.Thread(target=target, daemon=True, name=f"kaffee{target.__name__}")
            thread.start()
            self._threads.append(thread)
        self.report(Serving(self.url))

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

    def _rebuild(self, paths: Iterable[Path], report: bool = True) -> bool:
        """One rebuild; False if newer saves interrupted it after the edited pages were written."""
        started = time.perf_counter()
        # A rebuild gives way to newer saves (the editor sees each save's page at once), but
        # not forever: after MAX_INTERRUPTIONS in a row it runs to its end.
        may_stop = self._interruptions < MAX_INTERRUPTIONS
        try:
            result = self.rebuilder.rebuild(list(paths), interrupted=lambda: may_stop and bool(self._pending))
        except KaffeeError as err:
            result = RebuildResult(False, (Problem(str(self.options.content_dir), None, str(err)),))
        except Exception:  # a bug must not end the preview: say what happened, keep serving
            detail = traceback.format_exc(limit=-3).strip().splitlines()
            problem = Problem("kaffee-site", None, "internal error: " + " | ".join(detail[-3:]),
                              "please report this with the file you just saved")
            result = RebuildResult(False, (problem,), seconds=time.perf_counter() - started)
        self._interruptions = self._interruptions + 1 if result.interrupted else 0
        if result.interrupted and not result.written:
            return False
        if not report and not result.written and result.problems == self.state.problems \
                and result.ok != self.state.failed:
            return True  # the second look found nothing new
        self.state.publish(not result.ok, result.problems if not result.interrupted else self.state.problems)
        if result.ok and (result.written or result.full) and self.rebuilder.site:
            self.indexer.request(self.rebuilder.site.config.search)
        self.report(Rebuilt(result))
        return not result.interrupted


def _bind(host: str, port: int, dev: DevServer) -> ThreadingHTTPServer:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("KaffeeHTTPServer", (ThreadingHTTPServer,),
                        {"address_family": family, "daemon_threads": True, "allow_reuse_address": True})
    try:
        server = server_class((host, port), _Handler)
    except OSError as err:
        raise UsageError(f"cannot listen on {host}:{port}: {err.strerror}"
                         + ("; choose another --port" if port else "")) from None
    server.dev = dev  # type: ignore[attr-defined]
    return server


class _Watch(FileSystemEventHandler):
    """Passes content and template changes on; editor scratch files and the output are ignored."""

    def __init__(self, dev: DevServer):
        self.dev = dev
        self.output = dev.options.output_dir.resolve()
        self.roots = [dev.options.content_dir.resolve(), dev.options.templates_dir.resolve()]

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or \
                (event.is_directory and event.event_type == "modified"):
            return
        paths = [Path(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        relevant = [p for p in paths if not self._ignored(p)]
        if relevant:
            self.dev.changed(relevant)

    def _ignored(self, path: Path) -> bool:
        resolved = path.resolve()
        if ignored_name(path.name) or resolved == self.output or self.output in resolved.parents:
            return True
        for root in self.roots:  # inside a hidden folder (.git, .kaffee-cache) or __pycache__
            if root in resolved.parents:
                return any(ignored_name(part) or part == "__pycache__"
                           for part in resolved.relative_to(root).parts[:-1])
        return False


def ignored_name(name: str) -> bool:
    """Hidden files (.swp, .#lock, .kaffee-cache), backups (x~), vim's probe file 4913, '#autosave#'."""
    return (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".kaffee-tmp"))
            or name == "4913")


class _Handler(BaseHTTPRequestHandler):
    """GET and HEAD for files of the output folder, plus the live-reload event stream."""

    server_version = "kaffee-site"

    @property
    def dev(self) -> DevServer:
        return self.server.dev  # type: ignore[attr-defined]

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == livereload.EVENTS_PATH:
            self._events()
        else:
            self._serve(body=True)

    def log_message(self, format: str, *args) -> None:
        pass  # the terminal shows builds and problems, not every request

    def _serve(self, body: bool) -> None:
        dev = self.dev
        output = dev.options.output_dir
        site = dev.rebuilder.site
        found = resolve_request(self.path, output, site.config.base_path if site else "/")
        if isinstance(found, str):
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", body, location=found)
            return
        data = _read(found)
        if found is not None and data is not None:
            kind = CONTENT_TYPES.get(found.suffix.lower(), "application/octet-stream")
            self._send(HTTPStatus.OK, livereload.inject(data, dev.state) if kind.startswith("text/html") else data,
                       kind, body)
            return
        page = _read(_inside(output / "404.html", output))
        if page is None:  # nothing built yet: say why
            page = livereload.placeholder_page(dev.state)
        self._send(HTTPStatus.NOT_FOUND, livereload.inject(page, dev.state), CONTENT_TYPES[".html"], body)

    def _send(self, status: int, data: bytes, kind: str, body: bool, location: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _events(self) -> None:
        """Server-sent events: the current version whenever it changes, a comment now and then."""
        state = self.dev.state
        query = urlsplit(self.path).query
        seen = next((unquote(part[2:]) for part in query.split("&") if part.startswith("v=")), "")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            while not state.closed:
                version = state.wait_for_change(seen, PING)
                if state.closed:
                    break
                self.wfile.write(f"data: {version}\n\n".encode() if version != seen else b": ping\n\n")
                self.wfile.flush()
                seen = version
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away (or reloaded)


def _read(path: Path | None) -> bytes | None:
    try:
        return path.read_bytes() if path else None
    except OSError:  # replaced or removed by a rebuild in between
        return None


def resolve_request(raw: str, root: Path, base_path: str = "/") -> Path | str | None:
    """The file a request path names inside `root`, a path to redirect to (folder without its
    slash), or None. Refuses '..', hidden names, NUL, encoded slashes, and anything that
    resolves (through symlinks) outside `root`. Pages live under `base_path` and at `/`."""
    path = urlsplit(raw).path or "/"
    lowered = path.lower()
    if "%2f" in lowered or "%5c" in lowered or "%00" in lowered:
        return None
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\x00" in decoded or "\\" in decoded or not decoded.startswith("/"):
        return None
    if base_path != "/" and decoded == base_path.rstrip("/"):
        return base_path
    candidates = [decoded]
    if base_path != "/" and decoded.startswith(base_path):
        candidates.insert(0, "/" + decoded[len(base_path):])
    for candidate in candidates:
        parts = [part for part in candidate.split("/") if part]
        if any(part in (".", "..") or part.startswith(".") for part in parts):
            return None
        target = root.joinpath(*parts)
        if target.is_dir():
            if not candidate.endswith("/"):
                return path + "/" if _within(target, root) else None
            target = target / "index.html"
        found = _inside(target, root)
        if found is not None:
            return found
    return None


def _inside(target: Path, root: Path) -> Path | None:
    """`target` if it is a regular file whose real location is inside `root`."""
    return target.resolve() if _within(target, root) and target.is_file() else None


def _within(target: Path, root: Path) -> bool:
    """Whether `target` really (symlinks followed) is `root` or lies inside it."""
    try:
        real = target.resolve(strict=True)
        real_root = root.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return real == real_root or real_root in real.parents
