"""Downloading one page or picture for `import`, safely: whatever the server sends is bounded.

Only http and https; every redirect followed by hand (at most `Limits.redirects`, loops and
other schemes refused); the content type checked before the body is read; the body read in
pieces up to a size limit; one deadline for the whole download, enforced by a timer that shuts
the socket (a server that trickles a byte a second never trips a per-read timeout). Compressed
bodies are unpacked with the same size limit. Nothing that arrives is run: pages are text to
read, pictures are checked by media.py before they are kept.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from kaffee_site import __version__
from kaffee_site.errors import KaffeeError

USER_AGENT = f"kaffee-site-import/{__version__} (+https://pypi.org/project/kaffee-site/)"
REDIRECTS = (301, 302, 303, 307, 308)
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown")
_SAFE = "/%:@!$&'()*+,;=?~-._[]"  # what stays as it is in a path or query (escapes stay escapes)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/svg+xml")


@dataclass(frozen=True)
class Limits:
    """What one download may cost. The command line can lower or raise them."""

    seconds: float = 20.0  # for one resource, connecting and redirects included
    page_bytes: int = 5 << 20  # a report page is some 100 KB; 5 MB is generous
    image_bytes: int = 15 << 20
    redirects: int = 5


class FetchError(KaffeeError):
    """A download that failed or was refused; the message is one line naming the URL."""


@dataclass(frozen=True)
class Fetched:
    url: str  # where the body came from, after redirects
    media_type: str  # lower-case, without parameters: 'text/html'
    charset: str | None
    data: bytes


def fetch(url: str, accept: tuple[str, ...], max_bytes: int, limits: Limits) -> Fetched:
    """GET `url`; FetchError unless it answers 200 with one of the `accept` types within the limits."""
    deadline = time.monotonic() + limits.seconds
    seen = [url]
    current = url
    while True:
        status, headers, body = _get(current, deadline, limits, accept, max_bytes)
        if status not in REDIRECTS:
            break
        target = _redirect_target(current, headers)
        if target in seen:
            raise FetchError(f"{url}: redirect loop ({' -> '.join([*seen, target])})")
        if len(seen) > limits.redirects:
            raise FetchError(f"{url}: more than {limits.redirects} redirects (the last to {target})")
        seen.append(target)
        current = target
    if status != 200:
        raise FetchError(f"{current}: the server answered {status} {http.client.responses.get(status, '')}".rstrip())
    media_type, charset = content_type(headers.get("content-type"))
    return Fetched(current, media_type, charset, body)


def content_type(value: str | None) -> tuple[str, str | None]:
    """('text/html', 'utf-8') from 'text/html; charset=UTF-8'; ('', None) when there is none."""
    if not value:
        return "", None
    parts = [p.strip() for p in value.split(";")]
    charset = next((p.split("=", 1)[1].strip().strip('"').lower() for p in parts[1:]
                    if p.lower().startswith("charset=")), None)
    return parts[0].lower(), charset or None


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; FetchError for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https addresses can be imported")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError(f"{url}: the port is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise FetchError(f"{url}: the address names no server")
    try:  # 'müller.de' as the DNS knows it; a path with spaces or umlauts as HTTP wants it
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError(f"{url}: the server's name is not a valid host name") from None
    path = quote(parts.path or "/", safe=_SAFE) + (f"?{quote(parts.query, safe=_SAFE)}" if parts.query else "")
    return parts.scheme, host, port, path


def _redirect_target(url: str, headers: http.client.HTTPMessage) -> str:
    location = headers.get("location")
    if not location:
        raise FetchError(f"{url}: the server redirects without saying where to")
    target = urljoin(url, location.strip()).split("#", 1)[0]
    if urlsplit(target).scheme not in ("http", "https"):
        raise FetchError(f"{url}: redirects to {target}, which is not an http or https address")
    return target


def _get(url: str, deadline: float, limits: Limits, accept: tuple[str, ...],
         max_bytes: int) -> tuple[int, http.client.HTTPMessage, bytes]:
    scheme, host, port, path = check_url(url)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _too_slow(url, limits)
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=remaining, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=remaining)
    expired = threading.Event()
    timer = threading.Timer(remaining, _shut, (connection, expired))
    timer.daemon = True
    timer.start()
    try:
        connection.request("GET", path, headers={
            "User-Agent": USER_AGENT, "Accept": ", ".join(accept) + ", */*;q=0.1",
            "Accept-Encoding": "gzip, deflate", "Accept-Language": "de, en;q=0.8"})
        response = connection.getresponse()
        if response.status != 200:  # a redirect (its Location is all we need) or a failure
            return response.status, response.headers, b""
        _check_type(url, response.headers, accept)
        return response.status, response.headers, _read(url, response, max_bytes, expired)
    except (socket.timeout, TimeoutError):
        raise _too_slow(url, limits) from None
    except FetchError:
        raise
    except (OSError, http.client.HTTPException, zlib.error) as err:
        if expired.is_set():
            raise _too_slow(url, limits) from None
        raise FetchError(f"{url}: {_reason(err)}") from None
    finally:
        timer.cancel()
        connection.close()


def _shut(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """Called by the timer at the deadline: a blocked read returns at once."""
    expired.set()
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _check_type(url: str, headers: http.client.HTTPMessage, accept: tuple[str, ...]) -> None:
    media_type, _ = content_type(headers.get("content-type"))
    if media_type and media_type not in accept:
        wanted = "a picture" if accept == IMAGE_TYPES else "a web page or text"
        raise FetchError(f"{url}: the server sends {media_type}, not {wanted} ({', '.join(accept)})")


def _read(url: str, response: http.client.HTTPResponse, max_bytes: int, expired: threading.Event) -> bytes:
    """The body, unpacked, refused once it passes `max_bytes`."""
    length = response.headers.get("content-length")
    encoding = (response.headers.get("content-encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise FetchError(f"{url}: the server packs the page as '{encoding}', which import does not unpack")
    if encoding == "identity" and length and length.strip().isdigit() and int(length) > max_bytes:
        raise FetchError(f"{url}: the page is {_size(int(length))}, more than the limit of {_size(max_bytes)}")
    unpack = None if encoding == "identity" else \
        zlib.decompressobj(16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS)
    pieces: list[bytes] = []
    size = 0
    while True:
        chunk = response.read1(65536)
        if expired.is_set():
            raise socket.timeout
        if not chunk:
            break
        if unpack is not None:
            chunk = unpack.decompress(chunk, max_bytes + 1 - size)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url}: the page is larger than the limit of {_size(max_bytes)}; nothing was kept")
        pieces.append(chunk)
    return b"".join(pieces)


def _too_slow(url: str, limits: Limits) -> FetchError:
    return FetchError(f"{url}: no complete answer within {limits.seconds:g} s; nothing was kept "
                      "(--timeout gives a slow server more time)")


def _reason(err: BaseException) -> str:
    if isinstance(err, socket.gaierror):
        return "the server's name is not known (check the address, or the network)"
    if isinstance(err, ssl.SSLError):
        return f"the secure connection failed ({err.reason or err})"
    if isinstance(err, ConnectionRefusedError):
        return "the server refused the connection"
    if isinstance(err, zlib.error):
        return "the packed page is broken"
    if isinstance(err, http.client.IncompleteRead):
        return "the connection ended before the page was complete"
    return str(err) or type(err).__name__


def _size(count: int) -> str:
    return f"{count / (1 << 20):.1f} MB" if count >= 1 << 20 else f"{count // 1024} KB"
