"""Legal pages and overriding safely (issue 22): every page links the Impressum, the
Datenschutzerklärung and the Erklärung zur Barrierefreiheit; an override that drops them is an
error of `check` naming the template; the default theme offers small blocks (header_extra,
footer_extra, session_aside) so a common change needs no copy of a whole block, and the README's
example uses them. Each test writes real files, runs `check`/`build` and reads the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support import ROOT, Archive, session_md, with_legal_pages
from kaffee_site.cli import main

FOOTER_DROPPED = ('{% extends "default/base.html" %}\n'
                  '{% block footer %}<footer class="site-footer">Kontakt: redaktion@example.org</footer>{% endblock %}\n')


def check(archive: Archive, capsys, *extra: str) -> tuple[int, str]:
    (archive.root / "templates").mkdir(exist_ok=True)  # the archive's overrides, maybe none
    capsys.readouterr()
    code = main(["check", "--content", str(archive.content), "--templates", str(archive.root / "templates"),
                 *extra])
    return code, capsys.readouterr().out


def build(archive: Archive) -> int:
    (archive.root / "templates").mkdir(exist_ok=True)
    return main(["build", "--content", str(archive.content), "--output", str(archive.output),
                 "--templates", str(archive.root / "templates")])


def german(archive: Archive) -> Archive:
    archive.write("sessions/a.md", session_md("Auftakt", "2024-05-16", number=1))
    return with_legal_pages(archive)


def override(archive: Archive, name: str, text: str) -> Path:
    path = archive.root / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_german_archive_without_its_legal_pages_fails_check_strict(archive: Archive, capsys):
    archive.write("sessions/a.md", session_md("Auftakt", "2024-05-16", number=1))
    archive.write("pages/impressum.md", "---\ntitle: Impressum\n---\nWir.\n")
    assert check(archive, capsys)[0] == 0  # an archive being set up builds and previews
    code, out = check(archive, capsys, "--strict")  # but CI does not publish it
    assert code == 1
    pages = archive.content / "pages"
    assert (f"{pages}: warning: the archive has no privacy policy (Datenschutzerklärung), which every page must link\n"
            "    hint: create pages/datenschutz.md ('kaffee-site init' in an empty folder writes a skeleton of it), "
            "or name your page in site.yaml: 'legal_pages: {privacy: <slug>}'") in out
    assert f"{pages}: warning: the archive has no accessibility statement (Erklärung zur Barrierefreiheit)" in out
    assert "no legal notice" not in out
    # found by its title as well as by its slug
    archive.write("pages/privatsphaere.md", "---\ntitle: Datenschutzerklärung\n---\nKeine Cookies.\n")
    archive.write("pages/zugang.md", "---\ntitle: Erklärung zur Barrierefreiheit\n---\nBarrierefrei.\n")
    assert check(archive, capsys, "--strict") == (0, "")


def test_legal_pages_named_in_site_yaml_and_false_only_outside_german(archive: Archive, capsys):
    german(archive)
    archive.write("pages/kontakt.md", "---\ntitle: Kontakt und Anbieter\n---\nWir.\n")
    archive.write("site.yaml", "legal_pages:\n  imprint: kontakt\n  privacy: datenschutz-neu\n")
    code, out = check(archive, capsys)
    assert code == 1
    assert (f"{archive.content / 'site.yaml'}: legal_pages names 'datenschutz-neu' as the privacy policy "
            "(Datenschutzerklärung), but there is no page with that slug") in out
    archive.write("site.yaml", "legal_pages: false\n")
    code, out = check(archive, capsys)
    assert code == 1 and (f"{archive.content / 'site.yaml'}:1: a German archive cannot do without its legal pages "
                          "('legal_pages: false')") in out
    for page in ("impressum", "datenschutz", "barrierefreiheit", "kontakt"):
        (archive.content / "pages" / f"{page}.md").unlink()
    archive.write("site.yaml", "language: en\n")
    code, out = check(archive, capsys, "--strict")
    assert code == 1 and "warning: the archive has no legal notice (Impressum)" in out
    assert "outside German law, 'legal_pages: false' in site.yaml does without them" in out
    archive.write("site.yaml", "language: en\nlegal_pages: false\n")
    assert check(archive, capsys, "--strict") == (0, "")


def test_an_override_that_drops_the_footer_links_is_an_error_naming_it(archive: Archive, capsys):
    german(archive)
    template = override(archive, "base.html", FOOTER_DROPPED)
    code, out = check(archive, capsys)
    assert code == 1
    assert (f"{template}:2: no page links the legal notice (Impressum) (/impressum/), the privacy policy "
            "(Datenschutzerklärung) (/datenschutz/), the accessibility statement (Erklärung zur Barrierefreiheit) "
            "(/barrierefreiheit/)\n    hint: every page must link the legal pages (the default footer does): "
            "extend '{% block footer_extra %}' instead of replacing '{% block footer %}', or keep '{{ super() }}' "
            "in it") in out
    assert build(archive) == 0  # the build itself does not judge the theme; check (CI) does
    # keeping the default footer with super() is enough
    override(archive, "base.html", '{% extends "default/base.html" %}\n'
                                   '{% block footer %}{{ super() }}<p>Kontakt</p>{% endblock %}\n')
    assert check(archive, capsys, "--strict") == (0, "")


def test_an_override_of_one_page_kind_is_named_with_its_pages(archive: Archive, capsys):
    german(archive)
    template = override(archive, "session.html", '{% extends "default/session.html" %}\n\n'
                                                 '{% block footer %}<footer>Nur ein Bericht</footer>{% endblock %}\n')
    code, out = check(archive, capsys)
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith(str(template))]
    assert lines == [f"{template}:3: the pages made from 'session.html' do not link the legal notice (Impressum) "
                     "(/impressum/), the privacy policy (Datenschutzerklärung) (/datenschutz/), the accessibility "
                     "statement (Erklärung zur Barrierefreiheit) (/barrierefreiheit/)"]


def test_the_small_blocks_add_without_copying(archive: Archive, capsys):
    german(archive)
    override(archive, "base.html", '{% extends "default/base.html" %}\n'
                                   '{% block header_extra %}<p class="hinweis">Testbetrieb</p>{% endblock %}\n'
                                   '{% block footer_extra %}<p class="kontakt">Kontakt</p>{% endblock %}\n')
    override(archive, "session.html", '{% extends "default/session.html" %}\n'
                                      '{% block session_aside %}<aside>Aufzeichnung folgt</aside>{% endblock %}\n')
    assert check(archive, capsys, "--strict") == (0, "")
    assert build(archive) == 0
    page = archive.page("sitzungen/a/")
    header = page.split("<header class=\"site-header\">", 1)[1].split("</header>", 1)[0]
    footer = page.split("<footer class=\"site-footer\">", 1)[1].split("</footer>", 1)[0]
    assert '<p class="hinweis">Testbetrieb</p>' in header and '<p class="kontakt">Kontakt</p>' in footer
    assert 'href="/impressum/"' in footer  # the rest of the footer stays the default's
    article = page.split('<article class="session"', 1)[1].split("</article>", 1)[0]
    assert "<aside>Aufzeichnung folgt</aside>" in article
    assert '<p class="kontakt">Kontakt</p>' in archive.page("index.html")


def readme_footer_example() -> str:
    """The Jinja block of the README's recipe 'Add to the footer' (the example editors copy)."""
    recipe = (ROOT / "README.md").read_text(encoding="utf-8").split("\n### Add to the footer\n", 1)[1]
    return re.search(r"```jinja\n(.*?)```", recipe.split("\n## ", 1)[0], re.S).group(1)


