"""The legal pages: every page of the archive links the legal notice (Impressum), the privacy
policy (Datenschutzerklärung) and the accessibility statement (Erklärung zur Barrierefreiheit).

German law wants them one click away from every page (§ 5 DDG, DSGVO, BITV 2.0), and the default
theme's footer links every page under `pages/`. So it is a warning when the archive has no such
page (check --strict, as CI runs it, fails), and an error when a template (an override of the footer, most likely) drops the link: one page of
every HTML template is rendered and its links are read, and the error names the override that
page is made from. site.yaml's `legal_pages` names the pages when their slugs are not the usual
ones; `legal_pages: false` does without them, only outside a German archive.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Mapping

from kaffee_site.config import LEGAL_KEYS
from kaffee_site.content.scan import display_path
from kaffee_site.errors import Diagnostics, TemplateProblem
from kaffee_site.model import Page, Site
from kaffee_site.outputs.kind import PageSpec
from kaffee_site.render.render import render_page
from kaffee_site.render.template_errors import display_template
from kaffee_site.render.theme import Theme
from kaffee_site.text import fold

# key -> (what it is, its usual slugs, its usual titles (folded))
LEGAL: Mapping[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "imprint": ("legal notice (Impressum)", ("impressum", "imprint", "legal-notice"),
                ("impressum", "imprint", "legal notice")),
    "privacy": ("privacy policy (Datenschutzerklärung)",
                ("datenschutz", "datenschutzerklaerung", "privacy", "privacy-policy", "data-protection"),
                ("datenschutz", "datenschutzerklarung", "datenschutzerklaerung", "privacy", "privacy policy",
                 "data protection")),
    "accessibility": ("accessibility statement (Erklärung zur Barrierefreiheit)",
                      ("barrierefreiheit", "erklaerung-zur-barrierefreiheit", "accessibility",
                       "accessibility-statement"),
                      ("barrierefreiheit", "erklarung zur barrierefreiheit", "erklaerung zur barrierefreiheit",
                       "accessibility", "accessibility statement")),
}
assert tuple(LEGAL) == LEGAL_KEYS
NOT_FOR_READERS = frozenset({"redirect.html"})  # a redirect shows no page of its own


def legal_pages(site: Site) -> dict[str, Page | None]:
    """Each legal page the archive has: named in site.yaml, else found by its usual slug or title."""
    setting = site.config.legal_pages
    named = setting if isinstance(setting, Mapping) else {}
    by_slug = {page.slug: page for page in site.pages}
    found: dict[str, Page | None] = {}
    for key, (_, slugs, titles) in LEGAL.items():
        if key in named:
            found[key] = by_slug.get(named[key])
        else:
            found[key] = next((by_slug[slug] for slug in slugs if slug in by_slug), None) or next(
                (page for page in site.pages if fold(page.title) in titles), None)
    return found


class LegalLinks:
    """The check, with what it found for a theme and a set of legal pages kept (`serve` asks
    after every save; only a new theme, new pages or new settings render the sample pages again)."""

    def __init__(self) -> None:
        self._last: tuple[Any, list] | None = None

    def __call__(self, site: Site, specs: list[PageSpec], theme: Theme, content_dir: Path,
                 found: Diagnostics) -> None:
        if site.config.legal_pages is False:
            return
        pages = legal_pages(site)
        missing = [key for key, page in pages.items() if page is None]
        _report_missing(site, missing, content_dir, found)
        wanted = {key: page for key, page in pages.items() if page is not None}
        if not wanted:
            return
        key = (theme.digest(), repr(site.config), tuple((p.slug, p.title) for p in site.pages))
        if self._last is None or self._last[0] != key:
            self._last = (key, _dropped(site, specs, theme, wanted))
        for path, line, message, hint in self._last[1]:
            found.error(path, line, message, hint)


def _report_missing(site: Site, missing: list[str], content_dir: Path, found: Diagnostics) -> None:
    named = site.config.legal_pages if isinstance(site.config.legal_pages, Mapping) else {}
    for key in missing:
        what = LEGAL[key][0]
        if key in named:
            found.error(display_path(str(content_dir), "site.yaml"), None,
                        f"legal_pages names '{named[key]}' as the {what}, but there is no page with that slug",
                        f"create pages/{named[key]}.md, or correct the slug")
            continue
        outside = "" if site.config.language.lower().split("-")[0] == "de" else \
            "; outside German law, 'legal_pages: false' in site.yaml does without them"
        # a warning: an archive being set up builds, but check --strict (CI) does not publish it
        found.warning(display_path(str(content_dir), "pages"), None,
                    f"the archive has no {what}, which every page must link",
                    f"create pages/{LEGAL[key][1][0]}.md ('kaffee-site init' in an empty folder writes a skeleton "
                    f"of it), or name your page in site.yaml: 'legal_pages: {{{key}: <slug>}}'{outside}")


def _dropped(site: Site, specs: list[PageSpec], theme: Theme, wanted: Mapping[str, Page]) -> list[tuple]:
    """One page of every HTML template, rendered: which do not link a legal page, one problem per
    responsible template and set of missing links."""
    targets = {key: page_targets(site, page) for key, page in wanted.items()}
    lost_by: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    templates = []
    for spec in specs:
        if spec.producer is not None or not spec.template.endswith(".html") or spec.template in NOT_FOR_READERS \
                or spec.template in templates:
            continue
        templates.append(spec.template)
        try:
            html = render_page(site, theme, spec).data or b""
        except TemplateProblem:
            continue  # reported as what it is by the render
        links = _links(html.decode("utf-8", "replace"), site.config.origin)
        lost = tuple(key for key, paths in targets.items() if not links & paths)
        if lost:
            lost_by.setdefault((_responsible(theme, spec.template), lost), []).append(spec.template)
    problems = []
    for (path, lost), made in sorted(lost_by.items()):
        names = ", ".join(f"the {LEGAL[key][0]} ({site.config.url(wanted[key].url_path)})" for key in lost)
        message = f"no page links {names}" if len(made) == len(templates) else \
            "the pages made from " + ", ".join(f"'{name}'" for name in made) + f" do not link {names}"
        problems.append((display_template(path), _footer_line(path), message,
                         "every page must link the legal pages (the default footer does): extend "
                         "'{% block footer_extra %}' instead of replacing '{% block footer %}', or keep "
                         "'{{ super() }}' in it"))
    return problems


def _footer_line(path: str) -> int | None:
    """The line of `{% block footer %}` in an override, if it has one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return None
    match = _FOOTER_BLOCK.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def page_targets(site: Site, page: Page) -> set[str]:
    """The hrefs that lead to a page: its path with or without slash or index.html."""
    path = site.config.url(page.url_path)
    return {path, path.rstrip("/"), path + "index.html"}


def _responsible(theme: Theme, template: str) -> str:
    """The archive's own template the page is made from that replaces the footer; else its own
    base.html, another override of it, or the page's template."""
    own = {name: path for name in theme.template_closure(template)
           if (path := theme.resolve(name)) is not None and theme.default not in path.parents}
    footers = sorted(name for name, path in own.items() if _FOOTER_BLOCK.search(path.read_text(encoding="utf-8")))
    if footers:
        chosen = footers[0]
    elif own:
        chosen = "base.html" if "base.html" in own else sorted(own)[0]
    else:
        chosen = template
    return str(theme.resolve(chosen) or chosen)


_FOOTER_BLOCK = re.compile(r"\{%-?\s*block\s+footer\s*-?%\}")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.add(href.split("#", 1)[0])


def _links(html: str, origin: str) -> set[str]:
    parser = _Links()
    parser.feed(html)
    return {href.removeprefix(origin) if origin else href for href in parser.hrefs}
