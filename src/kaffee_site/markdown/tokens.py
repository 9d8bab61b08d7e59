"""What the rules share about markdown-it tokens: the inline tokens of a body with their file
lines, new text and link tokens, and the plain text and sentences of a paragraph."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Iterator, Sequence

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from kaffee_site.text import plain_excerpt


def inline_tokens(state: StateCore) -> Iterator[tuple[Token, int, bool]]:
    """Each inline token (a paragraph's or heading's text) with the file line of its block and
    whether it is a heading's. A rule may replace the token's children as it goes. None when the
    text is parsed outside render_body (e.g. by a theme): there is no site to link to."""
    if "ctx" not in state.env:
        return
    first_line = state.env["first_line"]
    in_heading = False
    last_line = 0
    for token in state.tokens:
        if token.map:
            last_line = token.map[0]
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline" and token.children is not None:
            yield token, first_line + last_line, in_heading


def text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def link_tokens(href: str, label: str, css: str, meta: dict | None = None) -> list[Token]:
    opening = Token("link_open", "a", 1)
    opening.attrs = {"href": href, "class": css}
    opening.meta = meta or {}
    return [opening, text_token(label), Token("link_close", "a", -1)]


# --- plain text and sentences -----------------------------------------------------------

def plain_of(token: Token) -> str:
    """The text a reader sees of one inline child (an unresolved wikilink: its label or target)."""
    if token.type in ("text", "code_inline"):
        return token.content
    if token.type in ("softbreak", "hardbreak"):
        return " "
    if token.type == "wikilink":
        return token.meta["label"] or token.meta["title"]
    return ""


def plain(inline: Token) -> str:
    return "".join(plain_of(child) for child in inline.children or ())


class LazyPlain:
    """The plain text of an inline token, computed only if a sentence is needed; its sentence
    ends are found once, so the sentences of a thousand mentions in one paragraph cost one scan
    of it, not a thousand (issue 18)."""

    def __init__(self, inline: Token):
        self._inline, self._text = inline, None
        self._ends: tuple[list[int], list[int]] | None = None  # each sentence end's start and end

    def __str__(self) -> str:
        if self._text is None:
            self._text = plain(self._inline)
        return self._text

    @classmethod
    def of(cls, text: str) -> "LazyPlain":
        made = cls(Token("inline", "", 0))
        made._text = text
        return made

    def sentence_ends(self) -> tuple[list[int], list[int]]:
        if self._ends is None:
            found = list(_SENTENCE_END.finditer(str(self)))
            self._ends = ([m.start() for m in found], [m.end() for m in found])
        return self._ends


SENTENCE_LIMIT = 400  # characters of a mention's sentence quoted on the topic page, at most about

# Breakable spaces only: '12.\u00a0Dezember' (typography.py) is no sentence end.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[»«\"”)]*[ \t\r\n]+(?=[A-ZÄÖÜ»„\"(0-9])")
_SPACES = re.compile(r"[ \t\r\n]+")


def _squeeze(text: str) -> str:
    """Runs of breakable whitespace to one space; no-break spaces stay."""
    return _SPACES.sub(" ", text).strip(" ")


def sentence_at(text: str | LazyPlain, position: int) -> str:
    """The sentence of `text` that contains `position` (abbreviations like 'z.B. der' stay whole)."""
    plain_text = text if isinstance(text, LazyPlain) else LazyPlain.of(text)
    starts, ends = plain_text.sentence_ends()
    following = bisect_right(ends, position)  # the first sentence end after `position`
    whole = str(plain_text)
    start = ends[following - 1] if following else 0
    stop = starts[following] if following < len(starts) else len(whole)
    if stop - start <= SENTENCE_LIMIT:
        return _squeeze(whole[start:stop])
    # a "sentence" of a whole paragraph (no full stop in it): the words around the mention, so
    # a topic page that quotes it stays small
    low = max(start, min(position - SENTENCE_LIMIT // 2, stop - SENTENCE_LIMIT))
    high = min(stop, low + SENTENCE_LIMIT)
    excerpt = whole[low:high]
    if low > start:
        excerpt = "…" + excerpt.split(None, 1)[-1] if " " in excerpt.strip() else "…" + excerpt
    if high < stop:
        excerpt = (excerpt.rsplit(None, 1)[0] if " " in excerpt.strip() else excerpt) + "…"
    return _squeeze(excerpt)


FIRST_PARAGRAPH_LIMIT = 1000  # characters kept of it: it stands in for a missing summary


def first_paragraph(tokens: Sequence[Token]) -> str:
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            return plain_excerpt(plain(tokens[index + 1]), FIRST_PARAGRAPH_LIMIT)
    return ""
