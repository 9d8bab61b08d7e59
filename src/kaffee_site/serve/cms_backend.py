"""`serve`'s local editor: the admin/ page with serve's backend in it, and that backend over HTTP.

The built admin/ (outputs/admin.py) points Decap CMS at a Git host. Served here, the page gets
one more script (never written to a file): the address of this server's backend,
`/__kaffee__/cms/<secret>/api/v1`, whose secret is made anew for every run. A request is
answered (cms/backend.py) only when

- it comes from this machine (with `--host 0.0.0.0` the others on the network get the admin
  page without the secret, and a 403 from the backend);
- it is a POST to that address with the secret (a page that does not know it gets a 403),
- its Origin is this server as the browser addressed it, and the browser does not say it comes
  from another site (Sec-Fetch-Site): a page in another tab cannot read the admin page, so it
  cannot learn the secret, and its requests carry its own origin;
- it is JSON (a form on another site can only send form data or text) of at most MAX_BODY bytes.

The admin page itself may not be framed by another page (clickjacking), and it is never given
the live-reload script: a rebuild must not reload the editor under an editor's hands.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Callable

from kaffee_site.cms.backend import LocalBackend
from kaffee_site.cms.files import MAX_MEDIA_BYTES
from kaffee_site.cms.page import LOCAL_MARK
from kaffee_site.cms_settings import CmsSettings

PREFIX = "/__kaffee__/cms/"
# a picture of MAX_MEDIA_BYTES in base64, and room for the entry saved with it
MAX_BODY = MAX_MEDIA_BYTES * 4 // 3 + (1 << 20)
# a request body comes from this machine: a picture takes milliseconds, a pause of seconds is no editor
BODY_TIMEOUT = 30.0  # seconds for a whole body
BODY_IDLE = 5.0  # seconds without a byte of it
PAGE_HEADERS = (("Content-Security-Policy", "frame-ancestors 'none'"), ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "no-referrer"))


def _this_machine(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def _read_body(request: BaseHTTPRequestHandler, length: int) -> bytes | None:
    """The body, read before a deadline (None when it passed): a client that promises more than
    it sends holds a thread for BODY_IDLE, one that sends a byte now and then for BODY_TIMEOUT."""
    deadline = time.monotonic() + BODY_TIMEOUT
    parts: list[bytes] = []
    left = length
    before = request.connection.gettimeout()
    try:
        while left > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            request.connection.settimeout(min(remaining, BODY_IDLE))
            part = request.rfile.read1(min(left, 1 << 16))
            if not part:
                break  # the client hung up
            parts.append(part)
            left -= len(part)
    except TimeoutError:
        return None
    finally:
        request.connection.settimeout(before)
    return b"".join(parts)


class CmsEndpoint:
    """The editor of one `serve` run: its secret, its admin page, its backend."""

    def __init__(self, content_dir: Path, output_dir: Path, settings: Callable[[], CmsSettings | None],
                 base_path: Callable[[], str], page_url: Callable[[str], str | None]):
        self.secret = secrets.token_urlsafe(32)
        self.api = f"{PREFIX}{self.secret}/api/v1"
        self.output_dir = output_dir
        self.settings = settings
        self.base_path = base_path
        self.backend = LocalBackend(content_dir, settings, page_url)

    # --- the admin page ------------------------------------------------------------------

    def page(self, found: Path, data: bytes, client: str) -> bytes | None:
        """The admin page as this server sends it to `client` (its IP address); None for any
        other file. Only a browser on this machine gets the secret: with `--host 0.0.0.0` the
        others see the page, but it cannot save."""
        if self.settings() is None or found != (self.output_dir / "admin" / "index.html").resolve():
            return None
        if not _this_machine(client):
            return data
        local = json.dumps({"proxy_url": self.api, "base_path": self.base_path()})
        script = f"<script>window.KAFFEE_CMS_LOCAL = {local};</script>".encode()
        return data.replace(LOCAL_MARK, script, 1)

    # --- the backend ---------------------------------------------------------------------

    def handles(self, path: str) -> bool:
        return path.startswith(PREFIX)

    def answer(self, request: BaseHTTPRequestHandler, path: str) -> None:
        """Answer a request to PREFIX… (any method); `path` is the request's path."""
        status, value = self._checked(request, path)
        if status == HTTPStatus.OK:
            status, value = self.backend.answer(value)
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.send_header("Cache-Control", "no-store")
        request.send_header("X-Content-Type-Options", "nosniff")
        if status >= 400:
            request.close_connection = True  # what is left unread of a refused body is never read
        request.end_headers()
        request.wfile.write(body)

    def _checked(self, request: BaseHTTPRequestHandler, path: str) -> tuple[int, object]:
        """(200, the request's JSON) when it may be answered, else (status, error)."""
        if request.command != "POST":
            return HTTPStatus.METHOD_NOT_ALLOWED, {"error": "the editor's backend takes POST requests"}
        if not hmac.compare_digest(path.encode(), self.api.encode()):
            return HTTPStatus.FORBIDDEN, {"error": "not this run's editor: reload the admin page"}
        if not _this_machine(request.client_address[0]):
            return HTTPStatus.FORBIDDEN, {"error": "the editor's backend answers this machine only"}
        origin = request.headers.get("Origin")
        host = request.headers.get("Host")
        if not origin or not host or origin != f"http://{host}":
            return HTTPStatus.FORBIDDEN, {"error": "the editor's backend answers its own admin page only"}
        if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
            return HTTPStatus.FORBIDDEN, {"error": "the editor's backend answers its own admin page only"}
        kind = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            return HTTPStatus.BAD_REQUEST, {"error": "the editor's backend takes JSON"}
        length = request.headers.get("Content-Length", "")
        if not length.isdigit():
            return HTTPStatus.LENGTH_REQUIRED, {"error": "a request names its length"}
        if int(length) > MAX_BODY:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, \
                {"error": f"the request is larger than {MAX_BODY >> 20} MB (pictures up to {MAX_MEDIA_BYTES >> 20} MB)"}
        raw = _read_body(request, int(length))
        if raw is None:
            return HTTPStatus.REQUEST_TIMEOUT, {"error": "the request's body did not arrive in time"}
        if len(raw) != int(length):
            return HTTPStatus.BAD_REQUEST, {"error": "the request ended early"}
        try:
            return HTTPStatus.OK, json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return HTTPStatus.BAD_REQUEST, {"error": "the request is not JSON"}
