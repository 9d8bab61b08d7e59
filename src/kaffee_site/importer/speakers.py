"""Speakers and their organisations, from the usual ways reports name them.

German: 'die Prognos AG, vertreten durch A und B', 'A vom Kreis X', 'A und B von der X',
'A (X)', 'A, Digitalkoordinatorin im Landkreis X'; English: 'X, represented by A and B',
'A from X', 'A of X', 'A (X)'. People and organisations the archive knows are found by any
of their spellings (case, umlauts, aliases; 'Kreis X' for 'Landkreis X', 'Prognos' for
'Prognos AG') and written as the archive writes them; a known person named without an
organisation gets the one of their latest session. Each speaker keeps the words it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kaffee_site.importer.archive import Archive
from kaffee_site.importer.sentences import Sentence, quote
from kaffee_site.text import fold, transliterate

_UP, _LOW = "A-ZÄÖÜÀ-ÖØ-Þ", "a-zäöüßà-öø-ÿ"
_WORD = rf"[{_UP}][{_LOW}]+(?:-[{_UP}][{_LOW}]+)*"
NAME = rf"(?:(?:Dr|Prof)\.\s+)*{_WORD}(?:\s+{_WORD}){{1,2}}"
_NAMES = rf"{NAME}(?:\s*,\s*{NAME})*(?:\s*,?\s+(?:und|sowie|and|&)\s+{NAME})?"
_ORG_WORD = rf"(?:[{_UP}0-9][\w&.'’-]*|AG|GmbH|gGmbH|mbH|e\.\s?V\.|KG|SE|UG|eG|AöR)"
_ORG = rf"{_ORG_WORD}(?:\s+(?:(?:für|und|der|des|am|an der|for|of|and|the)\s+)?{_ORG_WORD}){{0,4}}"
_PLACE_ORG = rf"(?:Landkreis(?:es)?|Kreis(?:es)?|Stadt|Gemeinde|Amt(?:es)?|Bezirk|Region|Verbandsgemeinde|Samtgemeinde)\s+{_WORD}"
_OF = r"(?:vom|von\s+der|von\s+den|von|aus\s+dem|aus\s+der|beim|bei\s+der|bei|im|in\s+der|des|der|from\s+the|from|of\s+the|of|at\s+the|at)"

# (pattern, a word it cannot match without: most sentences are passed over at the cost of a `find`)
_PATTERNS = (
    # the organisation first: 'die Prognos AG, vertreten durch A und B'
    (re.compile(rf"(?P<org>{_ORG})\s*,?\s*\(?(?:vertreten\s+durch|in\s+Person\s+von|represented\s+by)\s+"
                rf"(?P<names>{_NAMES})"), re.compile(r"vertreten|in\s+person\s+von|represented", re.IGNORECASE)),
    # 'A und B vom Kreis X', 'A from X'
    (re.compile(rf"(?P<names>{_NAMES})\s+{_OF}\s+(?P<org>{_PLACE_ORG}|{_ORG})"), None),
    # 'A (X)'
    (re.compile(rf"(?P<names>{NAME})\s*\((?P<org>[{_UP}0-9][^()]{{1,80}})\)"), re.compile(r"\(")),
    # 'A, Digitalkoordinatorin im Landkreis X'
    (re.compile(rf"(?P<names>{NAME}),\s+(?:[\w-]+\s+){{1,3}}?{_OF}\s+(?P<org>{_PLACE_ORG}|{_ORG})"),
     re.compile(",")),
)
_NAME = re.compile(NAME)
_SPLIT_NAMES = re.compile(r"\s*,\s*|\s+(?:und|sowie|and|&)\s+")
_LEADING = frozenset(transliterate(w).lower() for w in """die der das den dem des ein eine einen einem im am zum zur
beim vom auch als und nach vor mit bei für von aus dort dabei hier dann danach zudem außerdem anschließend schließlich
letztlich insgesamt frau herr landrat landrätin bürgermeister bürgermeisterin moderation moderiert moderator moderatorin
referent referentin gast the a an in at on with from by for and then also ms mr mrs dr prof""".split())
_NOT_NAMES = frozenset(transliterate(w).lower() for w in """kreis landkreis stadt gemeinde amt bezirk region agentur
digitalagentur verein verband ag gmbh ministerium institut universität hochschule programm projekt kaffee smarter smarten
smarte montag dienstag mittwoch donnerstag freitag samstag sonntag januar februar märz april mai juni juli august
september oktober november dezember county council office""".split())
_NOT_ORGS = frozenset(fold(w) for w in """Moderation Moderatorin Moderator Gast Gastgeberin Gastgeber online Leitung
Referentin Referent Impuls Vortrag Präsentation Folien Video host speaker moderator chair""".split())


@dataclass(frozen=True)
class SpeakerFact:
    name: str
    org: str | None
    quote: str  # the words both came from
    note: str = ""  # how the archive helped: 'organisation from the archive (…)'


def speakers_in(sentences: list[Sentence], archive: Archive, skip: frozenset[int] = frozenset()) -> list[SpeakerFact]:
    found: dict[str, tuple[int, SpeakerFact]] = {}  # folded name -> (position, fact)
    for sentence in sentences:
        if sentence.index in skip or _NAME.search(sentence.text) is None:
            continue  # every pattern needs a name: two capitalised words in a row
        for pattern, needed in _PATTERNS:
            if needed is not None and needed.search(sentence.text) is None:
                continue
            for match in pattern.finditer(sentence.text):
                org, org_note = _organisation(match.group("org"), archive)
                if org is None:
                    continue
                for written in _SPLIT_NAMES.split(match.group("names")):
                    person = _person(written)
                    if person is None or _is_org_or_topic(person, archive):
                        continue
                    name, note = _known_person(person, archive)
                    key = fold(name)
                    if key not in found:
                        place = (sentence.index, match.start())
                        found[key] = (place, SpeakerFact(name, org, quote(match.group(0)), _join(note, org_note)))
        for name, org, where, start, written in _known_people_in(sentence.text, archive):
            key = fold(name)
            if key not in found:
                note = f"known in the archive ({where})" + ("; organisation from there" if org else "")
                found[key] = ((sentence.index, start), SpeakerFact(name, org, quote(sentence.text), note))
    return [fact for _, fact in sorted(found.values(), key=lambda item: item[0])]


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _person(written: str) -> str | None:
    words = written.split()
    while words and transliterate(words[0]).lower().rstrip(".") in _LEADING:
        words = words[1:]
    if len(words) < 2 or any(transliterate(w).lower() in _NOT_NAMES for w in words):
        return None
    return " ".join(words)


def _is_org_or_topic(name: str, archive: Archive) -> bool:
    key = fold(name)
    return key in archive.organisations or key in archive.topic_keys


def _known_person(name: str, archive: Archive) -> tuple[str, str]:
    known = archive.people.get(fold(name))
    if known is None:
        return name, ""
    canonical, _, where = known
    return canonical, f"known in the archive ({where})" + (f", written '{name}' here" if canonical != name else "")


def _organisation(written: str, archive: Archive) -> tuple[str | None, str]:
    """The organisation as the archive writes it, or as the text does when it is new."""
    text = " ".join(written.split()).strip(" ,;:")
    text = re.sub(r"^(?:Landkreises|Kreises|Amtes)\b", lambda m: m.group(0)[:-2], text)
    text = re.sub(r"^(?:die|der|das|the)\s+", "", text, flags=re.IGNORECASE)
    if "," in text:
        text = text.split(",", 1)[0].strip()
    if not re.search(r"[^\W\d_]{2}", text) or fold(text) in _NOT_ORGS or not (text[0].isupper() or text[0].isdigit()):
        return None, ""
    known = archive.organisation(text)
    if known is not None:
        return known, (f"'{text}' is the archive's '{known}'" if fold(known) != fold(text)
                       and fold(text) not in archive.organisations else "")
    longest = _known_org_prefix(text, archive)
    if longest is not None:
        return longest, ""
    return text, "new organisation"


def _known_org_prefix(text: str, archive: Archive) -> str | None:
    """'Kreis Coesfeld Ergebnisse' (a capitalised noun after the name) is the known 'Kreis Coesfeld'."""
    words = text.split()
    for end in range(len(words) - 1, 0, -1):
        known = archive.organisations.get(fold(" ".join(words[:end])))
        if known is not None:
            return known[0]
    return None


def _known_people_in(text: str, archive: Archive):
    """(name, org, where, start, written) for each person the archive knows, named in `text`."""
    for match in _NAME.finditer(text):
        words = match.group(0).split()
        for first in range(len(words) - 1):  # 'Anschluss Frederik Ludwig' holds 'Frederik Ludwig'
            written = " ".join(words[first:])
            known = archive.people.get(fold(written))
            if known is not None:
                name, org, where = known
                yield name, org, where, match.start(), written
                break
