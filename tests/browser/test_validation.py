"""Every page is valid HTML (the Nu HTML Checker), and every kind of page loads cleanly in Chromium:
no console error, no failed or broken request, no request to any host but the archive's own."""

from __future__ import annotations

import pytest
from browser_support import PAGE_KINDS, nu_html_checker

pytestmark = pytest.mark.browser


@pytest.fixture
def page(tab):
    """These tests only read the served archive: one page for the module, reset for each test (conftest)."""
    return tab


def test_nu_html_checker_finds_no_error_on_any_page(built_site):
    pages = sorted(built_site.output.rglob("*.html"))
    assert len(pages) > 30, "the sample archive should have many pages to check"
    # --also-check-css validates the theme's stylesheet too; vnu writes its JSON report to stderr.
    messages, run = nu_html_checker("--skip-non-html", "--also-check-css", str(built_site.output))
    report = "\n".join(f"{m['url'].removeprefix('file:' + str(built_site.output))}:{m.get('lastLine', '?')}: "
                       f"{m['message']}" for m in messages[:30])
    report += f"\n… and {len(messages) - 30} more" if len(messages) > 30 else ""
    assert messages == [], f"Nu HTML Checker errors:\n{report}"
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_page_loads_cleanly_and_only_from_the_archive(kind, built_site, page, recorder):
    if not built_site.has(PAGE_KINDS[kind]):
        pytest.skip(f"this build has no {kind} page ({PAGE_KINDS[kind]}): search is off or not built")
    response = page.goto(built_site.url(PAGE_KINDS[kind]), wait_until="networkidle")
    assert response is not None and response.status == 200
    assert recorder.foreign_requests() == []
    assert recorder.failed == []
    assert recorder.broken == []
    assert recorder.console_errors == []
    # The stylesheet and the favicon really were fetched from the archive, under its base path.
    fetched = {r.removeprefix(built_site.url()) for r in recorder.requests}
    assert {"static/style.css", "static/favicon.svg"} <= fetched, sorted(fetched)
