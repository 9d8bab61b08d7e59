"""Layout on a phone and on a desktop: no horizontal scrolling on any kind of page, readable line
length, and screenshots of every kind of page in test-artifacts/ for a person to look at."""

from __future__ import annotations

import pytest
from browser_support import PAGE_KINDS, SCHEMES, WIDTHS

pytestmark = pytest.mark.browser


@pytest.fixture
def page(tab):
    """These tests only read the served archive: one page for the module, reset for each test (conftest)."""
    return tab

OVERFLOW = """() => {
    const root = document.documentElement;
    const wide = [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > root.clientWidth + 1)
        .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
    return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 5)};
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_horizontal_scrolling_and_a_screenshot(kind, width, built_site, page, artifacts):
    if not built_site.has(PAGE_KINDS[kind]):
        pytest.skip(f"this build has no {kind} page ({PAGE_KINDS[kind]}): search is off or not built")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(built_site.url(PAGE_KINDS[kind]))
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=artifacts / f"{kind}-{width}-{scheme}.png", full_page=True)
        overflow = page.evaluate(OVERFLOW)
        assert overflow["scrollWidth"] <= overflow["clientWidth"], f"{kind} at {width} px scrolls sideways: {overflow}"


def test_every_kind_of_page_reflows_at_320_px(built_site, page):
    # WCAG 1.4.10: content reflows at 320 CSS px (a 1280 px screen zoomed to 400 %).
    page.set_viewport_size({"width": 320, "height": 640})
    wide = {}
    for kind, path in built_site.kinds().items():
        page.goto(built_site.url(path))
        overflow = page.evaluate(OVERFLOW)
        if overflow["scrollWidth"] > overflow["clientWidth"]:
            wide[kind] = overflow
    assert wide == {}


@pytest.mark.parametrize("kind", ["session", "page"])
def test_text_lines_stay_readable_on_a_wide_screen(kind, built_site, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(built_site.url(PAGE_KINDS[kind]))
    paragraph = page.locator("main p").filter(has_text=" ").nth(0)
    # About 50-90 characters per line: the text column must not stretch across a wide screen.
    chars = paragraph.evaluate("""p => {
        const width = p.getBoundingClientRect().width;
        const probe = document.createElement('span');
        probe.textContent = 'abcdefghijklmnopqrstuvwxyz'; p.append(probe);
        const perChar = probe.getBoundingClientRect().width / 26; probe.remove();
        return width / perChar;
    }""")
    assert 45 <= chars <= 95, f"about {chars:.0f} characters per line"


def test_body_text_is_at_least_16_px_on_a_phone(built_site, page):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(built_site.url(PAGE_KINDS["session"]))
    size = page.locator(".report p").first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    assert size >= 16
