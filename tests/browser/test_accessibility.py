"""Accessibility in a real browser: axe-core finds no WCAG 2.2 A/AA violation on any kind of page,
in the light and the dark color scheme, and a keyboard user can skip to the content and see focus."""

from __future__ import annotations

import pytest
from browser_support import PAGE_KINDS, SCHEMES, axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def page(tab):
    """These tests only read the served archive: one page for the module, reset for each test (conftest)."""
    return tab


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_axe_finds_no_wcag_violation_in_light_or_dark(kind, built_site, page):
    if not built_site.has(PAGE_KINDS[kind]):
        pytest.skip(f"this build has no {kind} page ({PAGE_KINDS[kind]}): search is off or not built")
    page.goto(built_site.url(PAGE_KINDS[kind]))
    found = {}
    for scheme in SCHEMES:  # one page load, both schemes: the colours change, nothing else
        page.emulate_media(color_scheme=scheme)
        found[scheme] = axe_violations(page)
    assert found == {scheme: "" for scheme in SCHEMES}, "\n".join(
        f"axe on the {kind} page ({scheme}):\n{text}" for scheme, text in found.items() if text)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(built_site, page):
    page.goto(built_site.url(PAGE_KINDS["session"]))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    # The next stop is inside the content, not back in the header navigation.
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_focused_links_show_a_visible_outline(scheme, built_site, page):
    page.emulate_media(color_scheme=scheme)
    page.goto(built_site.url(""))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the site title, after the skip link
    focused = page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return {tag: document.activeElement.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth)};
    }""")
    assert focused["tag"] == "A"
    assert focused["style"] != "none" and focused["width"] >= 2, focused
