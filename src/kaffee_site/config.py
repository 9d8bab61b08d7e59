"""Site settings from `site.yaml`: one dataclass, every default in one place."""

from __future__ import annotations

import functools
import re

from dataclasses import dataclass, field
from datetime import time
from types import MappingProxyType
from typing import Any, Mapping
from urllib.parse import urlsplit

from kaffee_site.appearance import Appearance, appearance_from
from kaffee_site.cms_settings import CmsSettings, cms_settings_from
from kaffee_site.errors import Diagnostics
from kaffee_site.image_settings import ImageSettings, image_settings_from
from kaffee_site.i18n import DEFAULT_LANGUAGE, available_languages, catalogue_language
from kaffee_site.text import closest
from kaffee_site.urls import DEFAULT_URLS, Urls, base_url_problem, check_name, urls_for, with_names

DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        "title": "Smarter Kaffee",
        "base_url": "/",
        "language": DEFAULT_LANGUAGE,
        "description": "",
        "series": "Smarter Kaffee",
        "search": True,
        # theme templates run in Jinja's sandbox; false: they are trusted like the tool's own code
        "template_sandbox": True,
        "page_size": 20,
        "feed_limit": 50,  # the site feed carries the full text of this many newest reports
        # When sessions take place (Europe/Berlin) unless a session says 'time:' / 'end:'.
        # None: not known, so calendars hold all-day events and pages show no time.
        "event_start": None,
        "event_end": None,
        "organizer": "",  # for calendars and structured data; empty: the site title
        # where the content's files are edited: each report links "edit this page" (link.py)
        "repository": "",  # https://github.com/<owner>/<repo> or a GitLab project's address
        "edit_url": "",  # the address a file's path in the content folder is appended to
        # keys a theme or archive adds (in site.yaml or front matter), so they are not reported
        "extra_keys": (),
        # the legal notice, privacy policy and accessibility statement every page must link:
        # true finds them by their usual names, {imprint: slug, ...} names them, false (not in a
        # German archive) does without (review/legal.py)
        "legal_pages": True,
    }
)

CONFIG_FILE = "site.yaml"


@dataclass(frozen=True)
class SiteImage:
    """`image:` of site.yaml: the preview image of pages without one (outputs/cards.py)."""

    src: str  # path inside media/
    alt: str
    source: str = ""  # site.yaml as displayed, and the line, for the check that the file exists
    line: int | None = None


@dataclass(frozen=True)
class SiteConfig:
    title: str = DEFAULTS["title"]
    base_url: str = DEFAULTS["base_url"]
    language: str = DEFAULTS["language"]
    description: str = DEFAULTS["description"]
    series: str = DEFAULTS["series"]
    search: bool = DEFAULTS["search"]
    template_sandbox: bool = DEFAULTS["template_sandbox"]
    page_size: int = DEFAULTS["page_size"]
    feed_limit: int = DEFAULTS["feed_limit"]
    event_start: time | None = DEFAULTS["event_start"]
    event_end: time | None = DEFAULTS["event_end"]
    organizer: str = DEFAULTS["organizer"]
    repository: str = DEFAULTS["repository"]
    edit_url: str = DEFAULTS["edit_url"]
    image: SiteImage | None = None
    extra_keys: tuple[str, ...] = DEFAULTS["extra_keys"]
    legal_pages: bool | Mapping[str, str] = DEFAULTS["legal_pages"]
    theme: Appearance = Appearance()  # colours, logo, footer links (appearance.py)
    images: ImageSettings = ImageSettings()  # sizes, formats, metadata of pictures (image_settings.py)
    urls: Urls = DEFAULT_URLS  # folder names: from the language, each settable (urls.py)
    cms: CmsSettings | None = None  # the browser editor (admin/), when site.yaml has `cms:`
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @functools.cached_property  # asked for by every link of every page: urlsplit once per config
    def base_path(self) -> str:
        """The path the archive is hosted under, always with slashes at both ends: '/kaffee/'."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def origin(self) -> str:
        """'https://example.org' for absolute URLs, '' when base_url is only a path."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    def url(self, path: str = "") -> str:
        """Root-relative URL of an output path ('themen/x/' -> '/kaffee/themen/x/')."""
        return self.base_path + path.lstrip("/")

    def absolute_url(self, path: str = "") -> str:
        return self.origin + self.url(path)


