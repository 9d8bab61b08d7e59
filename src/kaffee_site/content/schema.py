"""The content format as data: one table per record kind, read by everything that knows the format.

How to read it: `KINDS` lists the front-matter tables (session, topic, page, person,
organisation), `SITE` is site.yaml's. A `Kind` names its folder and its `fields` in the order
an editor writes them; a `Field` is one key:

    Field("image", OBJECT, "a picture for the page and its preview", fields=(
        Field("src", IMAGE, "a file under media/", required=True), ...))

- `type` is what kind of value it holds, in the words a form editor's widgets use (`TYPES`);
  `format` narrows it where the parser checks more than the type ("YYYY-MM-DD", "slug").
- `required`: the parser reports the key missing; `fields`: the keys of an object, or of
  each entry of a list of objects; `default` (site.yaml only): the value when it is absent.
- `hint`: a few English words on what the key is for (forms, scaffolds, a CMS).

Who reads it: the parser (content/parse.py: which keys, which are required), the unknown-key
check (content/keys.py), the loader (content/load.py: which folder holds which kind),
`kaffee-site new` (commands/new.py: the scaffold's keys and their order), and a test
(tests/test_schema.py) that holds the README's key tables to it. The rules a value must follow
beyond its type (a date that exists, an image that is there) live in the parser.
"""

from __future__ import annotations

from dataclasses import dataclass, fields as dataclass_fields
from functools import cached_property
from types import MappingProxyType
from typing import Any, Mapping

from kaffee_site.appearance import KEYS as THEME_KEYS
from kaffee_site.cms_settings import DEFAULTS as CMS_DEFAULTS
from kaffee_site.config import DEFAULTS, LEGAL_KEYS
from kaffee_site.image_settings import ImageSettings
from kaffee_site.urls import Urls

STRING, TEXT, MARKDOWN = "string", "text", "markdown"  # one line; a few sentences; a Markdown body
DATE, TIME, NUMBER, BOOLEAN = "date", "time", "number", "boolean"
STRINGS, OBJECTS, OBJECT = "list of strings", "list of objects", "object"
IMAGE = "image"  # a file under media/
TYPES = (STRING, TEXT, DATE, TIME, NUMBER, STRINGS, OBJECTS, OBJECT, BOOLEAN, IMAGE, MARKDOWN)


@dataclass(frozen=True)
class Field:
    key: str
    type: str  # one of TYPES
    hint: str
    required: bool = False
    format: str | None = None  # what the parser checks beyond the type
    fields: tuple[Field, ...] = ()  # an object's keys, or those of each entry of a list of objects
    default: Any = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"{self.key}: unknown type {self.type!r}")
        if bool(self.fields) != (self.type in (OBJECT, OBJECTS)):
            raise ValueError(f"{self.key}: an object or a list of objects has fields, nothing else")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(field.key for field in self.fields)


@dataclass(frozen=True)
class Kind:
    name: str  # as SourceDoc.kind says it: 'session'
    folder: str  # in the content folder
    fields: tuple[Field, ...]
    body: str | None = None  # what the Markdown body below the front matter holds (type MARKDOWN)

    @cached_property  # asked for by every file parsed
    def keys(self) -> tuple[str, ...]:
        return tuple(field.key for field in self.fields)

    @cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(field.key for field in self.fields if field.required)

    @cached_property
    def nested(self) -> Mapping[str, tuple[str, ...]]:
        """The keys below each object or list of objects: {'image': ('src', 'alt'), ...}."""
        return MappingProxyType({field.key: field.keys for field in self.fields if field.fields})

    @cached_property
    def _required_paths(self) -> frozenset[tuple[str, ...]]:
        found = {(field.key,) for field in self.fields if field.required}
        return frozenset(found | {(field.key, inner.key) for field in self.fields for inner in field.fields
                                  if inner.required})

    def requires(self, path: tuple) -> bool:
        """Whether the key at a path of front-matter keys must be there: ('title',), ('image',
        'src'), ('speakers', 0, 'name') (a key of each entry of a list). Asked for every value
        parsed, so one set lookup."""
        return ((path[0], path[2]) if len(path) == 3 else path) in self._required_paths

    def field(self, path: tuple) -> Field:
        """The field of a path of front-matter keys, list indexes skipped: ('speakers', 0, 'name')."""
        found: Field | None = None
        for key in (part for part in path if not isinstance(part, int)):
            choices = found.fields if found else self.fields
            found = next((field for field in choices if field.key == key), None)
            if found is None:
                raise KeyError(f"{self.name} has no key {'.'.join(map(str, path))}")
        if found is None:
            raise KeyError(f"{self.name}: an empty path")
        return found


