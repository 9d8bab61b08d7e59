"""The HTTP side of `serve`: files of the output folder, safely resolved, and the event stream."""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from kaffee_site.errors import UsageError
from kaffee_site.options import BuildOptions
from kaffee_site.serve import livereload
from kaffee_site.serve.cms_backend import PAGE_HEADERS, CmsEndpoint

PING = 15.0  # seconds between keep-alive comments on an idle event stream
REQUEST_TIMEOUT = 5.0  # seconds a client has to send its whole request line and headers (slowloris)
WRITE_TIMEOUT = 30.0  # seconds one chunk of an answer may wait for a client that stopped reading
CHUNK = 256 * 1024  # answers go out in chunks, so WRITE_TIMEOUT bounds a stall, not a slow download
# Connections served at once (a thread each): far more than tabs and their event streams need,
# few enough that a flood of connections cannot make the server start threads without end.
MAX_CONNECTIONS = 256
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
         b"Retry-After: 1\r\nContent-Length: 42\r\nConnection: close\r\n\r\n"
         b"kaffee-site serve: too many connections.\n")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8", ".csv": "text/csv; charset=utf-8", ".svg": "image/svg+xml",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon", ".pdf": "application/pdf",
    ".woff2": "font/woff2", ".wasm": "application/wasm", ".yml": "text/yaml; charset=utf-8",
}


class Served(Protocol):
    """What the HTTP side needs of the dev server (server.py, which imports this module)."""

    options: BuildOptions
    state: livereload.BuildState
    cms: CmsEndpoint  # the editor's admin page and local backend (cms_backend.py)

    @property
    def url(self) -> str: ...

    @property
    def base_path(self) -> str: ...

    def not_found(self) -> None: ...


def bind(host: str, port: int, dev: Served) -> ThreadingHTTPServer:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("KaffeeHTTPServer", (_Server,), {"address_family": family})
    try:
        server = server_class((host, port), _Handler)
    except OSError as err:
        raise UsageError(f"cannot listen on {host}:{port}: {err.strerror}"
                         + ("; choose another --port" if port else "")) from None
    server.dev = dev  # type: ignore[attr-defined]
    server.host_name = host.lower()  # type: ignore[attr-defined]
    return server


def building_server(server: ThreadingHTTPServer, page: bytes) -> ThreadingHTTPServer:
    """`server` answering every request with `page` (in the process building.py forks)."""
    server.RequestHandlerClass = _BuildingHandler
    server.building_page = page  # type: ignore[attr-defined]
    return server