_STRING_KEYS = ("title", "language", "description", "series", "organizer")


# A well-formed BCP 47 language tag (RFC 5646 section 2.1, without the grandfathered and
# private-use-only forms, which no catalogue has): the tag reaches HTML's lang, Atom's xml:lang,
# the calendar's PRODID, JSON-LD and Pagefind, so it is checked whole, never only its first part.
_LANGUAGE_TAG = re.compile(r"""
    (?:[a-z]{2,3}(?:-[a-z]{3}){0,3} | [a-z]{4,8})   # language, extended language subtags
    (?:-[a-z]{4})?                                  # script
    (?:-(?:[a-z]{2}|[0-9]{3}))?                     # region
    (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*        # variants
    (?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*            # extensions
    (?:-x(?:-[a-z0-9]{1,8})+)?                      # private use
    """, re.VERBOSE | re.IGNORECASE | re.ASCII)
# Pagefind (1.5) panics on a page whose lang is longer; RFC 5646 asks for at least 35 to be kept
LANGUAGE_TAG_MAX = 31


def language_tag_problem(tag: str) -> str | None:
    """Why `tag` is not a language tag the archive can use, or None."""
    if not _LANGUAGE_TAG.fullmatch(tag):
        return "is not a language tag"
    if len(tag) > LANGUAGE_TAG_MAX:
        return f"is longer than {LANGUAGE_TAG_MAX} characters, more than the search index can take"
    return None


