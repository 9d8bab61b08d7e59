"""Issue 18 in a real browser: `base_url` can never make a page load a script from elsewhere.

The issue's case: with `base_url: "/\\evil.example/"` or `"https://example.org//evil.example/"`
the search page loaded `<script src="//evil.example/static/search.js">` (the path of base_url
in front of the archive's own files). The probe first shows that this Chromium really asks
another host for such a script and stylesheet; then every base_url whose references Chromium
sends elsewhere is refused by `check` at its line, and the search page of an archive whose
base_url is taken, opened and used, asks no other host for anything.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from browser_support import TEMPLATES, served_folder
from playwright.sync_api import expect

from kaffee_site.cli import main as kaffee_site

pytestmark = pytest.mark.browser

# the two, their neighbours, and plain ones a host really uses
CANDIDATES = ["/\\evil.example/", "https://example.org//evil.example/", "//evil.example/", "/\t/evil.example/",
              "/.//evil.example/", "https:/\\evil.example/", "/kaffee/", "/", "https://example.org/kaffee/",
              "http://localhost:8000/k%C3%A4/"]
PLAIN = {"/kaffee/", "/", "https://example.org/kaffee/", "http://localhost:8000/k%C3%A4/"}



def _hosts_asked(page, origin: str, prefix: str) -> set[str]:
    """The hosts this Chromium asks for a script and a stylesheet referenced as the old pages
    did (`prefix` + static/…) from a page of the archive's origin. Nothing leaves the machine."""
    asked: list[str] = []

    def answer(route):
        asked.append(urlsplit(route.request.url).hostname or "")
        if route.request.resource_type == "document":
            route.fulfill(content_type="text/html", body=f'<!doctype html><title>t</title>'
                          f'<link rel="stylesheet" href="{prefix}static/style.css">'
                          f'<script src="{prefix}static/search.js"></script>')
        else:
            route.abort()

    page.route("**/*", answer)
    try:
        page.goto(origin + "/seite/")
        page.wait_for_load_state("load")
    finally:
        page.unroute("**/*")
    return set(asked[1:])  # the requests the page made, not the page itself


def _refused(tmp_path: Path, base_url: str, capsys) -> bool:
    content = tmp_path / f"content-{CANDIDATES.index(base_url)}"
    (content / "sessions").mkdir(parents=True)
    (content / "site.yaml").write_text(yaml.safe_dump({"title": "Test", "base_url": base_url, "search": False}),
                                       encoding="utf-8")
    (content / "sessions/a.md").write_text("---\ntitle: A\ndate: 2024-09-05\n---\nText.\n", encoding="utf-8")
    capsys.readouterr()
    code = kaffee_site(["check", "--content", str(content), "--templates", str(TEMPLATES)])
    said = capsys.readouterr().out
    refused = re.search(rf"^{re.escape(str(content))}/site\.yaml:\d+: 'base_url' ", said, re.MULTILINE) is not None
    assert refused == (code == 1), said
    return refused


def test_every_base_url_a_browser_reads_as_another_host_is_refused(tmp_path: Path, page, capsys):
    origin = "http://127.0.0.1:9"  # answered by the route above, never by the network
    verdicts = {}
    for base_url in CANDIDATES:
        prefix = urlsplit(base_url).path if "://" in base_url else base_url
        elsewhere = _hosts_asked(page, origin, prefix) != {"127.0.0.1"}
        verdicts[base_url] = (elsewhere, _refused(tmp_path, base_url, capsys))
    # the probe: the two really load from evil.example in this Chromium
    assert verdicts["/\\evil.example/"][0] and verdicts["https://example.org//evil.example/"][0]
    for base_url, (elsewhere, refused) in verdicts.items():
        assert refused or not elsewhere, f"{base_url!r} is taken, but Chromium asks another host"
        assert refused == (base_url not in PLAIN), base_url


@pytest.mark.skipif(importlib.util.find_spec("pagefind") is None, reason="pagefind is not installed")
def test_the_search_page_under_a_taken_base_url_asks_no_other_host(tmp_path: Path, page, recorder):
    content, output = tmp_path / "content", tmp_path / "output"
    (content / "sessions").mkdir(parents=True)
    (content / "site.yaml").write_text("title: Test\nbase_url: /kaffee/\n", encoding="utf-8")
    (content / "sessions/a.md").write_text("---\ntitle: Verstetigung\ndate: 2024-09-05\n---\n"
                                           "Der Behördenspiegel berichtete.\n", encoding="utf-8")
    assert kaffee_site(["build", "--content", str(content), "--output", str(output), "--templates",
                        str(TEMPLATES)]) == 0
    with served_folder(output, "/kaffee/") as url:
        page.goto(url + "suche/")
        page.get_by_role("searchbox").fill("Behördenspiegel")
        page.keyboard.press("Enter")
        expect(page.get_by_role("main").get_by_role("link", name="Verstetigung")).to_be_visible()
    assert any(u.endswith("/kaffee/static/search.js") for u in recorder.requests), recorder.requests
    assert recorder.foreign_requests() == []
    assert recorder.console_errors == []
