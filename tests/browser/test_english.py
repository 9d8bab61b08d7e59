"""The browser checks on an English archive: made with `kaffee-site init --language en`, grown by a
few sessions (so lists run over pages), with theme settings (colours for light and dark, a logo,
a footer link). axe finds no WCAG violation, the Nu HTML Checker no error, nothing scrolls
sideways at 320 px, and every page says lang="en"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from browser_support import SCHEMES, BuiltSite, axe_violations, nu_html_checker, served_folder

from kaffee_site.cli import main as kaffee_site
from kaffee_site.commands.init import init_archive

pytestmark = pytest.mark.browser


@pytest.fixture
def page(tab):
    """These tests only read the served archive: one page for the module, reset for each test (conftest)."""
    return tab

THEME = """theme:
  accent: "#0b5cad"
  background: "#ffffff"
  accent_dark: "#8ab8ff"
  logo: logo.svg
  footer_links:
    - title: Contact
      url: mailto:editors@example.org
"""
KINDS = {
    "index": "", "session": "sessions/2025-02-13-round-2/", "topic": "topics/open-data/",
    "topics": "topics/", "speaker": "people/jane-doe/", "people": "people/",
    "organisation": "organisations/example-county/", "organisations": "organisations/",
    "archive": "sessions/", "page": "accessibility/", "404": "404.html", "search": "search/",
    "index-page-2": "page/2/",
}
OVERFLOW = "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"


@pytest.fixture(scope="module")
def english_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("english-site")
    init_archive(root, "en", date(2025, 1, 16), "Coffee Round Archive")
    content = root / "content"
    (content / "site.yaml").write_text((content / "site.yaml").read_text(encoding="utf-8")
                                       + "page_size: 5\nbase_url: /coffee/\n" + THEME, encoding="utf-8")
    (content / "media").mkdir()
    (content / "media/logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
                                            '<circle cx="5" cy="5" r="5" fill="#0b5cad"/></svg>\n')
    (content / "topics/open-data.md").write_text("---\ntitle: Open Data\nsummary: Data for everyone.\n---\n"
                                                 "Open data lets anyone reuse what the county publishes.\n")
    for n in range(2, 8):
        day = date(2025, 1, 16) + timedelta(weeks=4 * (n - 1))
        (content / f"sessions/{day.year}").mkdir(exist_ok=True)
        (content / f"sessions/{day.year}/{day.isoformat()}-round-{n}.md").write_text(
            f"---\ntitle: Round {n}\ndate: {day.isoformat()}\nnumber: {n}\ntopics:\n  - Open Data\n"
            f"speakers:\n  - name: Jane Doe\n    org: Example County\n  - name: Sam Roe\n---\n"
            f"We talked about Open Data and getting started.\n\n## Results\n\nA list:\n\n- one\n- two\n",
            encoding="utf-8")
    output = root / "output"
    assert kaffee_site(["build", "--content", str(content), "--output", str(output)]) == 0
    with served_folder(output, "/coffee/") as url:
        yield BuiltSite(output, "/coffee/", url.removesuffix("/coffee/"))


@pytest.mark.parametrize("kind", KINDS)
def test_axe_on_the_english_archive(kind, english_site, page):
    assert english_site.has(KINDS[kind]), KINDS[kind]
    page.goto(english_site.url(KINDS[kind]))
    assert page.evaluate("document.documentElement.lang") == "en"
    found = {}
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        found[scheme] = axe_violations(page)
    assert found == {scheme: "" for scheme in SCHEMES}, "\n".join(
        f"axe on the English {kind} page ({scheme}):\n{text}" for scheme, text in found.items() if text)


def test_the_theme_colours_are_in_use(english_site, page, artifacts):
    for kind in ("index", "session"):  # for a person to look at: test-artifacts/en-*.png
        page.goto(english_site.url(KINDS[kind]))
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=artifacts / f"en-{kind}-1280-{scheme}.png", full_page=True)
    page.emulate_media(color_scheme="light")
    assert page.evaluate("getComputedStyle(document.querySelector('main a')).color") == "rgb(11, 92, 173)"
    page.emulate_media(color_scheme="dark")
    assert page.evaluate("getComputedStyle(document.querySelector('main a')).color") == "rgb(138, 184, 255)"
    assert page.evaluate("document.querySelector('.site-logo').naturalWidth") > 0


def test_every_english_page_reflows_at_320_px(english_site, page):
    page.set_viewport_size({"width": 320, "height": 640})
    wide = {}
    for kind, path in KINDS.items():
        page.goto(english_site.url(path))
        overflow = page.evaluate(OVERFLOW)
        if overflow["scroll"] > overflow["client"]:
            wide[kind] = overflow
    assert wide == {}


def test_nu_html_checker_on_the_english_archive(english_site):
    messages, run = nu_html_checker("--skip-non-html", str(english_site.output))
    assert messages == [], "\n".join(f"{m['url']}:{m.get('lastLine', '?')}: {m['message']}" for m in messages[:20])
    assert run.returncode == 0