def parse_clock(value: Any) -> time | None:
    """'10:00' or '9:30' -> time; None if not a time of day.

    YAML 1.1 reads an unquoted 10:00 as the base-60 number 600, so numbers count as minutes.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return time(value // 60, value % 60) if 0 <= value < 24 * 60 else None
    if not isinstance(value, str):
        return None
    hours, sep, minutes = value.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        return None
    if int(hours) > 23 or int(minutes) > 59:
        return None
    return time(int(hours), int(minutes))


def config_from_mapping(
    data: Mapping[str, Any], lines: Mapping[tuple, int], path: str, diag: Diagnostics
) -> SiteConfig:
    """Validate the keys of site.yaml; unknown keys are kept in `extra` for themes."""
    values: dict[str, Any] = {}
    for key in _STRING_KEYS:
        if key in data:
            value = data[key]
            if isinstance(value, str) and value.strip():
                values[key] = value.strip()
            else:
                diag.error(path, lines.get((key,)), f"'{key}' must be a non-empty text")
    if "language" in values and language_tag_problem(values["language"]):
        diag.error(path, lines.get(("language",)),
                   f"'language' {values['language']!r} {language_tag_problem(values.pop('language'))}",
                   "write a language tag like de, en or de-AT (BCP 47)")
    if "language" in values and catalogue_language(values["language"]) is None:
        diag.error(path, lines.get(("language",)),
                   f"there is no catalogue for the language {values.pop('language')!r}",
                   f"the languages are {', '.join(available_languages())}; a language tag like de-AT "
                   "uses the catalogue of its first part")
    if "base_url" in data:
        values["base_url"] = _check_base_url(data["base_url"], lines.get(("base_url",)), path, diag)
    for key in ("search", "template_sandbox"):
        if key in data:
            if isinstance(data[key], bool):
                values[key] = data[key]
            else:
                diag.error(path, lines.get((key,)), f"'{key}' must be true or false")
    for key in ("page_size", "feed_limit"):
        if key in data:
            size = data[key]
            if isinstance(size, int) and not isinstance(size, bool) and size >= 1:
                values[key] = size
            else:
                diag.error(path, lines.get((key,)), f"'{key}' must be a whole number of at least 1")
    for key in ("event_start", "event_end"):
        if key in data:
            clock = parse_clock(data[key])
            if clock is None:
                diag.error(path, lines.get((key,)), f"'{key}' must be a time of day like 10:00",
                           "write it as HH:MM in German time, e.g. 'event_start: \"10:00\"'")
            else:
                values[key] = clock
    if "event_end" in values and "event_start" not in values:
        diag.error(path, lines.get(("event_end",)), "'event_end' needs an 'event_start'",
                   "add 'event_start: \"10:00\"' (when sessions begin), or remove 'event_end'")
        values.pop("event_end")
    elif "event_end" in values and values["event_end"] <= values["event_start"]:
        diag.error(path, lines.get(("event_end",)) or lines.get(("event_start",)),
                   "'event_end' must be after 'event_start'")
        values.pop("event_end", None)
        values.pop("event_start", None)
    for key in ("repository", "edit_url"):
        if key in data:
            values[key] = _web_address(data[key], key, lines.get((key,)), path, diag)
    if "extra_keys" in data:
        values["extra_keys"] = _extra_keys(data["extra_keys"], lines.get(("extra_keys",)), path, diag)
    values["urls"] = _check_urls(data.get("urls"), values.get("language", DEFAULTS["language"]), lines, path, diag)
    values["theme"] = appearance_from(data.get("theme"), lines, path, diag)
    if "image" in data:
        image = _site_image(data["image"], lines, path, diag)
        if image is not None:
            values["image"] = image
    if "cms" in data:
        values["cms"] = cms_settings_from(data["cms"], lines, path, diag)
    if "legal_pages" in data:
        values["legal_pages"] = _legal_pages(data["legal_pages"], values.get("language", DEFAULTS["language"]),
                                             lines, path, diag)
    values["images"] = image_settings_from(data.get("images"), lines, path, diag)
    known = set(DEFAULTS) | {"urls", "theme", "image", "images", "cms"}
    extra = {k: v for k, v in data.items() if k not in known}
    _warn_unknown_keys(extra, values.get("extra_keys", ()), lines, path, diag)
    return SiteConfig(**values, extra=MappingProxyType(extra))


LEGAL_KEYS = ("imprint", "privacy", "accessibility")  # Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit


def _legal_pages(value: Any, language: str, lines: Mapping[tuple, int], path: str,
                 diag: Diagnostics) -> bool | Mapping[str, str]:
    line = lines.get(("legal_pages",))
    if value is True:
        return True
    if value is False:
        if language.lower().split("-")[0] == "de":
            diag.error(path, line, "a German archive cannot do without its legal pages ('legal_pages: false')",
                       "German law wants the Impressum (§ 5 DDG), the Datenschutzerklärung (DSGVO) and the Erklärung "
                       "zur Barrierefreiheit (BITV 2.0) linked from every page; remove the line")
            return True
        return False
    hint = "write e.g. 'legal_pages: {imprint: impressum, privacy: datenschutz, accessibility: barrierefreiheit}'"
    if not isinstance(value, Mapping):
        diag.error(path, line, "'legal_pages' must be true, false or the slugs of the pages", hint)
        return True
    named: dict[str, str] = {}
    for key, slug in value.items():
        where = lines.get(("legal_pages", key), line)
        if key not in LEGAL_KEYS:
            diag.error(path, where, f"'legal_pages' has no key '{key}'", f"the keys are {', '.join(LEGAL_KEYS)}")
        elif not isinstance(slug, str) or not slug.strip():
            diag.error(path, where, f"'legal_pages.{key}' must be the slug of a page", hint)
        else:
            named[key] = slug.strip()
    return MappingProxyType(named)


def _extra_keys(value: Any, line: int | None, path: str, diag: Diagnostics) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(k, str) and k.strip() for k in value):
        return tuple(k.strip() for k in value)
    diag.error(path, line, "'extra_keys' must be a list of key names",
               "write e.g. 'extra_keys: [livestream, protokoll]'")
    return ()


def _warn_unknown_keys(extra: Mapping[str, Any], declared: tuple[str, ...], lines: Mapping[tuple, int],
                       path: str, diag: Diagnostics) -> None:
    """A misspelt setting ('serach: false') would silently keep its default."""
    for key in extra:
        if key in declared:
            continue
        near = closest(str(key), DEFAULTS)
        diag.warning(path, lines.get((key,)), f"unknown key '{key}' in site.yaml",
                     f"did you mean '{near}'?" if near else
                     f"if your theme uses it, list it under 'extra_keys': extra_keys: [{key}]")


def _check_urls(value: Any, language: str, lines: Mapping[tuple, int], path: str, diag: Diagnostics) -> Urls:
    """The language's folder names, with those site.yaml's `urls:` sets; two folders never share a name."""
    urls = urls_for(language)
    if value is None:
        return urls
    if not isinstance(value, Mapping):
        diag.error(path, lines.get(("urls",)), "'urls' must be a mapping of folder names",
                   "write e.g. 'urls:' and below it '  sessions: "
                   f"{'protokolle' if language.lower().startswith('de') else 'minutes'}'")
        return urls
    names: dict[str, str] = {}
    for key, name in value.items():
        problem = check_name(str(key), name)
        if problem:
            diag.error(path, lines.get(("urls", key)) or lines.get(("urls",)), problem,
                       f"the keys are {', '.join(vars(urls))}")
        else:
            names[str(key)] = name
    chosen = with_names(urls, names)
    taken: dict[str, str] = {}
    for key, name in vars(chosen).items():
        if name in taken:
            diag.error(path, lines.get(("urls", key)) or lines.get(("urls", taken[name])) or lines.get(("urls",)),
                       f"'urls.{key}' and 'urls.{taken[name]}' are both '{name}'", "give each folder its own name")
            return urls
        taken[name] = key
    return chosen


def _web_address(value: Any, key: str, line: int | None, path: str, diag: Diagnostics) -> str:
    example = {"repository": "https://github.com/land/archiv",
               "edit_url": "https://github.com/land/archiv/edit/main/content/"}[key]
    parts = urlsplit(value.strip()) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        diag.error(path, line, f"'{key}' must be a web address", f"write it like {example}")
        return ""
    return value.strip()


def _check_base_url(value: Any, line: int | None, path: str, diag: Diagnostics) -> str:
    hint = "write it like https://example.org/kaffee/ or /kaffee/"
    if not isinstance(value, str) or not value.strip():
        diag.error(path, line, "'base_url' must be a URL", hint)
        return DEFAULTS["base_url"]
    value = value.strip()
    problem = base_url_problem(value)
    if problem:
        diag.error(path, line, f"'base_url' {value!r} {problem}", hint)
        return DEFAULTS["base_url"]
    return value if value.endswith("/") else value + "/"


def _site_image(value: Any, lines: Mapping[tuple, int], path: str, diag: Diagnostics) -> SiteImage | None:
    line = lines.get(("image",))
    hint = "write '  src: media/vorschau.png' and '  alt: what the picture shows' below 'image:'"
    if not isinstance(value, dict) or not isinstance(value.get("src"), str) or not value["src"].strip():
        diag.error(path, line, "'image' must have 'src' and 'alt'", hint)
        return None
    src = value["src"].strip()
    inside = src.removeprefix("/").removeprefix("media/")
    if not src.lstrip("/").startswith("media/") or any(p in ("", ".", "..") for p in inside.split("/")):
        diag.error(path, lines.get(("image", "src"), line), f"the image '{src}' must be a file under media/", hint)
        return None
    alt = value.get("alt")
    if not isinstance(alt, str) or not alt.strip():
        diag.error(path, line, "the image has no alt text",
                   "add '  alt: …' describing what the picture shows, for readers who cannot see it")
        return None
    return SiteImage(inside, alt.strip(), path, lines.get(("image", "src"), line))
