"""Where the archive's pages live: the folder names in one table, one row per language.

`language: de` gives `sitzungen/ themen/ personen/ organisationen/ seite/ suche/ daten/`,
`language: en` gives `sessions/ topics/ people/ organisations/ page/ search/ data/`; a
language without a row here takes the English names. Each name can be set in site.yaml:

    urls:
      sessions: protokolle

The names here are the only place these folders are spelled; pages of the archive (Impressum
and the like, at `<slug>/`) may not take any of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

from kaffee_site.i18n import DEFAULT_LANGUAGE

FOLDERS: Mapping[str, Mapping[str, str]] = {
    "de": {"sessions": "sitzungen", "topics": "themen", "people": "personen",
           "organisations": "organisationen", "page": "seite", "search": "suche", "data": "daten",
           "calendar": "termine.ics", "event": "termin.ics"},
    "en": {"sessions": "sessions", "topics": "topics", "people": "people",
           "organisations": "organisations", "page": "page", "search": "search", "data": "data",
           "calendar": "calendar.ics", "event": "event.ics"},
}
FALLBACK = "en"
# The same in every language: what the build writes besides the table's folders.
FIXED = ("media", "static", "pagefind", "404", "feed", "index", "admin")  # admin/: the editor (cms/)

# matched whole (fullmatch): '$' alone would let a name end in a newline ("sitzungen\n")
_FOLDER_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FILE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\.ics")


@dataclass(frozen=True)
class Urls:
    """The folder (and calendar file) names of one archive."""

    sessions: str
    topics: str
    people: str
    organisations: str
    page: str  # later pages of a long list: themen/x/seite/2/
    search: str
    data: str  # open data: daten/sessions.json, daten/sessions.csv
    calendar: str  # every date of the archive
    event: str  # one session's date, in its folder

    def reserved(self) -> frozenset[str]:
        """Names a page slug may not take: they would collide with the archive's own folders."""
        folders = (getattr(self, f.name) for f in fields(self) if f.name not in ("calendar", "event"))
        return frozenset({*folders, *FIXED})

    @property
    def json_file(self) -> str:
        return f"{self.data}/sessions.json"

    @property
    def csv_file(self) -> str:
        return f"{self.data}/sessions.csv"


KEYS = tuple(f.name for f in fields(Urls))


def urls_for(language: str) -> Urls:
    """The table's row for a language tag ('de-AT' uses 'de'); English names without a row."""
    row = FOLDERS.get(language.lower()) or FOLDERS.get(language.split("-")[0].lower()) or FOLDERS[FALLBACK]
    return Urls(**row)


def check_name(key: str, value: Any) -> str | None:
    """Why `value` cannot be the name for `key`, or None if it can."""
    if key not in KEYS:
        return f"'urls' has no key '{key}'"
    pattern = _FILE_NAME if key in ("calendar", "event") else _FOLDER_NAME
    if not isinstance(value, str) or not pattern.fullmatch(value):
        shape = "a file name like 'termine.ics'" if key in ("calendar", "event") else "a folder name like 'sitzungen'"
        return f"'urls.{key}' must be {shape} (lower-case letters a–z, digits and single hyphens)"
    if value in FIXED:
        return f"'urls.{key}' cannot be '{value}': the archive uses that name itself"
    return None


def with_names(urls: Urls, names: Mapping[str, str]) -> Urls:
    return replace(urls, **names)


DEFAULT_URLS = urls_for(DEFAULT_LANGUAGE)


# --- base_url: where the archive's own files (stylesheet, search script, pages) are loaded from ---
#
# Every page loads the archive's files from base_url's path, so that path must mean the same
# to every browser: '/\evil.example/' and 'https://example.org//evil.example/' are read as
# '//evil.example/…', another host. Checked whole, as plain as a hosting address is: http(s),
# a host name (or IP address) with an optional port, and path segments of letters, digits,
# '-', '.', '_', '~' and %-escapes of non-ASCII bytes (an 'ä' written %C3%A4).
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"|\[[0-9A-Fa-f:.]+\]")
_PORT = re.compile(r":[0-9]{1,5}")
_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[89A-Fa-f][0-9A-Fa-f])+")
_SCHEME = re.compile(r"(https?)://", re.IGNORECASE)


def base_url_problem(value: str) -> str | None:
    """Why `value` (stripped, non-empty) cannot be base_url, or None if it can."""
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return "must not hold spaces or control characters"
    if "\\" in value:
        return "must not hold a backslash: browsers read it as '/', so '/\\name/' is the host 'name'"
    scheme = _SCHEME.match(value)
    if scheme:
        authority, slash, path = value[scheme.end():].partition("/")
        host, colon, port = authority.rpartition(":") if ":" in authority.rpartition("]")[2] else (authority, "", "")
        if not _HOST.fullmatch(host) or len(host) > 253 or (colon and not _PORT.fullmatch(colon + port)):
            return f"has no plain host name after {scheme.group(0)!r} (letters, digits, '-' and '.', then :port)"
        path = slash + path
    elif value.startswith("/"):
        path = value
    elif ":" in value.split("/", 1)[0]:
        return "is not an http(s) URL or a path"
    else:
        return "must start with https:// or /"
    if "?" in path or "#" in path:
        return "must not have a query or fragment"
    if "//" in path:
        return "must not hold '//' in its path: a browser reads '//name/' as the host 'name'"
    segments = path.strip("/").split("/") if path.strip("/") else []
    for segment in segments:
        if segment in (".", "..") or not _SEGMENT.fullmatch(segment):
            return (f"has the folder {segment!r}: write folders with letters a–z, digits, '-', '.', '_' "
                    "and '~' (other letters %-escaped)")
    return None
