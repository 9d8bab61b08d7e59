"""Links and images in report bodies that lead nowhere, and alt text that says nothing.

A link is checked against the outputs the archive plans (never against what happened to render),
so a template that fails on one page does not make every link to another page look broken.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from typing import Iterator
from urllib.parse import unquote

from kaffee_site.errors import Diagnostics
from kaffee_site.content.load import SourceDoc
from kaffee_site.i18n import catalogue
from kaffee_site.markdown.body import Body, BodyLink
from kaffee_site.model import Site
from kaffee_site.review.pictures import unpublished_pictures

_FILE_NAME = re.compile(r"^[^\s/]+\.(?:png|jpe?g|gif|svg|webp|avif|bmp|tiff?)$", re.IGNORECASE)


def bodies(site: Site) -> Iterator[tuple[str, str, Body]]:
    """(source, url path of the page showing it, body) for every Markdown body."""
    for session in (*site.sessions, *site.rejected):  # a bad field must not hide a broken link
        if session.body:
            yield session.source, session.url_path, session.body
    for page in site.pages:
        if page.body:
            yield page.source, page.url_path, page.body
    for topic in site.topics:
        if topic.description and topic.source:
            yield topic.source, topic.url_path, topic.description


def check_links(site: Site, planned: set[str], found: Diagnostics) -> None:
    media = {f"media/{m}" for m in site.media}
    unpublished = unpublished_pictures(site)  # raster pictures: published only in their sizes
    # a session rejected for its front matter has no page now, but will once that is fixed
    known = planned | media | {f"{s.url_path}index.html" for s in site.rejected if s.slug}
    words = catalogue(site.config.language)
    guesses = _Guesses(known)
    for source, page_url, body in bodies(site):
        for link in body.links:
            if link.is_image:
                _check_alt(source, link, found, words)
            target = None if link.external else resolve_link(link.target, page_url)
            if not link.is_image and target in unpublished:
                found.warning(source, link.line, f"the picture '{link.target}' is not published as a file of its own",
                              "show it as an image (![what it shows](media/…)), or publish the originals of "
                              "pictures with 'images: {originals: true}' in site.yaml")
                continue
            if target is None or _exists(target, known):
                continue
            if link.is_image or target.startswith("media/"):
                kind = "image" if link.is_image else "file"
                found.error(source, link.line, f"the {kind} '{link.target}' does not exist",
                            "put the file into the content's media/ folder or correct the name")
            else:
                found.error(source, link.line, f"the link '{link.target}' leads to no page of the archive",
                            _link_hint(link.target, target, guesses, site, words))


def resolve_link(target: str, page_url: str) -> str | None:
    """The output path a link lands on ('' is the start page); None when it is only an anchor.

    '/x/' is site-root-relative (the build adds the base path), 'media/…' is too, anything
    else is relative to the page that shows the body. A path that climbs out of the site
    resolves to '..', which exists nowhere."""
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return None
    if path.startswith("/"):
        joined = path.lstrip("/")
    elif path.startswith("media/"):
        joined = path
    else:
        joined = posixpath.join(page_url, path)
    normal = posixpath.normpath("/" + joined) if not _climbs_out(joined) else "/.."
    return normal.lstrip("/")


def _climbs_out(path: str) -> bool:
    depth = 0
    for part in path.split("/"):
        depth += -1 if part == ".." else (0 if part in ("", ".") else 1)
        if depth < 0:
            return True
    return False


def _exists(path: str, known: set[str]) -> bool:
    if path in ("", "."):
        return "index.html" in known
    return path in known or f"{path.rstrip('/')}/index.html" in known


class _Guesses:
    """"Did you mean" for the first SUGGESTIONS broken links of a check: each compares the link
    with every page (difflib), so a body of a thousand broken links would cost a thousand times
    the archive (issue 18); the rest get the general hint."""

    SUGGESTIONS = 20

    def __init__(self, known: set[str]):
        self.known, self.left, self._pages = known, self.SUGGESTIONS, None

    def closest(self, target: str) -> str | None:
        if self.left <= 0:
            return None
        self.left -= 1
        if self._pages is None:
            self._pages = sorted(p.removesuffix("index.html") for p in self.known if p.endswith("index.html"))
        close = difflib.get_close_matches(target.rstrip("/") + "/", self._pages, n=1, cutoff=0.6)
        return close[0] if close else None


def _link_hint(written: str, target: str, guesses: _Guesses, site: Site, words) -> str:
    sessions = site.config.urls.sessions
    if written.split("#")[0].endswith(".md"):
        return (f"link to the page, not to its Markdown file: write "
                f"[[{words.pgettext('example', 'Title of the session')}]] or /{sessions}/<slug>/")
    close = guesses.closest(target)
    if close:
        return f"did you mean '/{close}'?"
    return f"write site links like /{sessions}/<slug>/ or use a [[wikilink]] with the title"


def _check_alt(source: str, link: BodyLink, found: Diagnostics, words) -> None:
    alt = link.alt.strip()
    if not alt:
        example = f"![{words.pgettext('example', 'Description')}](media/{words.pgettext('example', 'picture')}.png)"
        found.error(source, link.line, f"the image '{link.target}' has no alt text",
                    f"write what the picture shows between the brackets: {example}")
    elif looks_like_file_name(alt, link.target):
        found.warning(source, link.line, f"the alt text of the image '{link.target}' is only a file name",
                      "describe what the picture shows, for readers who cannot see it")


def looks_like_file_name(alt: str, src: str) -> bool:
    name = posixpath.basename(src.split("#")[0].split("?")[0])
    return bool(_FILE_NAME.match(alt)) or alt in (name, posixpath.splitext(name)[0])


def check_image_alt(site: Site, docs: dict[str, SourceDoc], found: Diagnostics) -> None:
    for session in site.sessions:
        if session.image and looks_like_file_name(session.image.alt, session.image.src):
            doc = docs.get(session.rel)
            found.warning(session.source, doc.line_of("image", "alt") if doc else None,
                          f"the alt text '{session.image.alt}' is only a file name",
                          "describe what the picture shows, for readers who cannot see it")
