"""Placeholders of the legal skeletons `init` writes, still in a page: a warning (`check --strict`,
which CI runs, fails on it), so an Impressum reading "[Name der Behörde oder Organisation]" is
never published.

The placeholders are read from the skeletons themselves (scaffold/<language>/content/pages/), in
every language: each text in square brackets that is not a link, and the template note at the
top ("*Vorlage: Ersetzen Sie …*"); spacing and line breaks do not matter.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from kaffee_site.content.load import Content
from kaffee_site.errors import Diagnostics

SCAFFOLD = Path(__file__).resolve().parent.parent / "scaffold"
_BRACKETED = re.compile(r"\[([^\[\]]+)\](?![(\[:])")  # not a link [text](url), [text][ref] or [ref]: url
_NOTE = re.compile(r"\A\s*(\*[^*]+\*)", re.S)  # the skeleton's first paragraph: the note in italics


def _spaced(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=1)
def skeleton_placeholders() -> frozenset[str]:
    """Every placeholder of every language's legal skeletons, spacing folded."""
    found = set()
    for path in sorted(SCAFFOLD.glob("*/content/pages/*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        found.update(f"[{_spaced(match.group(1))}]" for match in _BRACKETED.finditer(body))
        note = _NOTE.match(body)
        if note:
            found.add(_spaced(note.group(1)))
    return frozenset(found)


def check_placeholders(content: Content, found: Diagnostics) -> None:
    """One warning per page, at its first placeholder, naming the lines of all of them."""
    wanted = skeleton_placeholders()
    for doc in content.of_kind("page"):
        note = _NOTE.match(doc.body)
        places = [(note.start(1), _spaced(note.group(1)))] if note else []
        places += [(match.start(), f"[{_spaced(match.group(1))}]") for match in _BRACKETED.finditer(doc.body)]
        left = [(doc.body_line + doc.body.count("\n", 0, start), text) for start, text in places if text in wanted]
        if not left:
            continue
        line, first = left[0]
        first = first if len(first) <= 60 else first[:57] + "…"
        lines = sorted({line for line, _ in left})
        count = f"{len(left)} placeholders" if len(left) > 1 else "a placeholder"
        found.warning(doc.display, line, f"the page still holds {count} of the skeleton 'init' wrote: '{first}'",
                      f"replace what the square brackets ask for (line{'s' if len(lines) > 1 else ''} "
                      f"{', '.join(map(str, lines))}) and the note on top; check --strict fails until then")
