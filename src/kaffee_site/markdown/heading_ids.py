"""Heading ids: headings of level 2-4 get a unique id made from their text, with a prefix.

Body ids carry a prefix the theme never uses, so a heading called "Themen" or "Main" cannot
repeat an id of the page around it (which would break aria-labelledby and in-page links). The
headings are listed in env["headings"] (for a table of contents, and for links.py, which
points '#ausblick' at '#h-ausblick').
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from kaffee_site.markdown.body import Heading
from kaffee_site.markdown.tokens import plain
from kaffee_site.text import slugify

HEADING_ID_PREFIX = "h-"
HEADING_LEVELS = range(2, 5)


def plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("kaffee_heading_ids", _heading_id_rule)


def _heading_id_rule(state: StateCore) -> None:
    """Give headings of level 2-4 a unique id made from their text; an empty heading gets none."""
    taken: set[str] = set()
    # the number each stem tried last: ids are only ever added, so the ones below it stay taken,
    # and N headings '## h' cost N tries, not N²/2 (issue 18: 20,000 of them took 53 s)
    last_number: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or int(token.tag[1]) not in HEADING_LEVELS:
            continue
        text = " ".join(plain(tokens[index + 1]).split())
        if not text:
            continue  # '## ' or '### ###': nothing to name, and an id="" is invalid HTML
        stem = HEADING_ID_PREFIX + (slugify(text) or str(len(taken) + 1))  # '## ???' gets a number
        number = last_number.get(stem, 1)
        candidate = stem if number == 1 else f"{stem}-{number}"
        while candidate in taken:
            number += 1
            candidate = f"{stem}-{number}"
        last_number[stem] = number
        taken.add(candidate)
        token.attrSet("id", candidate)
        if "headings" in state.env:
            state.env["headings"].append(Heading(int(token.tag[1]), candidate, text))
