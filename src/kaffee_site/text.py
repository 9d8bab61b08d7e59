"""German text helpers that never depend on the OS locale: slugs, name folding, dates."""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections import defaultdict
from datetime import date
from functools import lru_cache
from typing import Iterable, Iterator

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
    """Whitespace folded and cut at a word boundary with an ellipsis, for descriptions.

    Reads no more of `text` than the excerpt can need, so a summary of a megabyte shown in
    three hundred lists costs what a short one does (issue 18)."""
    head = text[: limit * 4]  # room for runs of spaces that fold to one
    folded = " ".join(head.split())
    if len(folded) <= limit and len(head) == len(text):
        return folded
    if len(folded) < limit:  # spaces filled the head: what follows is cut off
        return folded.rstrip(",;:–-") + "…"
    cut = folded[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–-")
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


class NearNames:
    """Names filed so that "which of them is this one close to?" costs about the same whatever
    their number: 10,000 names ask and answer in well under a second. (Issue 18: difflib against
    every name took 60 s for 150 questions among 400 anagram aliases; every pair of 1,086
    speaker names one letter apart was compared, 187 s.)

    Close means one typo apart (a letter wrong, missing or added, or two neighbours swapped),
    the longer name of at least `shortest` characters, neither over TYPO_LONGEST; or the same but for
    an ending of up to ENDING letters on a stem of at least STEM letters ('Verstetigungen',
    'Verstetigung'). A name is filed under itself, under each form with one letter dropped
    (two names one typo apart share such a form: "symmetric delete") and under its stems; a
    question looks up its own forms only. A form keeps the first LOOK names filed under it and
    a question checks at most LOOK * 2 names, each in time linear in its length: thousands of
    names that all share a form cost no more than a few dozen."""

    LOOK = 32
    TYPO_LONGEST = 80  # a longer name is compared for endings only (its forms would cost its square)
    ENDING = 3
    STEM = 4

    def __init__(self, names: Iterable[str] = (), shortest: int = 5, endings: bool = True):
        self.shortest, self.endings = shortest, endings
        self._forms: dict[str, list[str]] = defaultdict(list)
        self._known: set[str] = set()
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        if name in self._known:
            return
        self._known.add(name)
        for form in self._filed_under(name):
            filed = self._forms[form]
            if len(filed) < self.LOOK:
                filed.append(name)

    def __contains__(self, name: str) -> bool:
        return name in self._known

    def near(self, word: str) -> list[str]:
        """The names close to `word` (not `word` itself), in the order they were found."""
        found: dict[str, None] = {}
        forms, budget = self._forms, 2 * self.LOOK
        for form, sure in self._asked_as(word):
            for name in forms.get(form, ()):
                if name == word or name in found:
                    continue
                budget -= 1
                if budget < 0:
                    return list(found)
                if sure or _one_typo(word, name):  # a shared form with a letter dropped from each: check
                    found[name] = None
        return list(found)

    def closest(self, word: str) -> str | None:
        """The first name one typo from `word`, else the first an ending away; None if none is."""
        near = self.near(word)
        return next((name for name in near if _one_typo(word, name)), near[0] if near else None)

    def _typos(self, name: str) -> bool:
        return self.shortest - 1 <= len(name) <= self.TYPO_LONGEST

    def _filed_under(self, name: str) -> Iterator[str]:
        yield "=" + name
        if self._typos(name):
            for i in range(len(name)):
                yield "-" + name[:i] + name[i + 1:]
        for cut in range(1, self.ENDING + 1 if self.endings else 1):
            if len(name) - cut >= self.STEM:
                yield "<" + name[:-cut]

    def _asked_as(self, word: str) -> list[tuple[str, bool]]:
        """The forms to look up, each with whether a name filed there is surely close."""
        asked = [("<" + word, True)] if self.endings else []  # a name that is `word` and an ending
        asked += [("=" + word[:-cut], True) for cut in range(1, self.ENDING + 1)  # `word` is a name and an ending
                  if self.endings and len(word) - cut >= self.STEM]
        if self._typos(word):  # of two names one typo apart, the longer has `shortest` letters
            asked.append(("-" + word, True))  # a name with a letter more
            if len(word) >= self.shortest:
                for i in range(len(word)):
                    dropped = word[:i] + word[i + 1:]
                    asked += (("=" + dropped, True),  # a name with a letter less
                              ("-" + dropped, False))  # a letter wrong, two swapped, or two typos
        return asked


def _one_typo(a: str, b: str) -> bool:
    """Whether a and b are one edit apart: a letter replaced, dropped or added, or two neighbours
    swapped (optimal string alignment distance 1), in time linear in their length."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i, shorter = 0, min(len(a), len(b))
    while i < shorter and a[i] == b[i]:
        i += 1
    if len(a) > len(b):
        return a[i + 1:] == b[i:]
    if len(a) < len(b):
        return a[i:] == b[i + 1:]
    swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i]
    return a[i + 1:] == b[i + 1:] or (swapped and a[i + 2:] == b[i + 2:])


def _ending(stem: str, name: str) -> bool:
    """Whether `name` is `stem` and an ending of up to NearNames.ENDING letters."""
    return (len(stem) >= NearNames.STEM and 0 < len(name) - len(stem) <= NearNames.ENDING
            and name.startswith(stem))


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
