"""The next session, as a report announces it at its end.

'Am 10. Oktober 2024 steht der fünfte »Smarte Kaffee« an.', 'Der nächste »Smarte Kaffee« am
12. Dezember 2024 beschäftigt sich mit …', 'The next Smart Coffee will take place on 8 May
2025 …': a sentence with a date after the session's and a word that looks ahead (nächste,
steht … an, next, upcoming) together with the series or a word for a session, or the series
with the following number. What it will be about: the title of the archive's report of that
day if there is one; else what the text says ('beschäftigt sich mit X', 'geht es um X',
'will focus on X'); else the archive's topics it names. The sentences that follow on from it
('Dort wird …') belong to the announcement and are not counted for this report's own facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kaffee_site.importer.archive import Archive
from kaffee_site.importer.dates import dates_in
from kaffee_site.importer.sentences import Sentence
from kaffee_site.importer.series import series_in
from kaffee_site.importer.topics import topics_named

_DIGIT = re.compile(r"\d")
_AHEAD = re.compile(r"\b(?:nächste[nrms]?|naechste[nrms]?|kommende[nrms]?|next|upcoming|forthcoming)\b", re.IGNORECASE)
_FUTURE = re.compile(r"\bsteht\b.*\ban\b|\bfindet\b.*\bstatt\b|\bfolgt\b|\bgeplant\b|\bwird\b.*\bstattfinden\b|"
                     r"\bwill\b|\bis\s+(?:scheduled|planned)\b|\btakes\s+place\b", re.IGNORECASE)
_SESSION_WORDS = re.compile(r"\b(?:Sitzung|Runde|Termin|Treffen|Kaffeerunde|Ausgabe|Folge|Veranstaltung|"
                            r"session|meeting|round|event|edition)\b", re.IGNORECASE)
_FOLLOW_ON = re.compile(r"^(?:Dort|Dabei|Darin|Dann|Hier|Thema|Es|Dazu|Geplant|Inhaltlich|There|Then|It|This|"
                        r"The\s+topic|Topic)\b")
_ABOUT = re.compile(
    r"\b(?:beschäftigt\s+sich\s+mit|befasst\s+sich\s+mit|widmet\s+sich|dreht\s+sich\s+(?:alles\s+)?um|"
    r"geht\s+es\s+um|steht\s+(?:ganz\s+)?im\s+Zeichen\s+(?:von|des|der)|zum\s+Thema|Thema:|mit\s+dem\s+Thema|"
    r"unter\s+dem\s+(?:Titel|Motto)|will\s+(?:focus|be)\s+on|focus(?:es)?\s+on|is\s+about|will\s+(?:look\s+at|discuss)|"
    r"on\s+the\s+topic\s+of|topic:)\s+(?P<what>[^.;!?]+)", re.IGNORECASE)
_QUOTED = re.compile(r"^[»„“\"'‚›]([^«“”\"'‘‹]{3,120})[«“”\"'‘‹]")
_TRAILING = re.compile(r"\s+(?:an|statt|stattfinden|zu\s+planen)$")
# '… und der Frage, wie …': the question itself is cut off at the comma, so its lead-in goes too
_DANGLING = re.compile(r"\s+(?:und|sowie|and)\s+(?:der|die|the)\s+(?:Frage|Fragen|question)$", re.IGNORECASE)


@dataclass(frozen=True)
class NextFact:
    day: date
    quote: str  # the announcing sentence
    title: str | None
    title_note: str | None  # where the title came from
    sentences: frozenset[int]  # the announcement's sentences (not this report's facts)


def announced(sentences: list[Sentence], archive: Archive, series: str, session_day: date | None,
              number: int | None, language: str) -> NextFact | None:
    for position, sentence in enumerate(sentences):
        day = announced_day(sentence.text, archive, series, session_day, number)
        if day is None:
            continue
        group = [sentence] + _follow_on(sentences, position)
        title, note = _title(group, archive, series, day, language)
        return NextFact(day, sentence.text, title, note, frozenset(s.index for s in group))
    return None


def announced_day(text: str, archive: Archive, series: str, session_day: date | None,
                   number: int | None) -> date | None:
    if _DIGIT.search(text) is None:
        return None  # no date: most sentences are passed over here
    later = [d for d in dates_in(text) if session_day is None or d.day > session_day]
    if not later:
        return None
    mentions = series_in(text, archive.series)
    named = any(m.series == series for m in mentions) or _SESSION_WORDS.search(text) is not None
    following = number is not None and any(m.series == series and m.number == number + 1 for m in mentions)
    ahead = _AHEAD.search(text) is not None
    if following or (ahead and (named or session_day is not None)) or (named and _FUTURE.search(text)):
        return later[0].day
    return None


def _follow_on(sentences: list[Sentence], position: int) -> list[Sentence]:
    """The sentences after the announcement that go on about it: the rest of its paragraph, and
    the next paragraph when it starts by pointing back ('Dort wird …')."""
    first = sentences[position]
    rest = sentences[position + 1:]
    group = [s for s in rest if s.paragraph == first.paragraph]
    after = [s for s in rest if s.paragraph > first.paragraph]
    if after and _FOLLOW_ON.match(after[0].text):
        group += [s for s in after if s.paragraph == after[0].paragraph]
    return group


def _title(group: list[Sentence], archive: Archive, series: str, day: date,
           language: str) -> tuple[str | None, str | None]:
    known = archive.session_on(series, day)
    if known is not None and known.title:
        return known.title, f"the title of the archive's report of that day ({known.display})"
    for sentence in group:
        match = _ABOUT.search(sentence.text)
        if match:
            what = _clean(match.group("what"))
            if what:
                return what, f"\"{match.group(0).strip()}\""
    named = topics_named(archive.topic_names, " ".join(s.text for s in group))
    if named:
        joiner = " and " if language == "en" else " und "
        title = ", ".join(named[:-1]) + joiner + named[-1] if len(named) > 1 else named[0]
        return title, "the archive's topics that the announcement names"
    return None, None


def _clean(what: str) -> str | None:
    what = what.strip()
    quoted = _QUOTED.match(what)
    if quoted:
        what = quoted.group(1)
    what = _TRAILING.sub("", _DANGLING.sub("", what.split(",")[0].strip())).strip(" »«„“”\"'")
    if len(what) < 3:
        return None
    if len(what) > 100:
        what = what[:99].rsplit(" ", 1)[0] + "…"
    return what[0].upper() + what[1:]
