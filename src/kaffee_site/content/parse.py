"""Stage 2, parse: check each file's front matter and turn it into a typed record.

Every rule of the content format lives here, each violation reported with the line of
the offending key. Bodies are not rendered yet: that needs the whole site (stage 3).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from kaffee_site.config import SiteConfig, parse_clock
from kaffee_site.errors import Diagnostics
from kaffee_site.i18n import DEFAULT_LANGUAGE, catalogue
from kaffee_site.content.load import SourceDoc
from kaffee_site.content.schema import ORGANISATION, PAGE, PERSON, SESSION, TOPIC, Kind
from kaffee_site.model import Announcement, Image, Organisation, Page, Person, Session, Speaker, Topic
from kaffee_site.text import NAME_MAX, closest, fits_file_name, impossible_day, is_slug, key_path, slugify
from kaffee_site.urls import DEFAULT_URLS


# Output folders of the archive itself (of the default language; see urls.py): a page may not take their names.
RESERVED_SLUGS = DEFAULT_URLS.reserved()


class _Fields:
    """Reads typed values out of one document's front matter, reporting problems with lines."""

    def __init__(self, doc: SourceDoc, diag: Diagnostics, kind: Kind, language: str = DEFAULT_LANGUAGE):
        self.doc = doc
        self.language = language  # of the archive: the content words of the hints' examples
        self.diag = diag
        self.kind = kind  # its schema: which keys are required, and which are known, so a misspelt one can be named
        self.ok = True

    def missing(self, path: tuple, hint: str) -> None:
        """A required key is absent; if a top-level key looks like a typo of it, point there."""
        misspelt = misspelt_key(self.doc.meta, path[-1], self.kind.keys) if len(path) == 1 else None
        if misspelt is None:
            self.error(path, f"'{key_path(path)}' is missing", hint)
            return
        self.ok = False
        self.diag.error(self.doc.display, self.doc.line_of(misspelt), f"'{path[0]}' is missing",
                        f"did you mean '{path[0]}'? The front matter has '{misspelt}'")

    def error(self, key: tuple, message: str, hint: str | None = None) -> None:
        self.ok = False
        self.diag.error(self.doc.display, self.doc.line_of(*key), message, hint)

    def text(self, key: str, required: bool | None = None, value: Any = None, path: tuple = ()) -> str | None:
        """The text of a key; `required` None: as the schema says."""
        path = path or (key,)
        required = self.kind.requires(path) if required is None else required
        value = self.doc.meta.get(key) if value is None and len(path) == 1 else value
        if value is None:
            if required:
                self.missing(path, f"add a line '{path[-1]}: …' to the front matter")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(path, f"'{key_path(path)}' must be text, not {_kind(value)}",
                       "write it as plain text on the same line")
            return None
        text = str(value).strip()
        if required and not text:
            self.error(path, f"'{key_path(path)}' is empty")
            return None
        return text or None

    def day(self, value: Any, path: tuple) -> date | None:
        name = key_path(path)
        required = self.kind.requires(path)
        if value is None:
            if required:
                self.missing(path, f"add a line '{path[-1]}: YYYY-MM-DD'")
            return None
        if not isinstance(value, str):
            self.error(path, f"'{name}' must be a date like 2024-09-05, not {_kind(value)}")
            return None
        try:
            if len(value) != 10:
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            reason = impossible_day(value)
            self.error(path, f"'{name}' is not a valid date: '{value}'",
                       f"{reason}: check the day" if reason else
                       "write the date as YYYY-MM-DD, e.g. 2024-09-05, and check the day exists")
            return None

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self.doc.meta.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            entries = [entry.strip() for entry in value.split(",") if entry.strip()] or [value]
            self.error((key,), f"'{key}' must be a list", "write each entry on its own line below "
                       f"'{key}:', " + " and ".join(f"'  - {entry}'" for entry in entries))
            return ()
        if not isinstance(value, list):
            self.error((key,), f"'{key}' must be a list, not {_kind(value)}")
            return ()
        items = []
        for index, item in enumerate(value):
            text = self.text(key, value=item, path=(key, index), required=True) if item is not None else None
            if item is None:
                self.error((key, index), f"'{key}' has an empty entry")
            if text:
                items.append(text)
        return tuple(items)

    def slug(self, default: str) -> str | None:
        value = self.doc.meta.get("slug")
        if value is None:
            slug = slugify(default)
            if not slug:
                self.error((), f"cannot make a slug from the file name '{default}'",
                           "rename the file or set 'slug:' in the front matter")
                return None
            return slug if self.fits((), slug) else None
        if not isinstance(value, str) or not is_slug(value):
            self.error(("slug",), f"the slug {value!r} is not allowed",
                       "use lower-case letters a–z, digits and single hyphens, e.g. "
                       f"'{slugify(str(value)) or slugify(self.doc.stem) or '…'}'")
            return None
        return value if self.fits(("slug",), value) else None

    def fits(self, key: tuple, slug: str, name: str | None = None) -> bool:
        """A slug is a folder name of the output: the file system must be able to hold it."""
        if fits_file_name(slug):
            return True
        shown = name or slug
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        self.error(key, f"'{shown}' is too long for an address: its slug has {len(slug.encode())} bytes, "
                        f"a file name at most {NAME_MAX}", "shorten it")
        return False

    def extra(self) -> MappingProxyType:
        """The keys the format does not know, kept for themes."""
        known = self.kind.keys
        return MappingProxyType({k: v for k, v in self.doc.meta.items() if k not in known})


