"""The series a report belongs to and its number in it, as the text names them.

'4. Smarter Kaffee', 'des vierten »Smarten Kaffee«', 'the fourth Smart Coffee', 'Smart Coffee
#12': the archive's series names are matched with their German endings ('Smarte', 'Smarten'),
with or without quotes, and an ordinal (digits or words) right before them, or 'Nr.'/'#' after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kaffee_site.importer.dates import ORDINAL_DIGITS, ORDINAL_WORD, ordinal_value

_QUOTE = r"[»«„“”\"'‚‘›‹]?"
_CLOSING = tuple("»«“”\"'‘›‹")
_ENDINGS = ("er", "en", "es", "em", "e", "s", "n")


@dataclass(frozen=True)
class SeriesMention:
    series: str
    start: int
    end: int
    number: int | None  # when an ordinal or 'Nr.' names one
    text: str


@lru_cache(maxsize=32)
def series_regex(name: str) -> re.Pattern:
    """The series name in any German ending, with the ordinal or 'Nr.' that may come with it."""
    words = [re.escape(_stem(w)) + r"(?:e|er|en|es|em|n|s)?" for w in name.split()]
    core = r"[\s\u00a0]+".join(words)
    before = rf"(?:(?P<ord>{ORDINAL_DIGITS}|\b{ORDINAL_WORD})[\s\u00a0]+)?"
    after = r"(?:[\s\u00a0]*(?:Nr\.?|No\.?|Nummer|number|#)[\s\u00a0]*(?P<num>\d{1,4})\b)?"
    return re.compile(rf"{before}{_QUOTE}\b(?P<series>{core})\b{_QUOTE}{after}", re.IGNORECASE)


def _stem(word: str) -> str:
    lower = word.lower()
    for ending in _ENDINGS:
        if lower.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def series_in(text: str, names: list[str]) -> list[SeriesMention]:
    """Every mention of one of the series in `text`, in order (the first series listed wins a tie)."""
    found: list[SeriesMention] = []
    lowered = text.lower()
    for name in names:
        if _stem(name.split()[-1]).lower() not in lowered if name.split() else True:
            continue  # its last word is not in the text: most sentences are passed over here
        for match in series_regex(name).finditer(text):
            if any(m.start < match.end() and match.start() < m.end for m in found):
                continue
            number = None
            if match.group("ord"):
                number = ordinal_value(match.group("ord"))
            if number is None and match.group("num"):
                number = int(match.group("num")) or None
            start = match.start() if number is not None else match.start("series")
            end = match.end() if match.group("num") else match.end("series")
            if text[end:end + 1] in _CLOSING:
                end += 1  # the closing quote, so the comment quotes »Smarten Kaffee« whole
            found.append(SeriesMention(name, start, end, number, text[start:end].strip()))
    return sorted(found, key=lambda m: m.start)
