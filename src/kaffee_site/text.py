"""German text helpers that never depend on the OS locale: slugs, name folding, dates."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)
_NON_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

GERMAN_MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)
GERMAN_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


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


def german_date(day: date) -> str:
    """5. September 2024 (no leading zero, month name from our own table, not the locale)."""
    return f"{day.day}. {GERMAN_MONTHS[day.month - 1]} {day.year}"


def german_weekday(day: date) -> str:
    return GERMAN_WEEKDAYS[day.weekday()]


def german_month(month: int) -> str:
    return GERMAN_MONTHS[month - 1]


def plain_excerpt(text: str, limit: int = 200) -> str:
    """Whitespace folded and cut at a word boundary with an ellipsis, for descriptions."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–-")
    return cut + "…"
