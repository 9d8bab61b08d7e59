"""`kaffee-site check`: everything the build rejects, plus what an editor should look at.

Errors make a broken or wrong archive: whatever the build rejects, internal links and images
that lead nowhere, images without alt text, two sessions of a series with the same number.
Warnings are probably mistakes in an archive that still works: unknown or near-duplicate
topics, gaps in the numbering, a `next` date that is not after the session, alt text that is
only a file name, the speaker placeholder `new` writes, media that run scripts on the archive's
origin (active_media.py). Nothing is written anywhere.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import unquote

from kaffee_site.commands.active_media import check_active_media
from kaffee_site.engine import BuildOptions, load_site, render_in_memory
from kaffee_site.errors import Diagnostics, Problem, printable
from kaffee_site.content.load import Content, SourceDoc
from kaffee_site.markdown.body import Body, BodyLink
from kaffee_site.model import Session, Site
from kaffee_site.commands.editor_checks import check_editor_leftovers
from kaffee_site.commands.new import PLACEHOLDERS, numbered_sessions
from kaffee_site.render.template_errors import compile_problems
from kaffee_site.render.theme import TemplateProblem, Theme
from kaffee_site.text import fold, slugify

_FILE_NAME = re.compile(r"^[^\s/]+\.(?:png|jpe?g|gif|svg|webp|avif|bmp|tiff?)$", re.IGNORECASE)


def check(options: BuildOptions) -> Diagnostics:
    """Load, link and render the archive in memory and collect every problem."""
    checked = load_site(options)
    diag, site = checked.diagnostics, checked.site
    docs = {doc.rel: doc for doc in checked.content.docs} if checked.content else {}
    produced = _render_all(site, options, diag)
    # the registry already warns about names close to a topic file: one warning per place is enough
    taken = {(p.path, p.line) for p in diag.problems}
    _check_links(site, produced, diag)
    if checked.content:
        _check_numbers(checked.content, diag)
        check_editor_leftovers(site, checked.content, diag)
    _check_topics(site, docs, diag, taken)
    _check_speakers(site, docs, diag)
    _check_image_alt(site, docs, diag)
    check_active_media(options.content_dir, str(options.content_dir), site.media, diag)
    return diag


def _render_all(site: Site, options: BuildOptions, diag: Diagnostics) -> set[str]:
    """Render every output in memory: template errors surface, and we learn which paths exist."""
    produced: set[str] = set()
    theme = Theme(options.templates_dir, site.config.language)
    for problem in compile_problems(theme.env, theme.template_names()):
        diag.add(problem)
    try:
        for output in render_in_memory(site, options):
            if output.path in produced:
                diag.error(output.path, None, "two outputs want the same path",
                           "a page slug, topic slug or redirect collides with another")
            produced.add(output.path)
    except TemplateProblem as err:
        diag.add(err.problem)
    return produced


# --- links and images in bodies ------------------------------------------------------

def _bodies(site: Site) -> Iterator[tuple[str, str, Body]]:
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


def _check_links(site: Site, produced: set[str], found: Diagnostics) -> None:
    media = {f"media/{m}" for m in site.media}
    # a session rejected for its front matter has no page now, but will once that is fixed
    known = produced | media | {f"{s.url_path}index.html" for s in site.rejected if s.slug}
    for source, page_url, body in _bodies(site):
        for link in body.links:
            if link.is_image:
                _check_alt(source, link, found)
            target = None if link.external else resolve_link(link.target, page_url)
            if target is None or _exists(target, known):
                continue
            if link.is_image or target.startswith("media/"):
                kind = "image" if link.is_image else "file"
                found.error(source, link.line, f"the {kind} '{link.target}' does not exist",
                            "put the file into the content's media/ folder or correct the name")
            else:
                found.error(source, link.line, f"the link '{link.target}' leads to no page of the archive",
                            _link_hint(link.target, target, known))


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


def _link_hint(written: str, target: str, known: set[str]) -> str:
    if written.split("#")[0].endswith(".md"):
        return "link to the page, not to its Markdown file: write [[Titel der Sitzung]] or /sitzungen/<slug>/"
    pages = [p.removesuffix("index.html") for p in known if p.endswith("index.html")]
    close = difflib.get_close_matches(target.rstrip("/") + "/", pages, n=1, cutoff=0.6)
    if close:
        return f"did you mean '/{close[0]}'?"
    return "write site links like /sitzungen/<slug>/ or use a [[wikilink]] with the title"


def _check_alt(source: str, link: BodyLink, found: Diagnostics) -> None:
    alt = link.alt.strip()
    if not alt:
        found.error(source, link.line, f"the image '{link.target}' has no alt text",
                    "write what the picture shows between the brackets: ![Beschreibung](media/bild.png)")
    elif looks_like_file_name(alt, link.target):
        found.warning(source, link.line, f"the alt text of the image '{link.target}' is only a file name",
                      "describe what the picture shows, for readers who cannot see it")


def looks_like_file_name(alt: str, src: str) -> bool:
    name = posixpath.basename(src.split("#")[0].split("?")[0])
    return bool(_FILE_NAME.match(alt)) or alt in (name, posixpath.splitext(name)[0])


def _check_image_alt(site: Site, docs: dict[str, SourceDoc], found: Diagnostics) -> None:
    for session in site.sessions:
        if session.image and looks_like_file_name(session.image.alt, session.image.src):
            found.warning(session.source, _line(docs, session, "image", "alt"),
                          f"the alt text '{session.image.alt}' is only a file name",
                          "describe what the picture shows, for readers who cannot see it")


# --- numbering within a series ---------------------------------------------------------

def _check_numbers(content: Content, found: Diagnostics) -> None:
    series: dict[str, list[tuple[int, str, SourceDoc]]] = defaultdict(list)
    for name, number, doc in numbered_sessions(content):
        series[name].append((number, str(doc.meta.get("date")), doc))
    for name, sessions in sorted(series.items()):
        sessions.sort(key=lambda item: (item[0], item[1], item[2].display))
        first: dict[int, SourceDoc] = {}
        for number, _, doc in sessions:
            other = first.setdefault(number, doc)
            if other is not doc:
                found.error(doc.display, doc.line_of("number"),
                            f"number {number} of the series '{name}' is also used by {other.display}",
                            f"give each session its own number; the next free one is {sessions[-1][0] + 1}")
        numbers = sorted(first)
        for low, high in zip(numbers, numbers[1:]):
            if high > low + 1:
                missing = str(low + 1) if high == low + 2 else f"{low + 1}–{high - 1}"
                doc = first[high]
                found.warning(doc.display, doc.line_of("number"),
                              f"the numbering of the series '{name}' jumps from {low} to {high} "
                              f"(missing: {missing})", "check the number, or add the missing report")


def _line(docs: dict[str, SourceDoc], session: Session, *key: object) -> int | None:
    doc = docs.get(session.rel)
    return doc.line_of(*key) if doc else None


# --- topics and speakers ----------------------------------------------------------------

def _topic_uses(site: Site, docs: dict[str, SourceDoc]) -> Iterator[tuple[Session, str, int | None]]:
    for session in sorted(site.sessions, key=lambda s: s.source):
        for index, name in enumerate(session.topic_names):
            yield session, name, _line(docs, session, "topics", index)


def _check_topics(site: Site, docs: dict[str, SourceDoc], found: Diagnostics, taken: set) -> None:
    """Unknown topics only count where the archive defines topics in files at all."""
    file_topics = [t for t in site.topics if t.has_file]
    if not file_topics:
        return
    known_names = {fold(n) for t in file_topics for n in t.names}
    known_slugs = {t.slug for t in file_topics}
    seen: dict[str, str] = {}  # folded name of a file-less topic -> name as first written
    for session, name, line in _topic_uses(site, docs):
        key = fold(name)
        if key in known_names or slugify(name) in known_slugs or (session.source, line) in taken:
            continue
        close = _close_name(key, seen)
        if close is not None and close != name:
            how = "written differently from" if fold(close) == key else "close to"
            found.warning(session.source, line, f"topic '{name}' is {how} the topic '{close}'",
                          f"did you mean '{close}'? Or create a file in topics/ for each of them")
        else:
            found.warning(session.source, line, f"unknown topic '{name}': no file in topics/ defines it",
                          f"create topics/{slugify(name)}.md with 'title: {name}', or use an existing topic")
        seen.setdefault(key, name)


def _close_name(key: str, seen: dict[str, str]) -> str | None:
    if key in seen:
        return seen[key]
    close = difflib.get_close_matches(key, list(seen), n=1, cutoff=0.85)
    return seen[close[0]] if close else None


def _check_speakers(site: Site, docs: dict[str, SourceDoc], found: Diagnostics) -> None:
    for session in site.sessions:
        for index, speaker in enumerate(session.speakers):
            if any(speaker.name == name or speaker.org == org for name, org in PLACEHOLDERS):
                found.warning(session.source, _line(docs, session, "speakers", index, "name"),
                              f"the speaker '{speaker.name}' ({speaker.org}) is still the placeholder",
                              "write the speaker's name and organisation, or remove the entry")


# --- GitHub Actions annotations -----------------------------------------------------------

def github_annotations(problems: Iterable[Problem], root: Path | None = None) -> list[str]:
    """`::error file=…,line=…,title=…::message` lines; paths relative to `root` when below it."""
    return [_annotation(problem, root) for problem in problems]


def _annotation(problem: Problem, root: Path | None) -> str:
    path = problem.path
    if root is not None and Path(path).is_absolute():
        try:
            path = Path(path).relative_to(root).as_posix()
        except ValueError:
            pass
    props = [f"file={_escape_property(printable(path, keep_newlines=False))}"]
    if problem.line:
        props.append(f"line={problem.line}")
    props.append(f"title={_escape_property('kaffee-site check')}")
    # the log viewer renders ANSI sequences: controls from the content go in as escapes
    message = printable(problem.message) + (f"\nhint: {printable(problem.hint)}" if problem.hint else "")
    return f"::{problem.severity} {','.join(props)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    """Per the Actions toolkit: '%', CR and LF are escaped in a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Property values also escape ':' and ',', which separate the properties."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
