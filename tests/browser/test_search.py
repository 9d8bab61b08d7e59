"""The search page finds a report by a word from its text, in the browser, on the static host."""

from __future__ import annotations

import importlib.util

import pytest
from browser_support import SCHEMES, axe_violations
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(importlib.util.find_spec("pagefind") is None,
                       reason="pagefind is not installed (pip install 'pagefind[extended]'): the build makes no search index"),
]

REPORT = "Verstetigung – wie Wissen im Landkreis bleibt"
WORD = "Behördenspiegel"  # appears in that one report only


def test_a_word_from_one_report_finds_that_report(built_site, page, recorder):
    assert built_site.has("suche/"), "pagefind is installed, so the build must write the search page suche/"
    assert (built_site.output / "pagefind" / "pagefind.js").is_file(), "the build must write the Pagefind index"
    page.goto(built_site.url("suche/"))
    page.get_by_role("searchbox", name="Suchbegriff").fill(WORD)
    page.keyboard.press("Enter")
    result = page.get_by_role("main").get_by_role("link", name=REPORT)
    expect(result).to_be_visible()
    # The results, with their highlighted words, are as accessible as the rest of the archive.
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        assert (found := axe_violations(page)) == "", f"axe on the search results ({scheme}):\n{found}"
    result.click()
    expect(page).to_have_url(built_site.url("sitzungen/2024-09-05-verstetigung/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(REPORT)
    assert recorder.console_errors == []
    assert recorder.foreign_requests() == []


def test_a_search_address_can_be_shared(built_site, page):
    page.goto(built_site.url("suche/") + "?q=" + WORD)
    expect(page.get_by_role("searchbox", name="Suchbegriff")).to_have_value(WORD)
    expect(page.get_by_role("main").get_by_role("link", name=REPORT)).to_be_visible()


def test_without_javascript_reports_still_read_and_the_search_page_says_why_it_cannot_search(built_site, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(built_site.url("suche/"))
        # Playwright's text and role locators skip <noscript>, so CSS locators find the shown notice.
        notice = page.locator("main noscript p")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("Die Suche braucht JavaScript")
        notice.locator("a", has_text="Archiv aller Sitzungen").click()
        expect(page).to_have_url(built_site.url("sitzungen/"))
        page.get_by_role("main").get_by_role("link", name=REPORT).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(REPORT)
        expect(page.get_by_role("main")).to_contain_text(WORD)
    finally:
        context.close()