class _Server(ThreadingHTTPServer):
    """A thread per connection, with a deadline for the request and a quiet end for lost clients."""

    daemon_threads = True
    allow_reuse_address = True
    # http.server listens with a backlog of 5: a burst of page loads (a page, its CSS, images,
    # a dozen tabs reloading at once) overflows it, and every dropped SYN waits a second.
    request_queue_size = 1024

    def __init__(self, address, handler) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._reading: dict[socket.socket, float] = {}  # connection -> deadline for its request
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        with self._lock:
            busy = len(self._open) >= MAX_CONNECTIONS
            if not busy:
                self._open.add(request)
                self._reading[request] = time.monotonic() + REQUEST_TIMEOUT
        if busy:  # answered here, without a thread: the small answer fits any socket buffer
            try:
                request.setblocking(False)
                request.send(_BUSY)
            except OSError:
                pass
            super().shutdown_request(request)
            return
        super().process_request(request, client_address)

    def still_reading(self, request: socket.socket) -> bool:
        with self._lock:
            return request in self._reading

    def request_read(self, request: socket.socket) -> bool:
        """The handler has read the request; False if its deadline had passed (it was cut off)."""
        with self._lock:
            deadline = self._reading.pop(request, None)
        return deadline is not None and time.monotonic() <= deadline

    def service_actions(self) -> None:
        """Runs between polls of serve_forever (every 0.1 s): cuts off requests past their deadline.

        A per-read socket timeout is not enough: a client sending a byte every few seconds would
        never trip it. Shutting the socket down wakes the handler's blocked read."""
        now = time.monotonic()
        with self._lock:
            late = [request for request, deadline in self._reading.items() if deadline < now]
            for request in late:
                del self._reading[request]
        for request in late:
            _hang_up(request)

    def shutdown_request(self, request) -> None:
        with self._lock:
            self._open.discard(request)
            self._reading.pop(request, None)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client hung up or stalled: nothing anyone needs to read about
        super().handle_error(request, client_address)

    def finish_open(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the answers under way."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._open:
                    return
            time.sleep(0.01)

    def server_close(self) -> None:
        with self._lock:  # half-sent requests and open event streams must not hold up the stop
            still_open = list(self._open)
        for request in still_open:
            _hang_up(request)
        super().server_close()


def _hang_up(request: socket.socket) -> None:
    try:
        request.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # closed already


class _Handler(BaseHTTPRequestHandler):
    """GET and HEAD for files of the output folder, plus the live-reload event stream."""

    server_version = "kaffee-site"

    @property
    def dev(self) -> Served:
        return self.server.dev  # type: ignore[attr-defined]

    def parse_request(self) -> bool:
        """The request line and headers, read before the deadline, for this machine only."""
        server: _Server = self.server  # type: ignore[assignment]
        if not server.still_reading(self.connection):  # cut off while sending the request line
            self.close_connection = True
            return False
        parsed = super().parse_request()
        if not server.request_read(self.connection):  # cut off while sending the headers
            self.close_connection = True
            return False
        if not parsed:
            return False
        self.connection.settimeout(WRITE_TIMEOUT)
        return self._host_allowed()

    def _host_allowed(self) -> bool:
        """Answer only requests addressed to this machine: a page on another site that rebinds
        its own name to 127.0.0.1 (DNS rebinding) sends its name in Host and gets a 403."""
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1 or (not hosts and self.request_version != "HTTP/1.0"):
            self.send_error(HTTPStatus.BAD_REQUEST, "Host missing or repeated",
                            "HTTP/1.1 requests name their Host exactly once")
            return False
        named = [hosts[0]] if hosts else []  # HTTP/1.0 without Host: no browser sends that
        authority = urlsplit(self.path).netloc  # an absolute target names a host of its own
        if authority:
            named.append(authority)
        for host in named:
            if not allowed_host(host, self.server.host_name):  # type: ignore[attr-defined]
                self._refuse(host)
                return False
        return True

    def _refuse(self, host: str) -> None:
        name = host.strip()
        shown = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
        text = ("403 Forbidden: this preview answers only requests addressed to localhost, an IP address or the "
                f"--host name (this one is for {name!r}); the check stops DNS rebinding. "
                f"Open {self.dev.url} or start serve with --host {shown or 'NAME'}.\n")
        self.close_connection = True
        self._send(HTTPStatus.FORBIDDEN, text.encode("utf-8", "replace"), "text/plain; charset=utf-8",
                   self.command != "HEAD")

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if self.dev.cms.handles(path):
            self.dev.cms.answer(self, path)
        else:
            self.close_connection = True
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"", "text/plain", True)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if self.dev.cms.handles(path):
            self.dev.cms.answer(self, path)  # refused: the backend takes POST only
        elif path == livereload.EVENTS_PATH:
            self._events()
        elif path == livereload.PROBLEMS_PATH:
            self._send(HTTPStatus.OK, livereload.problems_json(self.dev.state), "application/json; charset=utf-8", True)
        else:
            self._serve(body=True)

    def log_message(self, format: str, *args) -> None:
        pass  # the terminal shows builds and problems, not every request

    def _serve(self, body: bool) -> None:
        dev = self.dev
        output = dev.options.output_dir
        found = resolve_request(self.path, output, dev.base_path)
        if isinstance(found, str):
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", body, location=found)
            return
        data = _read(found)
        if found is not None and data is not None:
            kind = CONTENT_TYPES.get(found.suffix.lower(), "application/octet-stream")
            editor = dev.cms.page(found, data, self.client_address[0]) if kind.startswith("text/html") else None
            if editor is not None:  # the admin page: serve's backend in it, no live reload
                self._send(HTTPStatus.OK, editor, kind, body, extra=PAGE_HEADERS)
                return
            self._send(HTTPStatus.OK, livereload.inject(data, dev.state) if kind.startswith("text/html") else data,
                       kind, body)
            return
        dev.not_found()  # the output may have been deleted from outside
        page = _read(_inside(output / "404.html", output))
        if page is None:  # nothing built yet: say why
            page = livereload.placeholder_page(dev.state)
        self._send(HTTPStatus.NOT_FOUND, livereload.inject(page, dev.state), CONTENT_TYPES[".html"], body)

    def _send(self, status: int, data: bytes, kind: str, body: bool, location: str | None = None,
              extra: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if location:
            self.send_header("Location", location)
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if body:
            view = memoryview(data)
            for start in range(0, len(view), CHUNK):
                self.wfile.write(view[start:start + CHUNK])

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


class _BuildingHandler(_Handler):
    """While the first build runs: every request gets the page saying so (building.py). The
    connection closes after it, so the next request reaches whoever answers then."""

    def do_GET(self) -> None:
        self._building(body=True)

    def do_HEAD(self) -> None:
        self._building(body=False)

    def _building(self, body: bool) -> None:
        self._send(HTTPStatus.SERVICE_UNAVAILABLE, self.server.building_page,  # type: ignore[attr-defined]
                   CONTENT_TYPES[".html"], body, extra=(("Retry-After", "1"), ("Connection", "close")))


def allowed_host(value: str, listen_name: str) -> bool:
    """Whether a Host header names this machine: localhost (and *.localhost, which browsers keep
    on the loopback), an IP address (a literal cannot be rebound to another machine: Vite's and
    webpack-dev-server's rule), or the name serve listens on (`--host`); with a port or without."""
    name, port = _split_host(value.strip())
    if name is None or not (port == "" or (port.isdigit() and port.isascii())):
        return False
    name = name.lower().removesuffix(".")  # 'localhost.' is the same name, fully qualified
    return name == "localhost" or name.endswith(".localhost") or name == listen_name or _is_ip(name)


def _split_host(value: str) -> tuple[str | None, str]:
    """('name', 'port') of 'name:port', '[v6]:port' or either without the port; None if malformed."""
    if value.startswith("["):
        inside, bracket, rest = value[1:].partition("]")
        if not bracket or not (rest == "" or rest.startswith(":")) or not _is_ip(inside, version=6):
            return None, ""
        return inside, rest[1:]
    name, _, port = value.partition(":")
    if not name or ":" in port:
        return None, ""
    return name, port


def _is_ip(name: str, version: int | None = None) -> bool:
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return version is None or address.version == version


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
    try:
        return _first_file(candidates, path, root)
    except OSError:  # a name the file system cannot hold (ENAMETOOLONG): there is no such file
        return None


def _first_file(candidates: list[str], path: str, root: Path) -> Path | str | None:
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
