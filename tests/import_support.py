"""Helpers for the import tests: a real HTTP server on 127.0.0.1 with scripted routes, small
archives, pictures made with Pillow, and reading back the front matter a file got."""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable

import yaml
from PIL import Image

from kaffee_site.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
SEED = FIXTURES / "seed_000_37e7d88c3d2fade7.txt"


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Callable[[], Iterable[bytes]] = b""  # bytes, or a generator of pieces sent as they come
    length: bool = True  # send Content-Length (for bytes)
    delay: float = 0.0  # seconds of silence before anything is sent


class Server:
    """A real HTTP server on 127.0.0.1: `routes` maps a path to a Reply; every request is logged."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply] = {}
        self.requests: list[str] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                reply = server.routes.get(self.path, Reply(404, {"Content-Type": "text/plain"}, b"not found"))
                if reply.delay and server.stopping.wait(reply.delay):
                    return
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    if isinstance(reply.body, bytes):
                        if reply.length:
                            self.send_header("Content-Length", str(len(reply.body)))
                        self.send_header("Connection", "close")
                        self.end_headers()
                        self.wfile.write(reply.body)
                        return
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for piece in reply.body():
                        if server.stopping.is_set():
                            return
                        self.wfile.write(piece)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str, html: str | bytes, content_type: str = "text/html; charset=utf-8") -> str:
        body = html.encode("utf-8") if isinstance(html, str) else html
        self.routes[path] = Reply(200, {"Content-Type": content_type}, body)
        return self.url(path)

    def start(self) -> "Server":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def trickle(byte: bytes = b" ", every: float = 0.2, seconds: float = 30.0) -> Callable[[], Iterable[bytes]]:
    """A body sent one byte at a time, for `seconds` at most (the test's own safety net)."""
    def pieces() -> Iterable[bytes]:
        end = time.monotonic() + seconds
        yield b"<html><body><p>"
        while time.monotonic() < end:
            time.sleep(every)
            yield byte
    return pieces


def png(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (180, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(out, "JPEG")
    return out.getvalue()


class _DatesAsText(yaml.SafeLoader):
    """As the build reads front matter: dates stay text ('2024-09-05')."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", _DatesAsText.construct_yaml_str)


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.load(text.split("---\n", 2)[1], Loader=_DatesAsText) or {}


def body_of(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("---\n", 2)[2]


def run_import(capsys, content: Path, *args: str) -> tuple[int, str, str]:
    code = main(["import", "--content", str(content), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def small_archive(content: Path, language: str = "de", series: str = "Smarter Kaffee",
                  topics: dict[str, str] | None = None, organisations: dict[str, str] | None = None) -> Path:
    """A content folder with site.yaml and the given topics ({file stem: front matter}) and organisations."""
    (content / "topics").mkdir(parents=True, exist_ok=True)
    (content / "site.yaml").write_text(f"title: Archiv\nlanguage: {language}\nseries: {series}\n", encoding="utf-8")
    for stem, meta in (topics or {}).items():
        (content / "topics" / f"{stem}.md").write_text(f"---\n{meta}\n---\n\nText.\n", encoding="utf-8")
    if organisations:
        (content / "organisations").mkdir(exist_ok=True)
        for stem, meta in organisations.items():
            (content / "organisations" / f"{stem}.md").write_text(f"---\n{meta}\n---\n", encoding="utf-8")
    return content
