"""German text helpers that never depend on the OS locale: slugs, name folding, dates."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import Iterable

_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)
_NON_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # use fullmatch: '$' would let "x\n" through
NAME_MAX = 255  # bytes in one path segment: the limit of ext4, XFS, APFS and NTFS alike

GERMAN_MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)


def transliterate(text: str) -> str:
    """ä→ae, ö→oe, ü→ue, ß→ss, then drop any other accent (é→e) to plain ASCII letters."""
    text = text.translate(_TRANSLITERATION)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)  # pure, and called for the same few thousand names again and again
def slugify(text: str) -> str:
    """'Digitale Daseinsvorsorge' -> 'digitale-daseinsvorsorge', 'Fördermittel' -> 'foerdermittel'."""
    return _NON_SLUG.sub("-", transliterate(text).lower()).strip("-")


@lru_cache(maxsize=65536)  # pure, and called for the same few thousand names again and again
def fold(name: str) -> str:
    """The form under which two names count as the same: case, umlaut spelling and spacing ignored."""
    return " ".join(transliterate(unicodedata.normalize("NFC", name)).casefold().split())


def is_slug(text: str) -> bool:
    return SLUG_PATTERN.fullmatch(text) is not None


def fits_file_name(segment: str) -> bool:
    """Whether a file system can hold `segment` as one file or folder name."""
    return len(segment.encode("utf-8")) <= NAME_MAX


def german_date(day: date) -> str:
    """5. September 2024 (no leading zero, month name from our own table, not the locale)."""
    return f"{day.day}. {GERMAN_MONTHS[day.month - 1]} {day.year}"


def plain_excerpt(text: str, limit: int = 200) -> str:
    """Whitespace folded and cut at a word boundary with an ellipsis, for descriptions."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–-")
    return cut + "…"


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (insert, delete, replace, swap two neighbours).

    Stops counting at `limit`: callers only ask whether two names are one or two typos apart."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        above, row = row, [i] + [0] * len(b)
        for j, other in enumerate(b, 1):
            row[j] = min(above[j] + 1, row[j - 1] + 1, above[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                row[j] = min(row[j], before[j - 2] + 1)
        if min(row) >= limit:
            return limit
        before = above
    return min(row[-1], limit)


def closest(word: str, candidates: Iterable[str], max_distance: int = 2) -> str | None:
    """The candidate fewest typos away from `word` (ties: the first), if any is that close."""
    best, best_distance = None, max_distance + 1
    for candidate in candidates:
        distance = edit_distance(word.casefold(), candidate.casefold(), best_distance)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


def impossible_day(text: str) -> str | None:
    """Why a YYYY-MM-DD text names no day ('February 2025 has 28 days'); None if it is no such text."""
    match = _ISO_SHAPE.match(text)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days:
        return f"{ENGLISH_MONTHS[month - 1]} {year} has {days} days"
    return None


_ISO_SHAPE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
                  "August", "September", "October", "November", "December")


def key_path(path: Iterable[str | int]) -> str:
    """A front-matter key as messages name it: 'speakers.2.name' for the name of the second
    speaker (list positions counted from 1, as an editor counts the entries)."""
    return ".".join(str(part + 1) if isinstance(part, int) else part for part in path)
