"""Theme settings in site.yaml: colours (checked: a colour, and WCAG AA contrast), a logo, footer links."""

from __future__ import annotations

import re

import pytest
from support import TEMPLATES, Archive, session_md

from kaffee_site.appearance import DARK, LIGHT, contrast, mix


def themed(archive: Archive, theme: str) -> Archive:
    archive.write("site.yaml", "title: Archiv\nsearch: false\ntheme:\n" + theme)
    archive.write("sessions/a.md", session_md("Eine Runde", "2024-09-05", "Bericht."))
    return archive


def errors(archive: Archive, capsys) -> str:
    assert archive.build() == 1
    err = capsys.readouterr().err
    assert not archive.output.exists()
    return err


def test_the_palette_is_the_stylesheets():
    css = (TEMPLATES / "static/style.css").read_text(encoding="utf-8")
    root, dark = re.search(r":root \{(.*?)\}", css, re.S)[1], re.search(r"dark\) \{\s*:root \{(.*?)\}", css, re.S)[1]
    for block, palette in ((root, LIGHT), (dark, DARK)):
        for name, colour in palette.items():
            assert f"--{name}: {colour};" in block, name


def test_contrast_and_mixing_follow_wcag():
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the well-known just-too-light grey
    assert mix("#000000", "#ffffff", 0.5) == "#808080"
    assert all(contrast(LIGHT[a], LIGHT[b]) >= 4.5 for a, b in (("fg", "bg"), ("accent", "bg"), ("muted", "bg")))


def test_colours_reach_the_pages_as_custom_properties(archive: Archive, capsys):
    themed(archive, '  accent: "#0b5cad"\n  background: "#FFF"\n  accent_dark: "#8ab8ff"\n')
    assert archive.build() == 0, capsys.readouterr().err
    page = archive.page("sitzungen/a/")
    style = re.search(r"<style>(.*?)</style>", page, re.S)[1]
    light, dark = style.split("\n")
    assert light.startswith("@media (prefers-color-scheme: light) { :root { ") and "--accent: #0b5cad;" in light
    assert "--bg: #ffffff;" in light and "--accent-bg: " in light and "--muted: " in light
    assert dark.startswith("@media (prefers-color-scheme: dark) { :root { ") and "--accent: #8ab8ff;" in dark
    assert "--bg:" not in dark  # only what was set, and what is made from it
    assert page.index("static/style.css") < page.index("<style>")  # after the stylesheet, so it wins
    # the stylesheet is the default one, unchanged
    assert (archive.output / "static/style.css").read_bytes() == (TEMPLATES / "static/style.css").read_bytes()


def test_without_theme_settings_no_style_element(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md())
    assert archive.build() == 0
    assert "<style>" not in archive.page("")


@pytest.mark.parametrize("setting, shown", [
    ('accent: blau', "'blau'"), ("accent: #0b5cad", "None"), ('background: "#12345"', "'#12345'"),
    ("text_dark: 42", "42"),
])
def test_something_that_is_not_a_colour_is_an_error_at_its_line(archive: Archive, capsys, setting: str, shown: str):
    key = setting.split(":")[0]
    err = errors(themed(archive, f"  logo: null\n  {setting}\n"), capsys)
    assert f"site.yaml:5: 'theme.{key}' must be a colour like '#0b5cad', not {shown}" in err
    assert "hint: write it as #rrggbb in quotes" in err


def test_too_little_contrast_is_an_error_with_the_ratio(archive: Archive, capsys):
    err = errors(themed(archive, '  accent: "#f5c400"\n'), capsys)
    assert ("site.yaml:4: the accent #f5c400 on the background #fdfbf7 has a contrast of 1.59:1; "
            "WCAG AA needs at least 4.5:1") in err


def test_a_dark_background_under_the_default_text_fails(archive: Archive, capsys):
    err = errors(themed(archive, '  background: "#202020"\n'), capsys)
    assert "site.yaml:4: the text #1f1b16 on the background #202020 has a contrast of 1.05:1" in err


def test_dark_colours_are_checked_on_their_own(archive: Archive, capsys):
    err = errors(themed(archive, '  accent: "#0b5cad"\n  accent_dark: "#0b5cad"\n'), capsys)
    assert "site.yaml:5: the accent #0b5cad on the background #1b1814 has a contrast of" in err
    assert "site.yaml:4:" not in err  # the light accent is fine


def test_a_logo_from_media_is_shown_in_the_header(archive: Archive, capsys):
    themed(archive, "  logo: logo.svg\n")
    archive.write("media/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"/>')
    assert archive.build() == 0, capsys.readouterr().err
    page = archive.page("sitzungen/a/")
    # an SVG as it is, its size from its viewBox (outputs/pictures.py)
    assert ('<a class="site-title" href="/"><img src="/media/logo.svg" width="10" height="10" alt="" '
            'class="site-logo" decoding="async">Archiv</a>') in page


@pytest.mark.parametrize("logo, message", [
    ("fehlt.svg", "site.yaml:4: the logo 'media/fehlt.svg' does not exist"),
    ("../../etc/passwd.png", "site.yaml:4: 'theme.logo' must name an image in media/, not '../../etc/passwd.png'"),
    ("logo.exe", "site.yaml:4: 'theme.logo' must name an image in media/, not 'logo.exe'"),
])
def test_a_bad_logo_is_an_error_at_its_line(archive: Archive, capsys, logo: str, message: str):
    assert message in errors(themed(archive, f"  logo: {logo}\n"), capsys)


def test_footer_links_follow_the_pages(archive: Archive, capsys):
    themed(archive, "  footer_links:\n    - title: Kontakt\n      url: https://example.org/kontakt\n"
                    "    - title: Presse\n      url: /presse/\n    - title: Schreiben Sie uns\n      url: mailto:a@example.org\n")
    archive.write("site.yaml", archive.content.joinpath("site.yaml").read_text().replace("search: false", "base_url: /k/"))
    archive.write("pages/impressum.md", "---\ntitle: Impressum\n---\nText.\n")
    assert archive.build() == 0, capsys.readouterr().err
    footer = archive.page("").split("<footer")[1]
    assert re.search(r'<li><a href="/k/impressum/">Impressum</a></li>\s*<li><a href="https://example.org/kontakt">Kontakt'
                     r'</a></li>\s*<li><a href="/k/presse/">Presse</a></li>\s*<li><a href="mailto:a@example.org">', footer)


@pytest.mark.parametrize("entry, message", [
    ("    - title: Böse\n      url: javascript:alert(1)\n",
     "site.yaml:6: 'theme.footer_links' entry 1 needs a 'url' starting with https://, http://, mailto: or /, "
     "not 'javascript:alert(1)'"),
    ("    - url: https://example.org/\n", "site.yaml:5: 'theme.footer_links' entry 1 needs a 'title'"),
])
def test_a_bad_footer_link_is_an_error_at_its_line(archive: Archive, capsys, entry: str, message: str):
    assert message in errors(themed(archive, "  footer_links:\n" + entry), capsys)


def test_an_unknown_theme_key_warns(archive: Archive, capsys):
    themed(archive, '  acent: "#0b5cad"\n')
    assert archive.build() == 0
    assert "site.yaml:4: warning: unknown key 'acent' under 'theme'" in capsys.readouterr().err
