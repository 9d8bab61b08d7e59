"""The HTTP side of `serve`: files of the output folder, safely resolved, and the event stream."""

from __future__ import annotations

import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from kaffee_site.errors import UsageError
from kaffee_site.serve import livereload

if TYPE_CHECKING:
    from kaffee_site.serve.server import DevServer

PING = 15.0  # seconds between keep-alive comments on an idle event stream

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8", ".csv": "text/csv; charset=utf-8", ".svg": "image/svg+xml",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon", ".pdf": "application/pdf",
    ".woff2": "font/woff2", ".wasm": "application/wasm",
}


def bind(host: str, port: int, dev: DevServer) -> ThreadingHTTPServer:
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
