"""The report's words as sentences, each knowing its paragraph: what the facts are read from.

Splitting German prose needs care: '5. September', '4. Smarter Kaffee', 'd.h.', 'z.B.',
'Nr. 4' and 'Dr. Roth' end no sentence. Quotes for the YAML comments are cut from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kaffee_site.importer.document import Document

_ABBREVIATIONS = frozenset("""bzw ca dr prof nr no vgl usw inkl ggf evtl st abs hr fr mio mrd jan feb mär apr jun jul
aug sep sept okt nov dez dec oct mr mrs ms etc vs bspw sog tel ua zb dh co""".split())
_END = re.compile(r"[.!?…]+[\"'»«“”’)\]]*(?=\s+[\"'»«„“‚‹(\[]?[A-ZÄÖÜ0-9])")


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int  # index of its block in the Document
    index: int  # position among all sentences


def sentences_of(document: Document) -> list[Sentence]:
    out: list[Sentence] = []
    for number, block in enumerate(document.blocks):
        if block.kind in ("code", "table") or not block.plain:
            continue
        for text in split(block.plain):
            out.append(Sentence(text, number, len(out)))
    return out


def split(paragraph: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _END.finditer(paragraph):
        before = paragraph[max(start, match.start() - 60):match.start()].rsplit(None, 1)  # the word only
        word = before[-1] if before else ""
        if match.group(0).startswith(".") and _no_end(word):
            continue
        parts.append(paragraph[start:match.end()].strip())
        start = match.end()
    rest = paragraph[start:].strip()
    if rest:
        parts.append(rest)
    return parts


def _no_end(word: str) -> bool:
    """The word before a '.' that makes it an abbreviation or an ordinal, not a sentence's end."""
    bare = word.lstrip("(»„\"'")
    if bare.isdigit():
        return len(bare) <= 2  # '5.' and '4.' are ordinals; a year ends a sentence
    return "." in bare or bare.lower() in _ABBREVIATIONS or (len(bare) == 1 and bare.isalpha())


def quote(text: str, limit: int = 110) -> str:
    """Words for a one-line YAML comment: spacing folded, long ones cut at a word with '…'."""
    text = " ".join(text.split())
    text = "".join(ch for ch in text if ch.isprintable())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def around(text: str, start: int, end: int, words: int = 4) -> str:
    """The matched words with a few words either side: enough to find the place in the source."""
    before = text[:start].split()[-words:]
    after = text[end:].split()[:words]
    return " ".join([*before, text[start:end], *after])
