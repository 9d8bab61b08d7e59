"""Decap CMS's configuration (admin/config.yml), made from the schema and site.yaml on every build.

Each kind of the schema (content/schema.py) is a folder collection, each of its keys a field
with the widget its type asks for: text lines and paragraphs, a date picker, a number, a list, an
object, a picture with its alternative text, a check box for `draft`, and the Markdown body.
Keys are required as the schema says; every other key is optional (Decap's own default is
"required"). A session's topics are a relation to the topics collection (its files); speakers,
organisations and series are lines of text offered the names the archive already uses (the
widget `kaffee-name` of admin.js: people and organisations need no file of their own, and a
new speaker must be possible, which a relation widget forbids). Sessions are saved where the
archive keeps them: `sessions/<year>/<date>-<slug>.md`.

The file is JSON, which is YAML too: written without a YAML library, byte for byte the same for
the same archive.
"""

from __future__ import annotations

import json
from typing import Any

from kaffee_site.cms.words import COLLECTIONS, SINGULAR, hint, label, word
from kaffee_site.cms_settings import CmsSettings
from kaffee_site.config import SiteConfig
from kaffee_site.content.schema import (BOOLEAN, DATE, IMAGE, KINDS, MARKDOWN, NUMBER, OBJECT, OBJECTS, STRING,
                                        STRINGS, TEXT, TIME, Field, Kind)
from kaffee_site.i18n import Catalogue, catalogue
from kaffee_site.model import Site

NAME_WIDGET = "kaffee-name"  # admin.js: a line of text with the archive's names as suggestions
LOCAL_PROXY = "http://localhost:8081/api/v1"  # decap-server's address; `serve` puts its own in
MEDIA = "media"
TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
LINK_PATTERN = r"^https?://\S+$"
HEADER = ("# Decap CMS's configuration, made by kaffee-site from its schema and site.yaml on every build:\n"
          "# change site.yaml (cms:), not this file. JSON is YAML too.\n")
# Sessions go where the archive keeps them, named by their date: the date field's own text in the
# file name (Decap's {{month}} and {{day}} read the date as UTC midnight of the editor's day, one
# day early east of Greenwich), and Decap's {{year}} for the folder, since its `path` takes no
# filters. That year is one early only for a session on 1 January saved east of Greenwich; the
# build reads sessions in any sub-folder, so the report still builds as written.
SESSION_SLUG = "{{fields.date}}-{{slug}}"
SESSION_PATH = "{{year}}/{{slug}}"


