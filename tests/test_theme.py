"""The theme's search path: an archive's templates/ overrides the packaged default theme file by file.

Builds run in the archive's folder with the default `./templates`, as an editor would run them.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from support import ROOT, TEMPLATES, Archive, session_md, tree_snapshot

from kaffee_site.cli import main
from kaffee_site.render import theme as theme_module
from kaffee_site.render.theme import Theme
from kaffee_site.themes import default_theme_folder

OVERRIDE_BASE = ('{% extends "default/base.html" %}\n'
                 '{% block footer %}<footer class="eigen">Unser Fuß</footer>\n{% endblock %}\n')
FOOTER = re.compile(rb'<footer class="site-footer">.*?</footer>\n', re.DOTALL)


@pytest.fixture
def here(archive: Archive, monkeypatch) -> Archive:
    """An archive with two sessions and a page, built from inside its folder (./templates, ./output)."""
    archive.write("site.yaml", "title: Eigenes Archiv\nsearch: false\n")
    archive.write("sessions/a.md", session_md("Erste Runde", "2024-09-05", "Bericht.", number=1))
    archive.write("sessions/b.md", session_md("Zweite Runde", "2024-10-10", "Bericht.", number=2))
    archive.write("pages/impressum.md", "---\ntitle: Impressum\n---\nWer wir sind.\n")
    monkeypatch.chdir(archive.root)
    return archive


def build_here(*extra: str) -> int:
    return main(["build", "--no-cache", *extra])


def test_without_a_templates_folder_the_packaged_theme_is_used(here: Archive):
    assert not (here.root / "templates").exists()
    assert build_here() == 0
    page = here.page("sitzungen/a/")
    assert "<h1" in page and "Erste Runde" in page and 'href="/static/style.css"' in page
    assert (here.output / "static/style.css").read_bytes() == (TEMPLATES / "static/style.css").read_bytes()
    assert not (here.output / "static/__init__.py").exists() and not (here.output / "__init__.py").exists()


def test_one_overridden_block_changes_every_page_and_nothing_else(here: Archive):
    assert build_here() == 0
    plain = tree_snapshot(here.output)
    (here.root / "templates").mkdir()
    (here.root / "templates/base.html").write_text(OVERRIDE_BASE, encoding="utf-8")
    assert build_here() == 0
    changed = tree_snapshot(here.output)
    framed = {p for p in plain if FOOTER.search(plain[p])}
    assert len(framed) == 10  # with the year page sitzungen/2024/
    for path in framed:  # the one block, on every page that has the frame, and nothing else changed
        assert changed[path] == FOOTER.sub('<footer class="eigen">Unser Fuß</footer>\n'.encode(), plain[path]), path
    assert {p for p in plain if p not in framed and plain[p] != changed[p]} == set()
    (here.root / "templates/base.html").unlink()
    assert build_here() == 0
    assert tree_snapshot(here.output) == plain  # the override removed: as before


def test_a_static_file_is_overridden_alone(here: Archive):
    static = here.root / "templates/static"
    static.mkdir(parents=True)
    (static / "style.css").write_text("body { color: black; }\n", encoding="utf-8")
    (static / "extra.css").write_text(".x { }\n", encoding="utf-8")
    assert build_here() == 0
    assert (here.output / "static/style.css").read_text() == "body { color: black; }\n"
    assert (here.output / "static/extra.css").read_text() == ".x { }\n"
    assert (here.output / "static/favicon.svg").read_bytes() == (TEMPLATES / "static/favicon.svg").read_bytes()


def test_an_override_of_one_page_template_extends_the_default_base(here: Archive):
    (here.root / "templates").mkdir()
    (here.root / "templates/page.html").write_text(
        '{% extends "base.html" %}\n{% block title %}{{ page.title }}{% endblock %}\n'
        '{% block main %}<h1 class="eigen">{{ page.title }}</h1>{{ page.body.html | safe }}{% endblock %}\n',
        encoding="utf-8")
    assert build_here() == 0
    page = here.page("impressum/")
    assert '<h1 class="eigen">Impressum</h1>' in page
    assert '<a class="skip-link"' in page  # the frame still comes from the default base.html
    assert 'class="eigen"' not in here.page("sitzungen/a/")


def test_cached_builds_follow_an_override_coming_and_going(here: Archive, capsys):
    assert main(["build"]) == 0
    (here.root / "templates").mkdir()
    (here.root / "templates/base.html").write_text(OVERRIDE_BASE, encoding="utf-8")
    assert main(["build"]) == 0
    assert 'class="eigen"' in here.page("impressum/")
    with_override = tree_snapshot(here.output)
    (here.root / "templates/base.html").unlink()
    assert main(["build"]) == 0
    assert 'class="eigen"' not in here.page("impressum/")
    without = tree_snapshot(here.output)
    capsys.readouterr()
    assert main(["build", "--no-cache", "--output", "clean"]) == 0
    assert tree_snapshot(here.root / "clean") == {k: v for k, v in without.items()}
    assert with_override != without


def test_template_digests_name_what_an_override_touches(tmp_path: Path):
    plain = Theme(tmp_path / "nothing-here")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "404.html").write_text('{% extends "base.html" %}{% block main %}weg{% endblock %}')
    only_404 = Theme(folder)
    assert only_404.resolve("404.html") == (folder / "404.html").resolve()
    assert only_404.resolve("default/404.html") == default_theme_folder().resolve() / "404.html"
    assert only_404.source_digest("404.html") != plain.source_digest("404.html")
    assert only_404.template_digest("404.html") != plain.template_digest("404.html")
    assert only_404.template_digest("session.html") == plain.template_digest("session.html")
    (folder / "macros.html").write_text((TEMPLATES / "macros.html").read_text() + "{# eigen #}\n")
    with_macros = Theme(folder)
    assert with_macros.template_digest("session.html") != plain.template_digest("session.html")
    assert "macros.html" in with_macros.template_closure("session.html")
    assert with_macros.template_digest("404.html") == only_404.template_digest("404.html")  # 404 has no macros
    assert plain.source_digest("gibt-es-nicht.html") is None
    assert plain.resolve("../pyproject.toml") is None and plain.resolve("default/../../x") is None


def test_a_missing_template_names_where_it_looked(here: Archive, capsys):
    (here.root / "templates").mkdir()
    (here.root / "templates/page.html").write_text('{% extends "basis.html" %}\n', encoding="utf-8")
    assert build_here() == 1
    err = capsys.readouterr().err
    assert f"basis.html: template not found (looked in {(here.root / 'templates').resolve()}, " in err
    assert not here.output.exists()


def test_a_syntax_error_in_an_override_names_the_override(here: Archive, capsys):
    (here.root / "templates").mkdir()
    (here.root / "templates/base.html").write_text('{% extends "default/base.html" %}\n{% block head %}{{ x }\n',
                                                  encoding="utf-8")
    assert build_here() == 1
    # named as the editor knows it: relative to the folder the command runs in
    assert any(line.startswith("templates/base.html:2: ") for line in capsys.readouterr().err.splitlines())


def test_every_package_under_src_ships_in_the_wheel():
    """pyproject.toml lists the packages by name (the theme is mapped from outside src/)."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    src = ROOT / "src"
    found = {".".join(p.parent.relative_to(src).parts) for p in src.rglob("__init__.py")}
    assert found | {"kaffee_site.themes.default"} == listed
    assert re.search(r'"kaffee_site.themes.default" = "templates"', (ROOT / "pyproject.toml").read_text())