def misspelt_key(meta: Any, key: str, known: tuple[str, ...]) -> str | None:
    """A key of `meta` that is not a known key and is one or two typos away from `key`."""
    unknown = [k for k in meta if isinstance(k, str) and k not in known]
    return closest(key, unknown) if key not in meta else None


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false", int: "a number",
            float: "a number", str: "text"}.get(type(value), type(value).__name__)


def parse_session(doc: SourceDoc, config: SiteConfig, diag: Diagnostics,
                  salvage: bool = False) -> Session | None:
    """The session of a file, or None when its front matter has errors.

    With `salvage`, the session is returned anyway, its broken fields left empty, so the link
    stage can still check the body, links, images and topics of a file with a bad field."""
    fields = _Fields(doc, diag, SESSION, config.language)
    meta = doc.meta
    title = fields.text("title")
    day = fields.day(meta.get("date"), ("date",))
    series = fields.text("series") or config.series
    number = _number(fields, meta.get("number"))
    draft = _switch(fields, "draft", "write 'draft: true' to hold the session back, or remove the line")
    example = _switch(fields, "example", "write 'example: true' for an invented sample report, or remove the line")
    session = Session(
        slug=fields.slug(doc.stem) or "", title=title or "", date=day or date.min,
        series=series, number=number, topic_names=_topic_names(fields),
        speakers=_speakers(fields, meta.get("speakers")), summary=fields.text("summary"),
        image=_image(fields, meta.get("image")), next=None, draft=draft,
        extra=fields.extra(), source=doc.display, rel=doc.rel, folder=config.urls.sessions,
        redirect_from=_redirect_from(fields),
    )
    start, end = _clocks(fields, meta.get("time"), meta.get("end"))
    announcement = _announcement(fields, meta.get("next"), session)
    if not fields.ok and not salvage:
        return None
    return replace(session, next=announcement, time=start, end=end, example=example)


def _switch(fields: _Fields, key: str, hint: str) -> bool:
    value = fields.doc.meta.get(key, False)
    if not isinstance(value, bool):
        fields.error((key,), f"'{key}' must be true or false", hint)
        return False
    return value


_CLOCK_HINT = 'write the German time as HH:MM, e.g. time: "14:00"'


def _clock(fields: _Fields, value: Any, path: tuple) -> time | None:
    if value is None:
        return None
    clock = parse_clock(value)
    if clock is None:
        name = key_path(path)
        fields.error(path, f"'{name}' must be a time of day like 10:00, not '{_as_written(value)}'", _CLOCK_HINT)
    return clock


def _clocks(fields: _Fields, start_value: Any, end_value: Any) -> tuple[time | None, time | None]:
    start, end = _clock(fields, start_value, ("time",)), _clock(fields, end_value, ("end",))
    if start and end and end <= start:
        fields.error(("end",), f"'end' ({end:%H:%M}) must be after 'time' ({start:%H:%M})")
    return start, end


