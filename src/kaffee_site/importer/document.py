"""A source read into one shape: title, Markdown blocks with their plain text, picture, metadata.

page.py makes it from HTML, plaintext.py from text and Markdown; facts are read from it and
the body is written from its blocks. Also the escaping that keeps source text literal in
Markdown: a '*', '[[' or a line starting '4. ' in a report must stay text, not become markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kaffee_site.text import fold


@dataclass(frozen=True)
class Block:
    kind: str  # 'heading', 'paragraph', 'list', 'quote', 'table' or 'code'
    markdown: str
    plain: str  # the words, for reading facts ('' for code)


@dataclass(frozen=True)
class Picture:
    """The report's picture: where it is (None: only described) and what it shows."""

    alt: str | None
    alt_quote: str | None  # the words the alt text came from
    url: str | None = None  # absolute http(s) address
    path: Path | None = None  # a saved page's own copy
    reference: str | None = None  # as the page names it, when import cannot reach it


@dataclass(frozen=True)
class MetaDate:
    """A date from the page's machine-readable data: (what it is, ISO date, the words)."""

    kind: str  # 'event' (the session itself) or 'published'
    iso: str
    quote: str


@dataclass(frozen=True)
class Document:
    title: str | None
    title_quote: str | None
    blocks: tuple[Block, ...]
    language: str | None = None  # 'de', 'en', ... as the page declares it
    picture: Picture | None = None
    dates: tuple[MetaDate, ...] = ()
    notes: tuple[str, ...] = ()  # what the reader did that the editor should know

    @property
    def markdown(self) -> str:
        return "\n\n".join(block.markdown for block in self.blocks) + "\n" if self.blocks else ""


_INLINE_SPECIAL = re.compile(r"([\\`*\[\]<])")
_LONE_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")
_BLOCK_START = re.compile(r"^(\s*)([#>+=|-]|\d{1,9}[.)](?=\s|$))")


def escape(text: str) -> str:
    """Text as Markdown that shows exactly this text (inline)."""
    return _LONE_UNDERSCORE.sub(r"\\_", _INLINE_SPECIAL.sub(r"\\\1", text))


def escape_start(markdown: str) -> str:
    """A block's first characters escaped where they would start a heading, list, quote or table."""
    match = _BLOCK_START.match(markdown)
    if not match:
        return markdown
    lead, mark = match.groups()
    if mark[0].isdigit():
        return f"{lead}{mark[:-1]}\\{mark[-1]}{markdown[match.end():]}"
    return f"{lead}\\{mark}{markdown[match.end():]}"


def same_text(a: str, b: str) -> bool:
    """Equal but for case, spacing, umlaut spelling and punctuation: a heading that repeats the title."""
    return re.sub(r"[^\w ]", "", fold(a)) == re.sub(r"[^\w ]", "", fold(b))


def one_line(text: str) -> str:
    return " ".join(text.split())


def shift_headings(blocks: list[Block]) -> list[Block]:
    """The highest heading becomes '##': the page's own title is the report's '#'."""
    levels = [len(b.markdown) - len(b.markdown.lstrip("#")) for b in blocks if b.kind == "heading"]
    if not levels:
        return blocks
    shift = 2 - min(levels)
    out = []
    for block in blocks:
        if block.kind == "heading":
            level = len(block.markdown) - len(block.markdown.lstrip("#"))
            new = min(6, max(2, level + shift))
            block = Block("heading", "#" * new + block.markdown[level:], block.plain)
        out.append(block)
    return out
