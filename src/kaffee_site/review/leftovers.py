"""Warnings for what `new` leaves behind and what the numbering says about the dates.

Part of `kaffee-site check`: a skeleton sentence from `new` that is still in a report (it
would become the published description), an empty `topics:` list, and numbers that run
against the dates within a series (no. 10 dated before no. 9). All are warnings: the archive
builds, but an editor should look.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from kaffee_site.skeleton import numbered_sessions, session_body
from kaffee_site.errors import Diagnostics
from kaffee_site.i18n import available_languages, catalogue
from kaffee_site.model import Site
from kaffee_site.content.load import Content, SourceDoc

# the sentences of the body `new` writes, in every language; its headings may well stay
SKELETON = frozenset(line.strip() for language in available_languages() for line in session_body(language).splitlines()
                     if line.strip() and not line.startswith("#"))


def check_editor_leftovers(site: Site, content: Content, found: Diagnostics) -> None:
    docs = {doc.rel: doc for doc in content.docs}
    example = _topic_example(site)  # once: it counts every session's topics (per session it was N² work)
    for session in sorted((*site.sessions, *site.rejected), key=lambda s: s.source):
        doc = docs.get(session.rel)
        if doc is not None:
            _check_skeleton(doc, found)
            _check_empty_topics(doc, example, found)
    _check_numbers_against_dates(content, found)


def _check_skeleton(doc: SourceDoc, found: Diagnostics) -> None:
    for index, line in enumerate(doc.body.split("\n")):
        if line.strip() in SKELETON:
            found.warning(doc.display, doc.body_line + index, f"'{line.strip()}' is still the text 'new' wrote",
                          "replace it with the report, or delete the line")


def _topic_example(site: Site) -> str:
    """A topic of the archive itself (the one most reports name), else a placeholder in its language."""
    if site.topics:
        counts = Counter(slug for session in site.sessions for slug in dict.fromkeys(session.topics))
        return min(site.topics, key=lambda topic: (-counts[topic.slug], topic.title)).title
    return catalogue(site.config.language).pgettext("example", "Topic name")


def _check_empty_topics(doc: SourceDoc, example: str, found: Diagnostics) -> None:
    if doc.meta.get("topics") == []:
        found.warning(doc.display, doc.line_of("topics"), "the session lists no topics",
                      f"name what it was about below 'topics:', e.g. '  - {example}', so topic pages find it")


def _check_numbers_against_dates(content: Content, found: Diagnostics) -> None:
    """Sessions ordered by number should be ordered by date too: each pair of neighbours is compared."""
    series: dict[str, list[tuple[int, date, SourceDoc]]] = defaultdict(list)
    for name, number, doc in numbered_sessions(content):
        day = _day(doc.meta.get("date"))
        if day is not None:
            series[name].append((number, day, doc))
    for name, sessions in sorted(series.items()):
        sessions.sort(key=lambda item: (item[0], item[1], item[2].display))
        for (low, low_day, low_doc), (high, high_day, doc) in zip(sessions, sessions[1:]):
            if high > low and high_day < low_day:
                found.warning(doc.display, doc.line_of("number"),
                              f"number {high} of the series '{name}' is dated {high_day.isoformat()}, before "
                              f"number {low} ({low_day.isoformat()}, {low_doc.display})",
                              "check the number and the date: the numbers of a series follow its dates")


def _day(value: object) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