def _as_written(value: Any) -> str:
    """YAML reads an unquoted 25:00 as the base-60 number 1500: show it as the editor wrote it."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return f"{value // 60}:{value % 60:02d}"
    return str(value)


def _number(fields: _Fields, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        fields.error(("number",), f"'number' must be a whole number from 1 up, not {value!r}",
                     "write e.g. 'number: 4'")
        return None
    return value


def _speakers(fields: _Fields, value: Any) -> tuple[Speaker, ...]:
    if value is None:
        return ()
    words = catalogue(fields.language)  # the placeholder `new` writes (skeleton.py), in the archive's words
    name, org = words.pgettext("scaffold", "First Last"), words.pgettext("scaffold", "Organisation")
    hint = f"write each speaker as '  - name: {name}' with '    org: {org}' below"
    if not isinstance(value, list):
        fields.error(("speakers",), f"'speakers' must be a list, not {_kind(value)}", hint)
        return ()
    speakers = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            fields.error(("speakers", index), f"speaker {index + 1} must have 'name' and 'org'", hint)
            continue
        name = fields.text("name", value=item.get("name"), path=("speakers", index, "name"))
        org = fields.text("org", value=item.get("org"), path=("speakers", index, "org"))
        if name and _has_slug(fields, ("speakers", index, "name"), name) \
                and (org is None or _has_slug(fields, ("speakers", index, "org"), org)):
            speakers.append(Speaker(name, org, slugify(name), slugify(org) if org else None))
    return tuple(speakers)


def _topic_names(fields: _Fields) -> tuple[str, ...]:
    names = fields.text_list("topics")
    raw = fields.doc.meta.get("topics")
    # text_list drops broken entries: find each name's own entry again, for its line
    index = {str(item).strip(): i for i, item in reversed(list(enumerate(raw)))} if isinstance(raw, list) else {}
    return tuple(name for name in names if _has_slug(fields, ("topics", index.get(name, 0)), name))


def _has_slug(fields: _Fields, path: tuple, name: str) -> bool:
    """A name that gets a page of its own needs letters or digits to make its URL from."""
    slug = slugify(name)
    if slug:
        return fields.fits(path, slug, name)
    fields.error(path, f"the name '{name}' has no letters or digits", "it gets a page, whose address is made from them")
    return False


def _image(fields: _Fields, value: Any) -> Image | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        fields.error(("image",), f"'image' must have 'src' and 'alt', not {_kind(value)}",
                     f"write '  src: {_example_image(fields)}' and '  alt: {_words(fields, 'Description')}' "
                     "below 'image:'")
        return None
    src = fields.text("src", value=value.get("src"), path=("image", "src"))
    alt = fields.text("alt", required=False, value=value.get("alt"), path=("image", "alt"))
    if not alt:  # required, but with a message of its own; and the source is still checked: its file may be missing too
        fields.error(("image",), "the image has no alt text",
                     "add '  alt: …' describing what the picture shows, for readers who cannot see it")
    if src is None:
        return None
    media_path = src.removeprefix("/").removeprefix("media/")
    parts = media_path.split("/")
    if not src.lstrip("/").startswith("media/") or any(p in ("", ".", "..") for p in parts):
        fields.error(("image", "src"), f"the image '{src}' must be a file under media/",
                     f"write it as '{_example_image(fields)}' and put the file into content/media/")
        return None
    if not all(fits_file_name(part) for part in parts):
        fields.error(("image", "src"), f"the image name is longer than a file name can be ({NAME_MAX} bytes)",
                     "shorten the file name and the 'src:' that names it")
        return None
    return Image(media_path, alt or "")  # without alt only a salvaged session keeps it


def _words(fields: _Fields, example: str) -> str:
    return catalogue(fields.language).pgettext("example", example)


def _example_image(fields: _Fields) -> str:
    """'media/bild.png' in a German archive, 'media/picture.png' in an English one."""
    return f"media/{_words(fields, 'picture')}.png"


def _announcement(fields: _Fields, value: Any, session: Session) -> Announcement | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        fields.error(("next",), f"'next' must have 'date' and 'title', not {_kind(value)}",
                     "write '  date: YYYY-MM-DD' and '  title: …' below 'next:'")
        return None
    day = fields.day(value.get("date"), ("next", "date"))
    title = fields.text("title", value=value.get("title"), path=("next", "title"))
    start = _clock(fields, value.get("time"), ("next", "time"))
    end = _clock(fields, value.get("end"), ("next", "end"))
    if end is not None and start is None:
        fields.error(("next", "end"), "'next.end' needs a 'next.time'", "add '  time: \"10:00\"' (when it begins) below 'next:'")
    elif start and end and end <= start:
        fields.error(("next", "end"), f"'next.end' ({end:%H:%M}) must be after 'next.time' ({start:%H:%M})")
    if day is None:
        return None
    return Announcement(day, title, session.series, session.slug, time=start, end=end)


def parse_topic(doc: SourceDoc, diag: Diagnostics) -> Topic | None:
    fields = _Fields(doc, diag, TOPIC)
    title = fields.text("title")
    aliases = fields.text_list("aliases")
    redirects = _redirect_from(fields)
    topic = Topic(slug=fields.slug(doc.stem) or "", title=title or "", aliases=aliases,
                  forms=fields.text_list("forms"),
                  summary=fields.text("summary"), has_file=True, redirect_from=redirects,
                  extra=fields.extra(), source=doc.display, rel=doc.rel)
    return topic if fields.ok else None


def _redirect_from(fields: _Fields) -> tuple[str, ...]:
    """`redirect_from`: old slugs (of a renamed file, or an old `slug:`) whose addresses lead here."""
    redirects = fields.text_list("redirect_from")
    raw = fields.doc.meta.get("redirect_from")
    # the entries as written: text_list strips them, and "alt\n" must not pass as 'alt'
    for index, old in enumerate(raw if isinstance(raw, list) else ()):
        if isinstance(old, str) and not is_slug(old):
            fields.error(("redirect_from", index), f"the old slug {old!r} is not allowed",
                         "list old slugs, the last part of an old address: lower-case letters a–z, digits and "
                         "single hyphens" + (f", like '{slugify(old)}'" if slugify(old) else ""))
        elif isinstance(old, str):
            fields.fits(("redirect_from", index), old)
    return redirects


def parse_page(doc: SourceDoc, diag: Diagnostics, reserved: frozenset[str] = RESERVED_SLUGS) -> Page | None:
    fields = _Fields(doc, diag, PAGE)
    title = fields.text("title")
    slug = fields.slug(doc.stem)
    if slug in reserved:
        fields.error(("slug",) if "slug" in doc.meta else (), f"the page slug '{slug}' is taken by the archive",
                     f"choose another file name or 'slug:'; reserved are {', '.join(sorted(reserved))}")
    page = Page(slug=slug or "", title=title or "", summary=fields.text("summary"),
                extra=fields.extra(), source=doc.display, rel=doc.rel)
    return page if fields.ok else None


def parse_person(doc: SourceDoc, diag: Diagnostics) -> Person | None:
    """A file in people/: the speaker's name as sessions write it, other spellings, a few words."""
    fields = _Fields(doc, diag, PERSON)
    name, aliases, description, link = _record_fields(fields)
    person = Person(slug=fields.slug(doc.stem) or "", name=name or "", organisations=(), sessions=(),
                    aliases=aliases, description=description, link=link, role=fields.text("role"),
                    has_file=True, extra=fields.extra(), source=doc.display, rel=doc.rel,
                    redirect_from=_redirect_from(fields))
    return person if fields.ok else None


def parse_organisation(doc: SourceDoc, diag: Diagnostics) -> Organisation | None:
    fields = _Fields(doc, diag, ORGANISATION)
    name, aliases, description, link = _record_fields(fields)
    organisation = Organisation(slug=fields.slug(doc.stem) or "", name=name or "", people=(), sessions=(),
                                aliases=aliases, description=description, link=link, has_file=True,
                                extra=fields.extra(), source=doc.display, rel=doc.rel,
                                redirect_from=_redirect_from(fields))
    return organisation if fields.ok else None


def _record_fields(fields: _Fields) -> tuple[str | None, tuple[str, ...], str | None, str | None]:
    name = fields.text("name")
    aliases = fields.text_list("aliases")
    description = fields.text("description")
    link = fields.text("link")
    if link is not None:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            fields.error(("link",), f"'link' must be a web address, not '{link}'",
                         "write it with https://, e.g. 'link: https://www.kreis-coesfeld.de/'")
            link = None
    return name, aliases, description, link
