"""The facts of a report, each with the words it was read from, and what could not be found.

Title, date, series and number, speakers, topics, the next session and the picture. A value
is only set when the source says it; `Fact.quote` carries the words (they become the YAML
comment beside the value). What is missing is listed for the editor instead of being guessed.

The session's date is the first day the text gives with 'am'/'on' outside the announcement
of the next session; failing that, an event date in the page's structured data, a date in a
sentence naming the series, and last the page's publication date (said so in the comment:
a report is often published days after the session).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kaffee_site.importer.archive import Archive
from kaffee_site.importer.dates import dates_in
from kaffee_site.importer.document import Document, Picture
from kaffee_site.importer.nextup import NextFact, announced_day, announced
from kaffee_site.importer.sentences import Sentence, around, quote, sentences_of
from kaffee_site.importer.series import series_in
from kaffee_site.importer.speakers import SpeakerFact, speakers_in
from kaffee_site.importer.topics import TopicFact, strongest_topics
from kaffee_site.text import ENGLISH_MONTHS, fold, german_date

_GERMAN_WORDS = frozenset("der die das und ist nicht mit den von zu im für auch sich wird wurde ein eine".split())
_ENGLISH_WORDS = frozenset("the and is not with of to in for also it was will be a an".split())
_TITLE_SEPARATORS = re.compile(r"\s+[|·•]\s+|\s+::\s+")


@dataclass(frozen=True)
class Fact:
    value: object
    quote: str  # where it came from: the comment beside it


@dataclass(frozen=True)
class Facts:
    title: Fact
    title_found: bool
    date: Fact | None
    series: str
    series_quote: str | None  # None: the source names no series of the archive (its default is taken)
    number: Fact | None
    speakers: tuple[SpeakerFact, ...]
    topics: tuple[TopicFact, ...]
    next: NextFact | None
    picture: Picture | None
    language: str | None  # the source's, when it can be told
    missing: tuple[str, ...]  # what the source does not say, one line each
    notes: tuple[str, ...]  # what the editor should know about values that were found


def read_facts(document: Document, archive: Archive, given_date: date | None = None) -> Facts:
    sentences = sentences_of(document)
    raw_title = document.title or ""
    series, series_quote = _series(raw_title, sentences, archive)
    day = Fact(given_date, "given with --date") if given_date else _date(document, raw_title, sentences, archive, series)
    session_day = day.value if day else None
    number = _number(raw_title, sentences, archive, series, session_day)
    language = document.language or _guess_language(sentences)
    next_fact = announced(sentences, archive, series, session_day, number.value if number else None,
                          archive.config.language)
    skip = next_fact.sentences if next_fact else frozenset()
    title = _title(raw_title, document.title_quote, archive)
    topics = strongest_topics(archive.topic_names, sentences, title.value if title else None, skip)
    speakers = speakers_in(sentences, archive, skip)
    notes = list(document.notes)
    if language and language != archive.config.language:
        notes.append(f"the source is in '{language}', the archive in '{archive.config.language}': "
                     "check dates, topics and the text")
    if number and session_day:
        other = archive.session_numbered(series, number.value)
        if other is not None and other.day != session_day:
            notes.append(f"number {number.value} of '{series}' is also used by {other.display}: check both")
    if title is None:
        title = Fact(_placeholder_title(series, number, session_day, archive.config.language), "")
    missing = _missing(title.quote != "", day, number, speakers, topics, next_fact, document.picture, series)
    return Facts(title, bool(title.quote), day, series, series_quote, number, tuple(speakers), tuple(topics), next_fact,
                 document.picture, language, tuple(missing), tuple(notes))


def _series(title: str, sentences: list[Sentence], archive: Archive) -> tuple[str, str | None]:
    """The first of the archive's series the source names, with its words; else the default one."""
    for text in (title, *(s.text for s in sentences)):
        mentions = series_in(text, archive.series)
        if mentions:
            return mentions[0].series, f"\"{quote(mentions[0].text)}\""
    return archive.config.series, None