def config_text(site: Site) -> bytes:
    """admin/config.yml of the archive (its site.yaml has `cms:`)."""
    return (HEADER + json.dumps(decap_config(site), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def decap_config(site: Site) -> dict[str, Any]:
    config = site.config
    settings = config.cms
    assert settings is not None, "admin/ is made only for an archive with `cms:`"
    words = catalogue(config.language)
    found: dict[str, Any] = {
        "backend": backend(settings),
        "locale": config.language.split("-")[0].lower(),
        "media_folder": settings.path(MEDIA),
        "public_folder": MEDIA,
        # ASCII file names, as `new` writes them and every system and Git host keeps them
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
    }
    if config.origin:  # "view live" leads to the published page
        found["site_url"] = found["display_url"] = config.absolute_url("")
    if config.theme.logo:
        found["logo_url"] = config.url(f"{MEDIA}/{config.theme.logo}")
    found["collections"] = [_collection(kind, site, settings, words) for kind in KINDS]
    return found


def backend(settings: CmsSettings) -> dict[str, Any]:
    """The `backend:` of one Git host, with what signing in there needs."""
    name = settings.backend
    if name == "local":
        return {"name": "proxy", "proxy_url": LOCAL_PROXY, "branch": settings.branch}
    found: dict[str, Any] = {"name": name, "repo": settings.repository, "branch": settings.branch}
    if name == "github":
        if settings.server:  # GitHub Enterprise
            found["api_root"] = f"{settings.server}/api/v3"
        if settings.auth_url:
            found["base_url"] = settings.auth_url
    elif name == "gitlab":
        if settings.server:
            found["api_root"] = f"{settings.server}/api/v4"
        if settings.app_id:  # PKCE: signing in needs no server of our own
            found.update(auth_type="pkce", app_id=settings.app_id, base_url=settings.server or "https://gitlab.com")
        elif settings.auth_url:
            found["base_url"] = settings.auth_url
    elif name == "gitea":
        found.update(api_root=f"{settings.server}/api/v1", base_url=settings.server, app_id=settings.app_id)
    return found


def _collection(kind: Kind, site: Site, settings: CmsSettings, words: Catalogue) -> dict[str, Any]:
    plural, singular = COLLECTIONS[kind.name]
    identifier = "title" if "title" in kind.keys else "name"
    found: dict[str, Any] = {
        "name": kind.folder,
        "label": word(words, plural),
        "label_singular": word(words, singular),
        "folder": settings.path(kind.folder),
        "extension": "md",
        "format": "frontmatter",
        "create": True,
        "identifier_field": identifier,
        "slug": "{{slug}}",
        "summary": "{{%s}}" % identifier,
        "fields": [_field(kind, (field.key,), field, site, words) for field in kind.fields],
    }
    if kind.body:
        # Markdown first: what the file holds, as written. Decap's rich text writes the whole body
        # anew in its own style (`*` bullets, escapes; admin.js restores the wikilinks it escapes).
        found["fields"].append({"name": "body", "label": label(words, "body"), "widget": "markdown",
                                "modes": ["raw", "rich_text"], "required": False, "hint": hint(words, kind=kind)})
    urls = site.config.urls
    folder = {"session": urls.sessions, "topic": urls.topics, "person": urls.people,
              "organisation": urls.organisations}.get(kind.name)
    found["preview_path"] = f"{folder}/{{{{filename}}}}/" if folder else "{{filename}}/"
    if kind.name == "session":
        found.update(
            slug=SESSION_SLUG, path=SESSION_PATH,
            # with `path`, Decap keeps pictures beside each entry unless told: the archive's media/
            media_folder="/" + settings.path(MEDIA), public_folder=MEDIA,
            preview_path=f"{urls.sessions}/{{{{filename}}}}/",
            summary="{{fields.date}} · {{title}}",
            sortable_fields=[{"field": "date", "default_sort": "desc"}, "title", "number"],
            view_filters=[{"label": word(words, "Drafts"), "field": "draft", "pattern": True}],
            view_groups=[{"label": word(words, "Year"), "field": "date", "pattern": r"\d{4}"}],
        )
    else:
        found["sortable_fields"] = [identifier]
    return found


def _field(kind: Kind, path: tuple[str, ...], field: Field, site: Site, words: Catalogue) -> dict[str, Any]:
    found: dict[str, Any] = {"name": field.key, "label": label(words, field.key)}
    found.update(_widget(kind, path, field, site, words))
    # Decap checks a required key inside an object even when the whole object is left empty, so
    # the keys of an optional object are optional here and admin.js checks them when it is filled
    # in (form_rules)
    found["required"] = field.required and not _in_optional_object(kind, path)
    if field.type in (OBJECTS, STRINGS):
        found["label_singular"] = word(words, SINGULAR[field.key])
    text = hint(words, field)
    if text:
        found["hint"] = text
    return found


def _widget(kind: Kind, path: tuple[str, ...], field: Field, site: Site, words: Catalogue) -> dict[str, Any]:
    """What Decap shows for one key: its widget and that widget's settings."""
    special = _special(kind, path, site)
    if special is not None:
        return special
    if field.type == STRING:
        if field.format == "slug":
            return {"widget": "string", "pattern": [SLUG_PATTERN, word(words, "Lower-case letters, digits and "
                                                                              "single hyphens")]}
        if field.format == "http(s) address":
            return {"widget": "string", "pattern": [LINK_PATTERN, word(words, "An address starting with https://")]}
        return {"widget": "string"}
    if field.type == TEXT:
        return {"widget": "text"}
    if field.type == DATE:
        # a date alone, stored as the archive writes it; no default, so an optional date stays empty
        found = {"widget": "datetime", "format": "YYYY-MM-DD", "date_format": _date_format(site.config),
                 "time_format": False}
        return found if field.required else {**found, "default": ""}
    if field.type == TIME:
        return {"widget": "string", "pattern": [TIME_PATTERN, word(words, "A time of day like 14:00")]}
    if field.type == NUMBER:
        return {"widget": "number", "value_type": "int", "min": 1, "step": 1}
    if field.type == BOOLEAN:
        return {"widget": "boolean", "default": False}
    if field.type == IMAGE:
        return {"widget": "image", "choose_url": False}
    if field.type == STRINGS:
        item = {"name": field.key, "label": label(words, field.key), "widget": "string"}
        if field.format == "slug":
            item["pattern"] = [SLUG_PATTERN, word(words, "Lower-case letters, digits and single hyphens")]
        return {"widget": "list", "field": item}
    if field.type in (OBJECT, OBJECTS):
        children = [_field(kind, path + (child.key,), child, site, words) for child in field.fields]
        if field.type == OBJECT:
            return {"widget": "object", "fields": children}
        return {"widget": "list", "fields": children, "summary": "{{fields.%s}}" % field.fields[0].key}
    assert field.type != MARKDOWN, "a body is not a front-matter key"
    raise ValueError(f"{kind.name}.{'.'.join(path)}: no widget for {field.type!r}")


def _in_optional_object(kind: Kind, path: tuple[str, ...]) -> bool:
    if len(path) < 2:
        return False
    parent = kind.field(path[:-1])
    return parent.type == OBJECT and not parent.required


def form_rules(site: Site) -> dict[str, Any]:
    """What admin.js checks and tidies before a save, per collection: the keys an optional object
    needs once it is filled in (a picture needs its file and its alternative text; an
    announcement its date), and the check boxes whose 'false' is left out (no `draft: false`)."""
    words = catalogue(site.config.language)
    rules: dict[str, Any] = {}
    for kind in KINDS:
        together = []
        for field in kind.fields:
            needed = [child for child in field.fields if child.required]
            if field.type == OBJECT and not field.required and needed:
                together.append({"key": field.key, "label": label(words, field.key),
                                 "needs": [[child.key, label(words, child.key)] for child in needed]})
        rules[kind.folder] = {"together": together,
                              "unticked": [field.key for field in kind.fields if field.type == BOOLEAN]}
    return {"rules": rules, "message": word(words, "%(what)s: fill in %(fields)s, or empty it entirely.")}


def _special(kind: Kind, path: tuple[str, ...], site: Site) -> dict[str, Any] | None:
    """Keys whose values are records of the archive: topics, speakers, organisations, series."""
    if kind.name != "session":
        return None
    if path == ("topics",):  # the topics collection: a new topic is a new topic file first
        return {"widget": "relation", "collection": "topics", "value_field": "title",
                "search_fields": ["title", "aliases"], "display_fields": ["title"], "multiple": True}
    if path == ("speakers", "name"):
        return _names(person.name for person in site.people)
    if path == ("speakers", "org"):
        return _names(organisation.name for organisation in site.organisations)
    if path == ("series",):
        return _names([site.config.series, *(session.series for session in site.sessions)])
    return None


def _names(names) -> dict[str, Any]:
    return {"widget": NAME_WIDGET, "options": sorted(set(names), key=lambda name: (name.casefold(), name))}


def _date_format(config: SiteConfig) -> str:
    """How the date picker shows a day: as readers of the archive write it."""
    return "DD.MM.YYYY" if config.language.split("-")[0].lower() == "de" else "YYYY-MM-DD"
