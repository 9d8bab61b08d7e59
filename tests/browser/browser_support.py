"""What the browser tests share: where things are, the page kinds, the test HTTP server, a recorder."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CONTENT = ROOT / "content"
TEMPLATES = ROOT / "templates"
NODE_MODULES = ROOT / "node_modules"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",  # the tests run as root in CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Chromium's own traffic (updates, sync, field trials) would only add noise and network waits.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# One page of every kind the theme renders, by its path inside the archive.
PAGE_KINDS = {
    "index": "",
    "session": "sitzungen/2024-09-05-verstetigung/",
    "topic": "themen/verstetigung/",
    "topics": "themen/",
    "speaker": "personen/frederik-ludwig/",
    "people": "personen/",
    "organisation": "organisationen/kreis-coesfeld/",
    "organisations": "organisationen/",
    "archive": "sitzungen/",
    "year": "sitzungen/2024/",
    "page": "impressum/",
    "404": "404.html",
    "search": "suche/",
    # The test build sets a small page size (PAGE_SIZE), so long lists run over several pages.
    "index-page-2": "seite/2/",
    "topic-page-2": "themen/digitale-daseinsvorsorge/seite/2/",
}
PAGE_SIZE = 5
WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")


@dataclass(frozen=True)
class BuiltSite:
    """The built sample archive and the address it is served at."""

    output: Path
    base_path: str  # '/kaffee/'
    origin: str  # 'http://127.0.0.1:PORT'

    def url(self, path: str = "") -> str:
        return self.origin + self.base_path + path

    def has(self, path: str) -> bool:
        target = self.output / path
        return (target / "index.html").is_file() if path.endswith("/") or not path else target.is_file()

    def kinds(self) -> dict[str, str]:
        """The page kinds this build has (the search page only exists when search is on)."""
        return {kind: path for kind, path in PAGE_KINDS.items() if self.has(path)}


class ArchiveHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the output folder under the base path; everything else is a 404 with 404.html."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".svg": "image/svg+xml", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm",
        ".json": "application/json", ".xml": "application/xml", ".ics": "text/calendar",
    }

    def __init__(self, *args, base_path: str, **kwargs):
        self.base_path = base_path
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        url_path = unquote(urlsplit(path).path)
        if not url_path.startswith(self.base_path):
            return str(Path(self.directory) / ".does-not-exist")
        return super().translate_path("/" + path[len(self.base_path):])

    def send_error(self, code, message=None, explain=None):
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.is_file():
            return super().send_error(code, message, explain)
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def end_headers(self):
        # Every test reads the current build; a cached stylesheet would hide a change.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):  # quiet: pytest shows failures, not access logs
        pass




@contextlib.contextmanager
def served_folder(folder: Path, base_path: str, handler_class: type | None = None):
    """`folder` served under `base_path` on 127.0.0.1, the way a static host would (by
    `handler_class`, an ArchiveHandler by default); yields its URL, base path included."""
    handler = functools.partial(handler_class or ArchiveHandler, directory=str(folder), base_path=base_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base_path}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Recorder:
    """What a page did besides rendering: console errors, uncaught exceptions, requests, failures."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # responses with status >= 400

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).hostname != "127.0.0.1"]


def node_tool(relative: str) -> Path:
    """A file from node_modules, or a failure that says how to get it."""
    path = NODE_MODULES / relative
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make test` (it runs `npm ci` for axe-core and vnu-jar)")
    return path


# The checker runs a few seconds: C1 compiles enough of it (the full JIT doubles the CPU, -n 2 gives
# it nothing to gain) and one GC thread suffices; C1's frames need a larger stack than the default.
VNU_JVM = ["-Xss8m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def nu_html_checker(*args: str) -> tuple[list[dict], subprocess.CompletedProcess]:
    """The Nu HTML Checker (vnu-jar) run once with `args` (options, then files or folders): its
    error messages (its JSON report, which it writes to stderr) and the finished process."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: run `make test`, which installs default-jre-headless")
    run = subprocess.run([java, *VNU_JVM, "-jar", str(node_tool("vnu-jar/build/dist/vnu.jar")), "--errors-only",
                          "--format", "json", *args], capture_output=True, text=True, timeout=300)
    try:
        return json.loads(run.stderr)["messages"], run
    except ValueError:
        pytest.fail(f"the Nu HTML Checker gave no report (exit {run.returncode}):\n{run.stdout}{run.stderr}")


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@functools.cache
def _axe_source() -> str:
    return node_tool("axe-core/axe.min.js").read_text(encoding="utf-8")


def axe_violations(page) -> str:
    """Runs axe-core (WCAG 2.2 A and AA rules) on the page as it is now; '' when nothing is wrong."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    lines = []
    for v in result["violations"]:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            summary = node.get("failureSummary", "").splitlines()[-1:]
            lines.append(f"    {' '.join(map(str, node['target']))}: {' '.join(summary).strip()}")
    return "\n".join(lines)