def _date(document: Document, title: str, sentences: list[Sentence], archive: Archive, series: str) -> Fact | None:
    for mention in dates_in(title):
        return Fact(mention.day, f"the title \"{quote(title)}\"")
    plain = [s for s in sentences if announced_day(s.text, archive, series, None, None) is None]
    for sentence in plain:
        for mention in dates_in(sentence.text):
            if mention.led:
                return Fact(mention.day, f"\"{quote(around(sentence.text, mention.start, mention.end))}\"")
    for meta in document.dates:
        if meta.kind == "event":
            return Fact(date.fromisoformat(meta.iso), meta.quote)
    for sentence in plain:
        if any(m.series == series for m in series_in(sentence.text, archive.series)):
            for mention in dates_in(sentence.text):
                return Fact(mention.day, f"\"{quote(around(sentence.text, mention.start, mention.end))}\"")
    for meta in document.dates:
        if meta.kind == "published":
            return Fact(date.fromisoformat(meta.iso), f"{meta.quote}: the day the page was published, "
                        "the session may have been earlier: check")
    return None


def _number(title: str, sentences: list[Sentence], archive: Archive, series: str,
            session_day: date | None) -> Fact | None:
    for mention in series_in(title, archive.series):
        if mention.series == series and mention.number:
            return Fact(mention.number, f"\"{quote(mention.text)}\" in the title")
    found = []
    for sentence in sentences:
        if announced_day(sentence.text, archive, series, session_day, None) is not None:
            continue
        for mention in series_in(sentence.text, archive.series):
            if mention.series == series and mention.number:
                has_day = session_day is not None and any(d.day == session_day for d in dates_in(sentence.text))
                found.append((not has_day, sentence.index, mention))
    if not found:
        return None
    _, _, best = min(found, key=lambda item: (item[0], item[1]))
    return Fact(best.number, f"\"{quote(best.text)}\"")


def _title(raw: str, where: str | None, archive: Archive) -> Fact | None:
    raw = " ".join(raw.split())
    if not raw:
        return None
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(raw) if p.strip()]
    if len(parts) > 1:
        named = [p for p in parts if series_in(p, archive.series)]
        others = [p for p in parts if fold(p) != fold(archive.config.title)]
        parts = named or others or parts
    title = max(parts, key=len)
    return Fact(title, quote(where or f"\"{raw}\"", 160))


def _placeholder_title(series: str, number: Fact | None, day: date | None, language: str) -> str:
    if day is None:
        return series
    if language == "en":
        return f"{series} on {day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"
    return f"{series} am {german_date(day)}"


def _guess_language(sentences: list[Sentence]) -> str | None:
    words = [w.lower() for s in sentences[:40] for w in re.findall(r"[^\W\d_]+", s.text)]
    german = sum(1 for w in words if w in _GERMAN_WORDS)
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    if german + english < 5:
        return None
    return "de" if german >= english * 2 else "en" if english >= german * 2 else None


def _missing(title_found: bool, day: Fact | None, number: Fact | None, speakers: list, topics: list,
             next_fact: NextFact | None, picture: Picture | None, series: str) -> list[str]:
    missing = []
    if not title_found:
        missing.append("title: the source has no headline; the file has a stand-in")
    if day is None:
        missing.append("date: the source gives no day")
    if number is None:
        missing.append(f"number: the source does not say which '{series}' this was")
    if not speakers:
        missing.append("speakers: no one is named as speaking for an organisation")
    if not topics:
        missing.append("topics: none of the archive's topics is named often enough")
    if next_fact is None:
        missing.append("next: the source announces no next session")
    elif next_fact.title is None:
        missing.append("next.title: the announcement does not say what the next session is about")
    if picture is None:
        missing.append("image: the source has no picture")
    elif not picture.alt:
        missing.append("image.alt: the source does not describe its picture")
    return missing
