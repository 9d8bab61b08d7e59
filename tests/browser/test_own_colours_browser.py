"""An archive that sets only its light colours (issue 22): in Chromium's dark scheme its pages
show a dark palette made from those colours, not the default brown one, and axe-core finds no
contrast problem in either scheme. Built with the real command, served over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import ARTIFACTS, TEMPLATES, axe_violations, served_folder

from kaffee_site.appearance import AA, DARK, contrast
from kaffee_site.cli import main

pytestmark = pytest.mark.browser

SITE = 'title: Kaffeerunde\nbase_url: /kaffee/\nsearch: false\ntheme:\n  accent: "#0b5cad"\n'
LEGAL = {"impressum": "Impressum", "datenschutz": "Datenschutzerklärung",
         "barrierefreiheit": "Erklärung zur Barrierefreiheit"}


@pytest.fixture
def blue_archive(tmp_path: Path):
    content, output = tmp_path / "content", tmp_path / "output"
    (content / "sessions").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "site.yaml").write_text(SITE, encoding="utf-8")
    (content / "sessions/a.md").write_text("---\ntitle: Auftakt\ndate: 2024-05-16\nnumber: 1\n---\n"
                                           "Ein [Link](/impressum/) im Text.\n", encoding="utf-8")
    for slug, title in LEGAL.items():
        (content / "pages" / f"{slug}.md").write_text(f"---\ntitle: {title}\n---\nText.\n", encoding="utf-8")
    assert main(["build", "--content", str(content), "--output", str(output), "--templates", str(TEMPLATES)]) == 0
    with served_folder(output, "/kaffee/") as url:
        yield url


def _hex(rgb: str) -> str:
    """'rgb(170, 198, 226)' -> '#aac6e2'."""
    parts = rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]
    return "#" + "".join(f"{int(float(p)):02x}" for p in parts)


def test_light_colours_alone_give_the_dark_scheme_a_palette_of_their_own(blue_archive, page):
    page.goto(blue_archive + "sitzungen/a/")
    found = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        found[scheme] = page.evaluate("""() => {
            const link = document.querySelector('main a[href="/kaffee/impressum/"]');
            return {link: getComputedStyle(link).color, bg: getComputedStyle(document.body).backgroundColor};
        }""")
        page.screenshot(path=str(ARTIFACTS / f"own-colours-{scheme}.png"), full_page=True)
        assert axe_violations(page) == "", scheme
    light, dark = ({key: _hex(value) for key, value in found[s].items()} for s in ("light", "dark"))
    assert light["link"] == "#0b5cad"
    assert dark["link"] != DARK["accent"] and dark["link"] != light["link"]
    red, green, blue = (int(dark["link"][i:i + 2], 16) for i in (1, 3, 5))
    assert blue > red and blue > green, dark  # the archive's blue, lightened
    assert contrast(dark["link"], dark["bg"]) >= AA
