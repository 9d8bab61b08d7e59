"""The words of the archive, one gettext catalogue per language: `locales/<language>.po`.

Every word a reader sees (templates, feeds, calendars, the search page, the serve overlay)
and the date format come from the catalogue of the site's `language`, never from the OS
locale. Message ids are the English text; placeholders are Python's `%(name)s`, as Jinja's
i18n extension writes them. Adding a language is adding one `.po` file here (a translator's
usual format: Poedit, Weblate and msgfmt read it); `tests/test_i18n.py` fails on any string
a catalogue lacks.

The reader below understands what such tools write: comments, `msgctxt`, `msgid_plural`,
`msgstr[n]`, strings continued over several lines, and the `Plural-Forms` header. Entries
marked fuzzy are not used (a translator has not confirmed them).
"""

from __future__ import annotations

import gettext as _stdlib_gettext
import hashlib
import re
from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping

from kaffee_site.errors import ContentError

LOCALES = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "de"

# The names a catalogue translates under the contexts "month" and "weekday" (Monday first).
MONTHS = ("January", "February", "March", "April", "May", "June",
          "July", "August", "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CatalogueProblem(ContentError):
    """A catalogue file cannot be read or is missing; the message names file and line."""


Key = tuple[str | None, str]  # (msgctxt, msgid)


@dataclass(frozen=True)
class Catalogue:
    """The translations of one language; gettext's functions, dates and times on top."""

    language: str
    messages: Mapping[Key, tuple[str, ...]]  # one form, or one per plural form
    plural: Callable[[int], int]
    digest: str  # of the file's bytes: a changed catalogue renders every page anew

    def gettext(self, message: str) -> str:
        return self._lookup((None, message), message, message, 1)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._lookup((None, singular), singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._lookup((context, message), message, message, 1)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self._lookup((context, singular), singular, plural, n)

    def _lookup(self, key: Key, singular: str, plural: str, n: int) -> str:
        forms = self.messages.get(key)
        if not forms:  # gettext's rule: an untranslated string shows its message id
            return singular if n == 1 else plural
        index = self.plural(n) if len(forms) > 1 else 0
        return forms[index] if 0 <= index < len(forms) and forms[index] else forms[0]

    # --- dates: "5. September 2024" / "5 September 2024" -------------------------------

    def date(self, day: date) -> str:
        return self.pgettext("date", "%(day)s %(month)s %(year)s") % {
            "day": day.day, "month": self.month(day.month), "year": day.year}

    def month(self, month: int) -> str:
        return self.pgettext("month", MONTHS[month - 1])

    def weekday(self, day: date) -> str:
        return self.pgettext("weekday", WEEKDAYS[day.weekday()])

    def time_range(self, start: time, end: time | None = None) -> str:
        """'10:00–11:00 Uhr' / '10:00–11:00' (24-hour clock in both); '10:00 Uhr' without an end."""
        if end is None:
            return self.pgettext("time", "%(start)s") % {"start": start.strftime("%H:%M")}
        return self.pgettext("time", "%(start)s–%(end)s") % {
            "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


def available_languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in LOCALES.glob("*.po")))


def catalogue_language(language: str) -> str | None:
    """The catalogue a language tag uses: 'en' -> 'en', 'de-AT' -> 'de'; None if there is none."""
    languages = available_languages()
    for candidate in (language, language.split("-")[0].split("_")[0]):
        if candidate.lower() in languages:
            return candidate.lower()
    return None


@lru_cache(maxsize=None)
def catalogue(language: str = DEFAULT_LANGUAGE) -> Catalogue:
    """The catalogue of a language tag (see catalogue_language); read once per process."""
    found = catalogue_language(language)
    if found is None:
        raise CatalogueProblem(f"{LOCALES}/{language}.po", None, f"no catalogue for the language '{language}'",
                               f"the languages are {', '.join(available_languages())}")
    return read_catalogue(LOCALES / f"{found}.po", found)


def read_catalogue(path: Path, language: str) -> Catalogue:
    data = path.read_bytes()
    entries = parse_po(data.decode("utf-8"), str(path))
    header = dict(_header_fields(entries.pop((None, ""), ("",))[0]))
    return Catalogue(language, entries, _plural_rule(header.get("plural-forms", ""), str(path)),
                     hashlib.blake2b(data, digest_size=16).hexdigest())


# --- the .po reader -------------------------------------------------------------------------

_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')
_CONTINUED = re.compile(r'^(".*")\s*$')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def parse_po(text: str, name: str = "<catalogue>") -> dict[Key, tuple[str, ...]]:
    """(msgctxt, msgid) -> msgstr forms of every entry not marked fuzzy."""
    entries: dict[Key, tuple[str, ...]] = {}
    entry: dict[str, str] = {}
    fuzzy = False
    field = None
    start = 0

    def finish() -> None:
        nonlocal entry, fuzzy, field
        if "msgid" in entry and not fuzzy:
            forms = [entry[k] for k in sorted((k for k in entry if k.startswith("msgstr")), key=_form_index)]
            key = (entry.get("msgctxt"), entry["msgid"])
            if key in entries:
                raise CatalogueProblem(name, start, f"the message {entry['msgid']!r} is there twice")
            entries[key] = tuple(forms)
        entry, fuzzy, field = {}, False, None

    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            if field is not None and not line.startswith("#~"):
                finish()
            fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            kind = keyword[1]
            if kind in ("msgctxt", "msgid") and (field or "").startswith("msgstr"):
                finish()
            if not entry:
                start = number
            field = "msgstr[0]" if kind == "msgstr" else kind
            entry[field] = _unquote(keyword[3], name, number)
        elif _CONTINUED.match(line) and field is not None:
            entry[field] += _unquote(line, name, number)
        else:
            raise CatalogueProblem(name, number, "cannot read this line of the catalogue",
                                   'entries look like msgid "…" followed by msgstr "…"')
    finish()
    return entries


def _form_index(key: str) -> int:
    return int(key[7:-1]) if "[" in key else 0


def _unquote(quoted: str, name: str, number: int) -> str:
    body = quoted[1:-1]
    out = []
    chars = iter(range(len(body)))
    for i in chars:
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            escaped = _ESCAPES.get(body[i + 1])
            if escaped is None:
                raise CatalogueProblem(name, number, f"unknown escape \\{body[i + 1]}")
            out.append(escaped)
            next(chars, None)
        elif ch == '"':
            raise CatalogueProblem(name, number, 'a quote inside a string must be written \\"')
        else:
            out.append(ch)
    return "".join(out)


def _header_fields(header: str) -> list[tuple[str, str]]:
    fields = []
    for line in header.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.append((key.strip().lower(), value.strip()))
    return fields


def _plural_rule(plural_forms: str, name: str) -> Callable[[int], int]:
    """The Plural-Forms header's C expression (e.g. 'nplurals=2; plural=(n != 1);') as a function."""
    match = re.search(r"plural\s*=\s*([^;]+)", plural_forms)
    if not match:
        return lambda n: 0 if n == 1 else 1
    try:
        return _stdlib_gettext.c2py(match[1].strip())  # the stdlib's own checked translator of it
    except (ValueError, SyntaxError):
        raise CatalogueProblem(name, 1, f"the Plural-Forms formula {match[1].strip()!r} cannot be read") from None
