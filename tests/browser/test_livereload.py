"""`kaffee-site serve` reloads an open page by itself when its content file changes."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from browser_support import TEMPLATES
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SITE_YAML = "title: Testarchiv\nbase_url: https://example.org/kaffee/\nlanguage: de\nsearch: false\n"
SESSION = """---
title: Live-Sitzung
date: 2025-03-13
---
Ein erster Bericht über die Sitzung.
"""
URL = re.compile(r"http://(?:127\.0\.0\.1|localhost):\d+/\S*")


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)


@pytest.fixture
def served(tmp_path: Path):
    """`kaffee-site serve` in a real subprocess on a small content folder; yields (content, site URL)."""
    content = tmp_path / "content"
    (content / "sessions").mkdir(parents=True)
    (content / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (content / "sessions" / "2025-03-13-live.md").write_text(SESSION, encoding="utf-8")
    command = [sys.executable, "-m", "kaffee_site", "serve", "--content", str(content),
               "--output", str(tmp_path / "output"), "--templates", str(TEMPLATES), "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})  # its address arrives at once
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(server.stdout, lines), daemon=True).start()
    said: list[str] = []
    try:
        while not (url := next((m.group(0) for s in said if (m := URL.search(s))), None)):
            try:
                said.append(lines.get(timeout=30))
            except queue.Empty:
                pytest.fail("serve printed no http://127.0.0.1:… address within 30 s:\n" + "".join(said))
            assert server.poll() is None, "serve stopped:\n" + "".join(said)
        while not any(s.startswith("built") for s in said):  # until then every page says it is building
            said.append(lines.get(timeout=60))
        yield content, url.rstrip("/.") + "/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_an_edited_session_file_reloads_the_open_page(served, page, recorder):
    content, site_url = served
    # serve prints the archive's address; the session is one level below it.
    page.goto(site_url + "sitzungen/2025-03-13-live/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Live-Sitzung")
    expect(page.get_by_role("main")).to_contain_text("Ein erster Bericht")
    page.evaluate("window.notReloadedYet = true")

    session = content / "sessions" / "2025-03-13-live.md"
    session.write_text(SESSION.replace("Ein erster Bericht", "Ein geänderter Bericht"), encoding="utf-8")

    expect(page.get_by_role("main")).to_contain_text("Ein geänderter Bericht", timeout=20_000)
    assert page.evaluate("window.notReloadedYet") is None, "the page must have reloaded itself"
    assert recorder.console_errors == []
    assert recorder.foreign_requests() == []