def test_the_readme_footer_example_keeps_the_legal_links(archive: Archive, capsys):
    example = readme_footer_example()
    assert "{% block footer_extra %}" in example and "{% block footer %}" not in example
    german(archive)
    override(archive, "base.html", example)
    assert check(archive, capsys, "--strict") == (0, "")
    assert build(archive) == 0
    for page in ("", "sitzungen/a/", "impressum/", "404.html"):
        html = archive.page(page)
        assert "redaktion@example.org" in html and 'href="/datenschutz/"' in html, page


def test_the_sample_archives_legal_pages_say_they_are_invented_and_pass_strict(tmp_path, capsys):
    """The sample archive tells no lies: its publisher is invented, and each legal page says so on top."""
    from support import SAMPLE_CONTENT
    for name in ("impressum", "datenschutz", "barrierefreiheit"):
        body = (SAMPLE_CONTENT / "pages" / f"{name}.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
        note = body.strip().split("\n\n", 1)[0]
        assert note.startswith("*Hinweis: Dies ist ein") and "fiktiv" in note and note.endswith("*"), name
    capsys.readouterr()
    assert main(["check", "--content", str(SAMPLE_CONTENT), "--templates", str(ROOT / "templates"), "--strict"]) == 0
    assert capsys.readouterr().out == ""
