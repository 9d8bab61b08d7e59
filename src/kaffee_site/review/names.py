"""Topic names no file defines, names close to each other, and the speaker placeholder of `new`."""

from __future__ import annotations

from typing import Iterator, Mapping

from kaffee_site.content.load import SourceDoc
from kaffee_site.errors import Diagnostics
from kaffee_site.model import Session, Site
from kaffee_site.skeleton import PLACEHOLDERS
from kaffee_site.text import NearNames, fold, slugify

CLOSE_WARNINGS = 50  # warnings about topic names close to another, at most; then one says how many more


def _line(docs: Mapping[str, SourceDoc], session: Session, *key: object) -> int | None:
    doc = docs.get(session.rel)
    return doc.line_of(*key) if doc else None


def _topic_uses(site: Site, docs: Mapping[str, SourceDoc]) -> Iterator[tuple[Session, str, int | None]]:
    for session in sorted(site.sessions, key=lambda s: s.source):
        for index, name in enumerate(session.topic_names):
            yield session, name, _line(docs, session, "topics", index)


def check_topics(site: Site, docs: Mapping[str, SourceDoc], found: Diagnostics, taken: set,
                 former: Mapping[str, str] | None = None) -> None:
    """Unknown topics only count where the archive defines topics in files at all.

    `former`: folded title -> URL path of the topics the last build published; a name that was
    a topic's title there and has no file now was most likely renamed."""
    file_topics = [t for t in site.topics if t.has_file]
    if not file_topics:
        return
    known_names = {fold(n) for t in file_topics for n in t.names}
    known_slugs = {t.slug for t in file_topics}
    # the link stage warned about each name close to a topic file's (link/registry.py), listed or
    # counted in its total: asked the same way here, so no name is warned about twice
    near_files = NearNames(known_names)
    seen: dict[str, str] = {}  # folded name of a file-less topic -> name as first written
    near = NearNames()  # the same names, indexed: each use asks once, never every name seen
    close_warnings, first_unlisted = 0, None
    for session, name, line in _topic_uses(site, docs):
        key = fold(name)
        if (key in known_names or slugify(name) in known_slugs or (session.source, line) in taken
                or near_files.closest(key)):
            continue
        close = seen.get(key) or seen.get(near.closest(key) or "")
        if close is not None and close != name:
            close_warnings += 1
            how = "written differently from" if fold(close) == key else "close to"
            if close_warnings <= CLOSE_WARNINGS:
                found.warning(session.source, line, f"topic '{name}' is {how} the topic '{close}'",
                              f"did you mean '{close}'? Or create a file in topics/ for each of them")
            elif close_warnings == CLOSE_WARNINGS + 1:
                first_unlisted = (session.source, line)
        elif former and key in former:
            found.warning(session.source, line, f"unknown topic '{name}': no file in topics/ defines it, "
                          f"but the last build had it at /{former[key]}",
                          f"renamed? add it as an alias and redirect_from: in the renamed topic's file, "
                          f"'aliases: [{name}]' and 'redirect_from: [{slugify(name)}]' (see the README, "
                          "\"Rename a topic\")")
        else:
            found.warning(session.source, line, f"unknown topic '{name}': no file in topics/ defines it",
                          f"create topics/{slugify(name)}.md with 'title: {name}', or use an existing topic")
        if key not in seen:
            seen[key] = name
            near.add(key)
    if first_unlisted is not None:
        found.warning(*first_unlisted, f"{close_warnings - CLOSE_WARNINGS} more topic names are close to another "
                      f"(only the first {CLOSE_WARNINGS} such warnings are listed)",
                      "look through the topics the sessions list, or create a file in topics/ for each")


def check_placeholder_speakers(site: Site, docs: Mapping[str, SourceDoc], found: Diagnostics) -> None:
    for session in site.sessions:
        for index, speaker in enumerate(session.speakers):
            if any(speaker.name == name or speaker.org == org for name, org in PLACEHOLDERS):
                found.warning(session.source, _line(docs, session, "speakers", index, "name"),
                              f"the speaker '{speaker.name}' ({speaker.org}) is still the placeholder",
                              "write the speaker's name and organisation, or remove the entry")
