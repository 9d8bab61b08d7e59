"""Dates and ordinal numbers as reports write them, German and English.

'am 5. September 2024', '05.09.2024', '2024-09-05', 'on 5 September 2024', 'September 5, 2024';
ordinals as digits ('4.', '4th') and words in every German ending ('vierte', 'des vierten',
'einundzwanzigsten') and in English ('fourth', 'twenty-first'). Only days that exist count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kaffee_site.text import transliterate

_DE_MONTHS = {"januar": 1, "jan": 1, "jaenner": 1, "februar": 2, "feb": 2, "maerz": 3, "maer": 3, "mrz": 3,
              "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
              "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
              "dezember": 12, "dez": 12}
_EN_MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
              "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
              "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
              "oct": 10, "nov": 11, "dec": 12}
_MONTH = (r"(?P<m>Januar|Jänner|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|"
          r"January|February|March|May|June|July|October|December|"
          r"Jan|Feb|Mär|Mrz|Apr|Jun|Jul|Aug|Sept|Sep|Okt|Oct|Nov|Dez|Dec)\.?")
_SUFFIX = r"(?:st|nd|rd|th)?"
_PATTERNS = (
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:\.|{_SUFFIX})\s*(?:of\s+)?{_MONTH}\s*,?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}}){_SUFFIX},?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4})\b"),
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
)
_LEAD = re.compile(r"(?:\b(?:am|vom|ab|on|held\s+on)|,)\s*(?:(?:\w+tag|\w+day),?\s+(?:den\s+)?)?$", re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    day: date
    start: int
    end: int
    text: str  # the words as written
    led: bool  # preceded by 'am', 'on', …: names the day something happens


def dates_in(text: str) -> list[DateMention]:
    """Every date in `text`, in order; where two forms overlap, the first pattern's counts."""
    found: list[DateMention] = []
    for start, end in _around_digits(text):
        taken: list[tuple[int, int]] = []  # sorted and disjoint
        for pattern in _PATTERNS:
            new: list[tuple[int, int]] = []
            index = 0
            for match in pattern.finditer(text, start, end):  # in order, so one walk along `taken`
                while index < len(taken) and taken[index][1] <= match.start():
                    index += 1
                if index < len(taken) and taken[index][0] < match.end():
                    continue
                day = _day(match)
                if day is None:
                    continue
                new.append(match.span())
                led = _LEAD.search(text[max(0, match.start() - 40):match.start()]) is not None
                found.append(DateMention(day, match.start(), match.end(), match.group(0), led))
            taken = sorted(taken + new)
    return sorted(found, key=lambda d: d.start)


_DIGITS = re.compile(r"\d+")
_REACH = 24  # a date's words around its digits: 'Donnerstag, 5. September 2024' reaches 18 past the 5


def _around_digits(text: str) -> list[tuple[int, int]]:
    """Stretches of `text` around its digits, joined where they touch: every date has digits, and
    most prose has few, so the patterns run on a small part of a long text. A stretch ends at a
    space, so no word is cut in two."""
    spans: list[tuple[int, int]] = []
    for match in _DIGITS.finditer(text):
        start = text.rfind(" ", 0, max(0, match.start() - _REACH)) + 1
        end = text.find(" ", match.end() + _REACH)
        end = len(text) if end < 0 else end
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _day(match: re.Match) -> date | None:
    month_text = match.group("m")
    if month_text.isdigit():
        month = int(month_text)
    else:
        key = transliterate(month_text.rstrip(".")).lower()
        month = _DE_MONTHS.get(key) or _EN_MONTHS.get(key) or 0
    try:
        return date(int(match.group("y")), month, int(match.group("d")))
    except ValueError:
        return None


# --- ordinals ---------------------------------------------------------------------------

_DE_UNITS = {"ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9}
_DE_SMALL = {"erst": 1, "zweit": 2, "dritt": 3, "viert": 4, "fuenft": 5, "sechst": 6, "siebt": 7, "siebent": 7,
             "acht": 8, "neunt": 9, "zehnt": 10, "elft": 11, "zwoelft": 12, "dreizehnt": 13, "vierzehnt": 14,
             "fuenfzehnt": 15, "sechzehnt": 16, "siebzehnt": 17, "achtzehnt": 18, "neunzehnt": 19}
_DE_TENS = {"zwanzig": 20, "dreissig": 30, "vierzig": 40, "fuenfzig": 50, "sechzig": 60, "siebzig": 70,
            "achtzig": 80, "neunzig": 90}
_EN_SMALL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
             "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
            "ninety": 90}
_EN_UNITS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9}


def _ordinal_words() -> dict[str, int]:
    words: dict[str, int] = {}
    de_stems = dict(_DE_SMALL)
    for tens, value in _DE_TENS.items():
        de_stems[tens + "st"] = value
        for unit, n in _DE_UNITS.items():
            de_stems[f"{unit}und{tens}st"] = value + n
    de_stems["hundertst"] = 100
    for stem, value in de_stems.items():
        for ending in ("e", "er", "en", "es", "em"):
            words[stem + ending] = value
    words.update(_EN_SMALL)
    for tens, value in _EN_TENS.items():
        words[tens[:-1] + "ieth"] = value
        for unit, n in _EN_UNITS.items():
            words[f"{tens}-{unit}"] = words[f"{tens} {unit}"] = value + n
    words["hundredth"] = 100
    return words


ORDINAL_WORDS = _ordinal_words()  # transliterated, lower-case: 'fuenften' -> 5
# a word (or English 'twenty-first') that may be an ordinal; looked up in ORDINAL_WORDS
ORDINAL_WORD = r"[A-Za-zÄÖÜäöüß]+(?:[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth))?"
ORDINAL_DIGITS = r"\d{1,3}(?:\.|st\b|nd\b|rd\b|th\b)"


def ordinal_value(text: str) -> int | None:
    """4 for '4.', '4th', 'vierte', 'des vierten' (last word), 'Fourth'; None when it is no ordinal."""
    text = text.strip()
    digits = re.fullmatch(r"(\d{1,3})(?:\.|st|nd|rd|th)", text)
    if digits:
        return int(digits.group(1)) or None
    key = transliterate(text).lower().replace("ß", "ss")
    return ORDINAL_WORDS.get(key)
