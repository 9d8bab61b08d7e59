"""A reader finds their way by clicking: index → session → topic → another session → speaker, and
back with the browser's history; the main navigation and the 404 page work under the sub-path."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def page(tab):
    """These tests only read the served archive: one page for the module, reset for each test (conftest)."""
    return tab


def heading(page):
    return page.get_by_role("heading", level=1)


def test_reader_follows_links_from_index_to_a_speaker_and_back(built_site, page, recorder):
    page.goto(built_site.url(""))
    expect(heading(page)).to_have_text("Berichte aus den Sitzungen von »Smarter Kaffee«")

    steps = [
        (lambda: page.get_by_role("main").get_by_role("link", name="Verstetigung – wie Wissen im Landkreis bleibt"),
         "sitzungen/2024-09-05-verstetigung/", "Verstetigung – wie Wissen im Landkreis bleibt"),
        (lambda: page.get_by_role("region", name="Themen").get_by_role("link", name="Digitale Daseinsvorsorge",
                                                                        exact=True),
         "themen/digitale-daseinsvorsorge/", "Digitale Daseinsvorsorge"),
        (lambda: page.get_by_role("main").get_by_role("link", name="Digitallotsen – Ehrenamt als Brücke ins Digitale"),
         "sitzungen/2024-07-11-digitallotsen/", "Digitallotsen – Ehrenamt als Brücke ins Digitale"),
        (lambda: page.get_by_role("region", name="Referierende").get_by_role("link", name="Malte Vorlage"),
         "personen/malte-vorlage/", "Malte Vorlage"),
    ]
    visited = [("", "Berichte aus den Sitzungen von »Smarter Kaffee«")]
    for link, path, title in steps:
        link().click()
        expect(page).to_have_url(built_site.url(path))
        expect(heading(page)).to_have_text(title)
        visited.append((path, title))

    # The speaker page lists the session we came from.
    expect(page.get_by_role("main").get_by_role("link", name="Digitallotsen – Ehrenamt als Brücke ins Digitale")).to_be_visible()

    for path, title in reversed(visited[:-1]):
        page.go_back()
        expect(page).to_have_url(built_site.url(path))
        expect(heading(page)).to_have_text(title)
    page.go_forward()
    expect(heading(page)).to_have_text(visited[1][1])
    assert recorder.console_errors == []


def test_reader_pages_through_the_list_of_sessions(built_site, page):
    page.goto(built_site.url(""))
    pages = page.get_by_role("navigation", name="Seiten der Liste")
    first_page = page.get_by_role("main").get_by_role("article").get_by_role("link").first.inner_text()
    pages.get_by_role("link", name="Nächste Seite").click()
    expect(page).to_have_url(built_site.url("seite/2/"))
    expect(pages).to_contain_text("Seite 2 von")
    # The second page continues the list: the oldest session is there, the newest is not.
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Auftakt – was digitale Daseinsvorsorge im Landkreis bedeutet")).to_be_visible()
    expect(main.get_by_role("link", name=first_page)).to_have_count(0)
    pages.get_by_role("link", name="Vorherige Seite").click()
    expect(page).to_have_url(built_site.url(""))
    expect(main.get_by_role("link", name=first_page)).to_be_visible()


def test_main_navigation_marks_the_current_section(built_site, page):
    page.goto(built_site.url(""))
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    for label, path in [("Themen", "themen/"), ("Personen", "personen/"), ("Organisationen", "organisationen/"),
                        ("Sitzungen", "sitzungen/")]:
        nav.get_by_role("link", name=label).click()
        expect(page).to_have_url(built_site.url(path))
        expect(nav.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")
        expect(heading(page)).to_be_visible()
    # Inside a section the section's link says so, without claiming to be the page itself.
    page.get_by_role("main").get_by_role("link").filter(has_text=re.compile("Verstetigung")).first.click()
    expect(nav.get_by_role("link", name="Sitzungen")).to_have_attribute("aria-current", "true")


def test_a_missing_address_gets_the_styled_404_page_with_a_way_home(built_site, page):
    response = page.goto(built_site.url("sitzungen/gibt-es-nicht/"))
    assert response is not None and response.status == 404
    expect(heading(page)).to_have_text("Seite nicht gefunden")
    # The stylesheet loads from the 404 page at any depth: the theme's background is applied.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    page.get_by_role("main").get_by_role("link", name="Startseite").click()
    expect(page).to_have_url(built_site.url(""))
    expect(heading(page)).to_have_text("Berichte aus den Sitzungen von »Smarter Kaffee«")
