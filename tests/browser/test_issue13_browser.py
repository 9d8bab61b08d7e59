"""Issue 13 in a real browser: the topic map and timeline on a phone, search labels and filters,
the year pages, and the 404 page's search box."""

from __future__ import annotations

import importlib.util

import pytest
from browser_support import SCHEMES, axe_violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def page(tab):
    """These tests only read the served archive: one page for the module, reset for each test (conftest)."""
    return tab

needs_search = pytest.mark.skipif(importlib.util.find_spec("pagefind") is None,
                                  reason="pagefind is not installed: the build makes no search index")

# Each SVG text's font size in CSS pixels as drawn (its font size times the SVG's scale), and how
# far anything in the figure reaches beyond the page's width.
SVG_TEXT = """figure => {
    const svg = figure.querySelector('svg');
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    const right = Math.max(...[...figure.querySelectorAll('*')].map(el => el.getBoundingClientRect().right));
    return {smallest: Math.min(...sizes), right, width: document.documentElement.clientWidth,
            scroll: document.documentElement.scrollWidth, links: svg.querySelectorAll('a').length};
}"""


@pytest.mark.parametrize("path, figure", [("themen/", "figure.topic-map"),
                                          ("themen/digitale-daseinsvorsorge/", "figure.timeline")])
def test_topic_map_and_timeline_fit_a_320_px_phone_with_readable_labels(path, figure, built_site, page):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(built_site.url(path))
    drawn = page.locator(figure).evaluate(SVG_TEXT)
    assert drawn["scroll"] <= drawn["width"] and drawn["right"] <= drawn["width"], drawn
    assert drawn["smallest"] >= 12, drawn
    assert drawn["links"] >= 2


def test_every_node_of_the_topic_map_leads_to_its_topic(built_site, page):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(built_site.url("themen/"))
    page.locator("figure.topic-map a").filter(has_text="Verstetigung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verstetigung")


def test_the_archive_leads_to_a_year_and_the_year_to_its_sessions(built_site, page, recorder):
    page.goto(built_site.url("sitzungen/"))
    page.get_by_role("navigation", name="Sitzungen nach Jahren").get_by_role("link", name="2024").click()
    expect(page).to_have_url(built_site.url("sitzungen/2024/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sitzungen 2024")
    expect(page.get_by_role("link", name="2024", exact=True)).to_have_attribute("aria-current", "page")
    page.get_by_role("main").get_by_role("link", name="Verstetigung – wie Wissen im Landkreis bleibt").click()
    expect(page).to_have_url(built_site.url("sitzungen/2024-09-05-verstetigung/"))
    assert recorder.console_errors == []


def test_a_topic_timeline_column_leads_to_that_year(built_site, page):
    page.goto(built_site.url("themen/verstetigung/"))
    page.locator("figure.timeline a").first.click()
    expect(page).to_have_url(built_site.url("sitzungen/2024/"))


def _results(page):
    items = page.locator("#suchergebnisse > li")
    expect(items.first).to_be_visible()
    return [{"meta": item.locator(".result-meta").inner_text(), "title": item.locator("h2").inner_text(),
             "excerpt": item.locator("p").last.inner_text()} for item in items.all()]


@needs_search
def test_search_results_say_what_they_are_and_when_and_cut_excerpts_with_an_ellipsis(built_site, page, recorder):
    page.goto(built_site.url("suche/"))
    page.get_by_role("searchbox", name="Suchbegriff").fill("Verstetigung")
    page.keyboard.press("Enter")
    results = _results(page)
    kinds = {r["meta"].split(" · ")[0] for r in results}
    assert {"Sitzung", "Thema"} <= kinds and kinds <= {"Sitzung", "Thema", "Person"}, results
    session = next(r for r in results if r["title"] == "Verstetigung – wie Wissen im Landkreis bleibt")
    assert session["meta"] == "Sitzung · 5.\u00a0September\u00a02024 · Smarter Kaffee Nr.\u00a04"
    assert any(r["excerpt"].startswith("… ") or r["excerpt"].endswith(" …") for r in results), results
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        assert (found := axe_violations(page)) == "", f"axe on the filtered results ({scheme}):\n{found}"
    assert recorder.console_errors == []


@needs_search
def test_search_filters_by_kind_and_year_and_the_address_keeps_them(built_site, page):
    page.goto(built_site.url("suche/"))
    page.get_by_role("searchbox", name="Suchbegriff").fill("Landkreis")
    page.keyboard.press("Enter")
    everything = _results(page)
    page.get_by_role("radio", name="Themen").check()
    expect(page.locator("#suchergebnisse .kind").first).to_have_text("Thema")
    topics = _results(page)
    assert topics and all(r["meta"].startswith("Thema") for r in topics) and len(topics) < len(everything)
    page.get_by_role("radio", name="Sitzungen").check()
    page.get_by_label("Jahr").select_option("2025")
    expect(page.locator("#suchergebnisse .result-meta").first).to_contain_text("2025")
    sessions = _results(page)
    assert sessions and all(r["meta"].startswith("Sitzung ·") and "2025" in r["meta"] for r in sessions), sessions
    assert "kind=session" in page.url and "year=2025" in page.url
    page.reload()  # a shared address shows the same
    expect(page.get_by_role("radio", name="Sitzungen")).to_be_checked()
    expect(page.locator("#suchergebnisse .result-meta").first).to_contain_text("2025")
    assert len(_results(page)) == len(sessions)


@needs_search
def test_the_404_page_offers_the_search(built_site, page):
    page.goto(built_site.url("gibt-es-nicht/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    page.get_by_role("searchbox").fill("Behördenspiegel")
    page.get_by_role("button", name="Suchen").click()
    expect(page).to_have_url(built_site.url("suche/") + "?q=Beh%C3%B6rdenspiegel")
    expect(page.get_by_role("main").get_by_role("link", name="Verstetigung – wie Wissen im Landkreis bleibt")).to_be_visible()