_SLUG = Field("slug", STRING, "the name in the page's address; default: made from the file name", format="slug")
_ALIASES = Field("aliases", STRINGS, "other names that mean the same")
_REDIRECT_FROM = Field("redirect_from", STRINGS, "old slugs whose addresses lead here", format="slug")
_IMAGE = Field("image", OBJECT, "a picture for the page and its preview", fields=(
    Field("src", IMAGE, "a file under media/", required=True, format="media/<file>"),
    Field("alt", STRING, "what the picture shows, for readers who cannot see it", required=True)))
_CLOCK = "HH:MM (German time)"

SESSION = Kind("session", "sessions", (
    Field("title", STRING, "the report's title", required=True),
    Field("date", DATE, "the day the session took place", required=True, format="YYYY-MM-DD"),
    Field("series", STRING, "the series it belongs to; default: site.yaml's series"),
    Field("number", NUMBER, "its number in the series", format="whole number from 1"),
    Field("topics", STRINGS, "topic names (a topic's title or alias)"),
    Field("speakers", OBJECTS, "who presented", fields=(
        Field("name", STRING, "first and last name", required=True),
        Field("org", STRING, "their organisation"))),
    Field("summary", TEXT, "one sentence for lists; default: the first paragraph"),
    _IMAGE,
    Field("next", OBJECT, "the next session, as announced", fields=(
        Field("date", DATE, "its day", required=True, format="YYYY-MM-DD"),
        Field("title", STRING, "its title"),
        Field("time", TIME, "when it starts", format=_CLOCK),
        Field("end", TIME, "when it ends; default: its time plus site.yaml's length, or none", format=_CLOCK))),
    Field("time", TIME, "when it started; default: site.yaml's event_start", format=_CLOCK),
    Field("end", TIME, "when it ended; default: site.yaml's event_end", format=_CLOCK),
    Field("draft", BOOLEAN, "true: left out of the build unless --drafts is given"),
    Field("example", BOOLEAN, "true: an invented report (a sample), marked so on its page"),
    _REDIRECT_FROM,
    _SLUG,
), body="the report")

TOPIC = Kind("topic", "topics", (
    Field("title", STRING, "the topic's name", required=True),
    _ALIASES,
    Field("forms", STRINGS, "inflected forms matched in reports, never shown"),
    Field("summary", TEXT, "one sentence on what the topic is about"),
    _REDIRECT_FROM,
    _SLUG,
), body="what the topic covers")

PAGE = Kind("page", "pages", (
    Field("title", STRING, "the page's title", required=True),
    Field("summary", TEXT, "the page description; default: the first paragraph"),
    _SLUG,
), body="the page")

# people and organisations: the same keys, but for a person's role
_NAMED = (
    Field("name", STRING, "the name as sessions write it", required=True),
    _ALIASES,
    Field("description", TEXT, "a sentence or two shown on top of the page"),
    Field("link", STRING, "a web address about them", format="http(s) address"),
)
PERSON = Kind("person", "people", (*_NAMED, Field("role", STRING, "e.g. their job, shown under the name"),
                                   _REDIRECT_FROM, _SLUG), body="more about the person")
ORGANISATION = Kind("organisation", "organisations", (*_NAMED, _REDIRECT_FROM, _SLUG),
                    body="more about the organisation")

KINDS = (SESSION, TOPIC, PAGE, PERSON, ORGANISATION)
BY_NAME: Mapping[str, Kind] = {kind.name: kind for kind in KINDS}


def _setting(key: str, type: str, hint: str, format: str | None = None) -> Field:
    return Field(key, type, hint, format=format, default=DEFAULTS[key])


def _theme_setting(key: str) -> Field:
    if key == "logo":
        return Field(key, IMAGE, "shown before the title", format="a file in media/")
    if key == "footer_links":
        return Field(key, OBJECTS, "links after the pages in the footer", fields=(
            Field("title", STRING, "the link's text", required=True),
            Field("url", STRING, "where it leads", required=True, format="https://…, mailto:… or /path/")))
    colour, _, scheme = key.partition("_")
    return Field(key, STRING, f"the {colour} colour" + (" in dark mode" if scheme else ""), format="#rgb or #rrggbb")


def _url_name(key: str) -> Field:
    if key in ("calendar", "event"):  # a file, not a folder
        return Field(key, STRING, f"the name of the {key} file", format="<slug>.ics")
    return Field(key, STRING, f"the folder of {key}", format="slug")


