"""Shared test helpers: build real archives in tmp_path and run the real command on them.

Imported as `from support import …` (not from conftest: tests/browser has a conftest of its own,
and two modules named conftest would shadow each other)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kaffee_site.cli import main

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
SAMPLE_CONTENT = ROOT / "content"
SUITE_TODAY = "2025-07-01"  # today for the builds of the suite (conftest.py)


def epoch(day: str, clock: str = "12:00") -> str:
    """SOURCE_DATE_EPOCH for a German day and time, e.g. epoch('2024-10-09')."""
    from kaffee_site.clock import berlin_offset

    local = datetime.fromisoformat(f"{day}T{clock}")
    return str(int((local - berlin_offset(local)).replace(tzinfo=timezone.utc).timestamp()))


def session_md(title: str = "Eine Sitzung", date: str = "2024-09-05", body: str = "Ein Bericht.",
               **front: object) -> str:
    """A session file; extra keyword arguments become front-matter lines (already YAML text)."""
    lines = [f"title: {title}", f"date: {date}"] + [f"{k}: {v}" for k, v in front.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


@dataclass
class Archive:
    """A content folder in tmp_path, with a way to build it and look at the result."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def output(self) -> Path:
        return self.root / "output"

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
        return path

    def args(self, command: str = "build", *extra: str) -> list[str]:
        base = [command, "--content", str(self.content)]
        if command in ("build", "serve"):
            base += ["--output", str(self.output), "--templates", str(TEMPLATES)]
        return base + list(extra)

    def build(self, *extra: str, capsys=None) -> int:
        """Run `kaffee-site build` in this process (fast); returns the exit code."""
        return main(self.args("build", *extra))

    def build_quietly(self, *extra: str) -> tuple[int, str]:
        """`kaffee-site build` in this process, without pytest's capsys (module fixtures too):
        (exit code, what it printed on stderr)."""
        import io
        from contextlib import redirect_stderr, redirect_stdout

        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            code = main(self.args("build", *extra))
        return code, err.getvalue()

    def run(self, command: str = "build", *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
        """Run the installed command in a real subprocess, as an editor or CI would."""
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([sys.executable, "-m", "kaffee_site", *self.args(command, *extra)],
                              capture_output=True, text=True, env=full_env, cwd=self.root)

    def page(self, url_path: str) -> str:
        """The HTML of a page by its URL path inside the archive ('sitzungen/x/')."""
        path = self.output / (url_path + "index.html" if url_path.endswith("/") or not url_path else url_path)
        return path.read_text(encoding="utf-8")


# A German archive must link these from every page (review/legal.py): an archive as an editor keeps
# it has them (`kaffee-site init` writes their skeletons).
LEGAL_PAGES = {
    "pages/impressum.md": "---\ntitle: Impressum\n---\nLandkreis Beispiel, Beispielstraße 1, 12345 Beispielstadt.\n",
    "pages/datenschutz.md": "---\ntitle: Datenschutzerklärung\n---\nDieses Archiv setzt keine Cookies.\n",
    "pages/barrierefreiheit.md": "---\ntitle: Erklärung zur Barrierefreiheit\n---\nDie Seiten sind barrierefrei.\n",
}


def with_legal_pages(archive: "Archive") -> "Archive":
    """The archive with its three legal pages (those it lacks)."""
    write_legal_pages(archive.content)
    return archive


def write_legal_pages(content: Path) -> list[str]:
    """The legal pages a content folder lacks, written; their paths inside it."""
    written = []
    for rel, text in LEGAL_PAGES.items():
        if not (content / rel).exists():
            (content / rel).parent.mkdir(parents=True, exist_ok=True)
            (content / rel).write_text(text, encoding="utf-8")
            written.append(rel)
    return written


def picture_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6), colour: tuple = (40, 120, 200)) -> bytes:
    """A small real picture (the build checks and converts pictures, so a few fake bytes will not do)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def fill_in_the_legal_pages(content: Path) -> None:
    """What the editor does before publishing: every placeholder of the skeletons replaced."""
    for path in (content / "pages").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        head, body = text.split("\n---\n", 1)
        body = re.sub(r"\A\s*\*[^*]+\*", "", body)  # the note on top
        body = re.sub(r"\[[^\[\]]+\](?!\()", "Landkreis Musterstadt", body)
        path.write_text(head + "\n---\n" + body, encoding="utf-8")


def tree_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes, to compare whole outputs."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def wait_until(predicate, what: str, timeout: float = 15.0):
    """Poll until `predicate()` is truthy; a deadline, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"{what}: not within {timeout} s")


class ServeProcess:
    """`kaffee-site serve` as an editor runs it: a real process in `cwd`, its terminal read line by
    line (stdout and stderr together), spoken to over real HTTP on 127.0.0.1."""

    def __init__(self, cwd: Path, *args: str):
        import re
        import subprocess
        import threading

        command = [sys.executable, "-m", "kaffee_site", "serve", "--port", "0", *args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self._reader.start()
        try:
            found = wait_until(lambda: next((m for line in self.lines
                                             if (m := re.search(r"http://(?:127\.0\.0\.1|0\.0\.0\.0):(\d+)(/\S*)",
                                                                line))), None),
                               "serve printed its address", timeout=60)
        except BaseException:  # a serve that never said where it listens is not left running
            self.process.kill()
            self.process.wait()
            raise
        self.port, self.base = int(found.group(1)), found.group(2)

    def get(self, path: str) -> tuple[int, bytes]:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def problems(self) -> dict:
        """The problems serve shows now (/__kaffee__/problems): version, failed, problems."""
        import json

        status, body = self.get("/__kaffee__/problems")
        assert status == 200, body
        return json.loads(body)

    @property
    def terminal(self) -> str:
        return "".join(self.lines)

    def stop(self) -> str:
        import signal

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except Exception:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        return self.terminal


def check_problems(cwd: Path, *args: str) -> tuple[int, list[str], str]:
    """`kaffee-site check` run as a process in `cwd`: exit code, each problem as printed (its
    first line and the indented lines below it), and the summary line."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "kaffee_site", "check", *args], capture_output=True, text=True,
                          cwd=cwd)
    blocks: list[str] = []
    for line in done.stdout.splitlines():
        if line.startswith("    ") and blocks:
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
    return done.returncode, blocks, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""


# A report as `import` writes one (comments, a list in the body): the editor must keep it as it is.
IMPORTED_REPORT = """---
# imported from the old site
title: Erste Sitzung
date: 2025-01-16  # from "am 16. Januar 2025"
number: 1
topics:
  - Verstetigung
speakers:
  - name: Jana Beispiel
    org: Kreis Beispiel
---

Ein Bericht über [[Verstetigung]].

- eins
- zwei
"""