def test_a_cached_build_compiles_only_the_templates_that_changed(here: Archive, monkeypatch):
    """The build cache keeps the compiled theme (Jinja's bytecode cache): a rebuild compiles no
    template again, an edited override is compiled afresh, and the output is a clean build's."""
    import jinja2

    compiled: list[str] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    monkeypatch.setattr(theme_module, "_COMPILED", {})  # as in a process of its own: nothing compiled yet
    override = here.root / "templates" / "base.html"
    override.parent.mkdir()
    override.write_text(OVERRIDE_BASE, encoding="utf-8")
    assert main(["build"]) == 0
    assert "base.html" in compiled and "default/base.html" in compiled and "session.html" in compiled
    compiled.clear()
    here.write("site.yaml", "title: Umbenanntes Archiv\nsearch: false\n")  # every page renders again
    assert main(["build"]) == 0
    assert compiled == []
    assert "Umbenanntes Archiv" in here.page("")
    override.write_text(OVERRIDE_BASE.replace("Unser Fuß", "Neuer Fuß"), encoding="utf-8")
    assert main(["build"]) == 0
    assert compiled == ["base.html"]
    assert "Neuer Fuß" in here.page("") and "Unser Fuß" not in here.page("")
    cached = tree_snapshot(here.output)
    assert main(["build", "--no-cache", "--output", str(here.root / "clean")]) == 0
    assert tree_snapshot(here.root / "clean") == cached


def test_a_template_compiled_in_one_language_never_shows_it_in_another(archive: Archive):
    """Jinja works out a filter on a constant while it compiles (`{{ 3|month_name }}`) unless the
    filter takes the template's context. Compiled templates are kept by their source, in the
    cache and for the next build of the same process, so a month worked out in German must not
    come back when the archive switches to English: with the cache, and without it in one process."""
    archive.write("sessions/a.md", session_md())
    templates = archive.root / "templates"
    templates.mkdir()
    (templates / "robots.txt").write_text("{{ 3|month_name }}\n", encoding="utf-8")
    for language, month, extra in (("de", "März", ()), ("en", "March", ()),
                                   ("de", "März", ("--no-cache",)), ("en", "March", ("--no-cache",))):
        archive.write("site.yaml", f"title: Archiv\nlanguage: {language}\nsearch: false\n")
        assert archive.build("--templates", str(templates), *extra) == 0
        assert (archive.output / "robots.txt").read_text(encoding="utf-8") == f"{month}\n", (language, extra)