def _cms_setting(key: str, type: str, hint: str, format: str | None = None) -> Field:
    return Field(key, type, hint, format=format, default=CMS_DEFAULTS[key])


# `cms:`, the browser editor (cms_settings.py holds the defaults and checks the values)
_CMS = Field("cms", OBJECT, "the browser editor admin/ (Decap CMS)", fields=(
    _cms_setting("backend", STRING, "local (only with serve), github, gitlab or gitea",
                 format="local|github|gitlab|gitea"),
    _cms_setting("repository", STRING, "the repository on the Git host", format="owner/name"),
    _cms_setting("branch", STRING, "the branch the editor commits to"),
    _cms_setting("folder", STRING, "the content folder's path in the repository", format="path"),
    _cms_setting("server", STRING, "a self-hosted GitLab, Gitea or GitHub Enterprise", format="https://…"),
    _cms_setting("app_id", STRING, "the id of the OAuth application (GitLab, Gitea)"),
    _cms_setting("auth_url", STRING, "the OAuth client that signs editors in to GitHub", format="https://…"),
    _cms_setting("script", STRING, "where Decap CMS is loaded from", format="https://… or static/….js"),
    _cms_setting("integrity", STRING, "the script's subresource-integrity hash", format="sha384-…"),
))


# `images:`, the files made from pictures (image_settings.py reads and checks the values)
_IMAGE_DEFAULTS = ImageSettings()
_IMAGES = Field("images", OBJECT, "the sizes, formats and metadata of the files made from pictures", fields=(
    Field("widths", NUMBER, "the widths made of each picture", format="list of px widths",
          default=list(_IMAGE_DEFAULTS.widths)),
    Field("formats", STRINGS, "modern formats offered before the fallback", format="webp, avif",
          default=list(_IMAGE_DEFAULTS.formats)),
    Field("quality", NUMBER, "the encoders' quality", format="1-100, or {jpeg, webp, avif}",
          default=dict(_IMAGE_DEFAULTS.quality)),
    Field("keep", STRINGS, "metadata kept: nothing, or the author and copyright", format="[] or [copyright]",
          default=[]),
    Field("originals", BOOLEAN, "true: publish each picture's original too (stripped)", default=False),
    Field("max_megapixels", NUMBER, "a larger picture is left out", default=_IMAGE_DEFAULTS.max_pixels // 1_000_000),
))


# site.yaml: the defaults are config.py's; the parser is config.py (beneath this module)
SITE = Kind("site", "", (
    _setting("title", STRING, "the archive's name"),
    _setting("base_url", STRING, "where the archive is hosted", format="https://… or /path/"),
    _setting("language", STRING, "de or en: words, dates and folder names"),
    _setting("description", TEXT, "one sentence about the archive"),
    _setting("series", STRING, "the series of sessions that name none"),
    _setting("search", BOOLEAN, "false: no search index and no search page"),
    _setting("template_sandbox", BOOLEAN, "false: theme templates may run any Python"),
    _setting("page_size", NUMBER, "sessions per list page", format="whole number from 1"),
    _setting("feed_limit", NUMBER, "newest reports in the feed", format="whole number from 1"),
    _setting("event_start", TIME, "when sessions start, unless a session says", format=_CLOCK),
    _setting("event_end", TIME, "when sessions end, unless a session says", format=_CLOCK),
    _setting("organizer", STRING, "who runs the series; default: the title"),
    _setting("repository", STRING, "the repository's address: each report links 'edit this page'",
             format="https://…"),
    _setting("edit_url", STRING, "the edit link without the file's path; default: from repository",
             format="https://…"),
    Field("urls", OBJECT, "folder names, each settable",
          fields=tuple(map(_url_name, (field.name for field in dataclass_fields(Urls))))),
    Field("theme", OBJECT, "colours, a logo and footer links", fields=tuple(map(_theme_setting, THEME_KEYS))),
    Field(_IMAGE.key, OBJECT, "the preview image of pages without one", fields=_IMAGE.fields),
    _CMS,
    Field("legal_pages", OBJECT, "the pages every page must link; false: none (not in a German archive)",
          format="true, false or the slugs", default=DEFAULTS["legal_pages"], fields=tuple(
              Field(key, STRING, f"the slug of the {what}", format="slug") for key, what in zip(
                  LEGAL_KEYS, ("legal notice (Impressum)", "privacy policy", "accessibility statement")))),
    _IMAGES,
    _setting("extra_keys", STRINGS, "keys a theme adds, not reported as unknown"),
))
