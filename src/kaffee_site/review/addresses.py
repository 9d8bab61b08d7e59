"""Addresses that last: a page the last build published must not disappear without a redirect.

Readers, search engines, feeds, calendars and other sites link to a report's or a topic's
address. When the content no longer makes one of the addresses the last build published
(reuse/addresses.py), `check` and `serve` warn, at the file that now has the record when it can
be found (a renamed file: the same session date, a topic or person that now has the old name
as an alias), and name the key that keeps the address: `redirect_from: [<old>]` (or, for a
page, `slug: <old>`; for a folder of site.yaml's `urls:`, that setting).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Mapping

from kaffee_site.content.load import Content, SourceDoc
from kaffee_site.content.scan import display_path
from kaffee_site.errors import Diagnostics
from kaffee_site.model import Site
from kaffee_site.outputs.kind import page_path
from kaffee_site.text import fold, slugify
from kaffee_site.urls import KEYS

_WHAT = {"session": "the report", "topic": "the topic", "person": "the person", "organisation": "the organisation",
         "page": "the page", "redirect": "a redirect"}
_FOLDER_KEY = {"session": "sessions", "topic": "topics", "person": "people", "organisation": "organisations"}


def check_addresses(site: Site, content: Content | None, planned: set[str], published: Mapping[str, Mapping[str, Any]],
                    display_root: str, found: Diagnostics) -> None:
    # a session rejected for an error in its front matter is not gone: it is back once that is fixed
    held = {page_path(session.url_path) for session in site.rejected if session.slug}
    gone = {path: entry for path, entry in published.items() if page_path(path) not in planned | held
            and not _went_with_its_reports(entry)}
    if not gone:
        return
    folders = _folders_gone(site, gone, display_root, found)
    docs = {doc.rel: doc for doc in content.docs} if content else {}
    for path, entry in sorted(gone.items()):
        if path.split("/", 1)[0] not in folders:
            _report(site, docs, path, entry, display_root, found)


def _went_with_its_reports(entry: Mapping[str, Any]) -> bool:
    """A person or organisation without a file of its own had a page only because reports named
    them: when none does any more (a report deleted, a name corrected), the page goes with them;
    the report's own address is what needs keeping. (An entry of an older urls.json, without
    'file', is warned about.)"""
    return entry.get("kind") in ("person", "organisation") and entry.get("file") is False


def _folders_gone(site: Site, gone: Mapping[str, Mapping[str, Any]], display_root: str,
                  found: Diagnostics) -> set[str]:
    """A folder of the archive renamed (site.yaml's `urls:`, or another language) takes every
    address in it along: one warning per folder, naming the setting that keeps them."""
    urls = site.config.urls
    current = {getattr(urls, key) for key in KEYS}
    by_folder: dict[str, list[str]] = defaultdict(list)
    for path, entry in gone.items():
        folder = path.split("/", 1)[0]
        if "/" in path.rstrip("/") and folder not in current:
            by_folder[folder].append(entry.get("kind", ""))
    for folder, kinds in sorted(by_folder.items()):
        kind = max(set(kinds), key=kinds.count)
        key = _FOLDER_KEY.get(kind)
        setting = f"'urls: {{{key}: {folder}}}'" if key else "its folder name under 'urls:'"
        found.warning(display_path(display_root, "site.yaml"), None,
                      f"{len(kinds)} addresses the last build published under /{folder}/ are gone: the folder "
                      f"is called /{getattr(urls, key) if key else '…'}/ now",
                      f"keep the old addresses with {setting} in site.yaml")
    return set(by_folder)


def _report(site: Site, docs: Mapping[str, SourceDoc], path: str, entry: Mapping[str, Any], display_root: str,
            found: Diagnostics) -> None:
    kind, name = entry.get("kind", ""), str(entry.get("name", ""))
    old = path.rstrip("/").rsplit("/", 1)[-1]
    what = _WHAT.get(kind, "a page") + (f" '{name}'" if name else "")
    message = f"the address /{path} of {what} that the last build published is gone"
    if kind == "redirect":
        target = _record_at(site, str(entry.get("to", "")))
        if target is not None and target.source:
            found.warning(target.source, _line(docs, target.rel, "redirect_from"), message,
                          f"keep it leading here: add '{old}' to 'redirect_from' again")
            return
    draft = _draft(docs, kind, old)
    if draft is not None:
        found.warning(draft.display, draft.line_of("draft"), f"{message}: the report is a draft now",
                      "remove 'draft: true' to publish it again, or add "
                      f"'redirect_from: [{old}]' to the session readers should find instead")
        return
    successor = _successor(site, kind, entry)
    if successor is not None and successor.source:
        key = "slug" if kind == "page" else "redirect_from"
        keep = f"'slug: {old}'" if kind == "page" else f"'redirect_from: [{old}]'"
        found.warning(successor.source, _line(docs, successor.rel, key),
                      f"{message}; it is here now, at /{successor.url_path}",
                      f"keep the old address: add {keep} to this file's front matter")
        return
    folder = {"session": "sessions", "topic": "topics", "person": "people", "organisation": "organisations",
              "page": "pages"}.get(kind, "")
    found.warning(display_path(display_root, folder) if folder else display_root, None, message, _hint(kind, old))


def _hint(kind: str, old: str) -> str:
    if kind == "page":
        return f"give the page that replaces it 'slug: {old}', or restore the file"
    if kind == "topic":
        return (f"renamed? add the old name to the renamed topic's 'aliases' and 'redirect_from: [{old}]' "
                "(README, \"Rename a topic\")")
    record = {"session": "session", "person": "person (a file in people/)",
              "organisation": "organisation (a file in organisations/)"}.get(kind, "record")
    return (f"moved or renamed? add 'redirect_from: [{old}]' to its file; deleted? add it to the {record} "
            "readers should find instead")


def _line(docs: Mapping[str, SourceDoc], rel: str | None, key: str) -> int | None:
    doc = docs.get(rel or "")
    return doc.line_of(key) if doc else None


def _record_at(site: Site, url_path: str) -> Any:
    for records in (site.sessions, site.topics, site.people, site.organisations):
        for record in records:
            if record.url_path == url_path:
                return record
    return None


def _draft(docs: Mapping[str, SourceDoc], kind: str, old: str) -> SourceDoc | None:
    """The session file of that slug when it is held back as a draft now."""
    if kind != "session":
        return None
    for doc in docs.values():
        if doc.kind == "session" and doc.meta.get("draft") is True:
            slug = doc.meta.get("slug")
            if (slug if isinstance(slug, str) else slugify(doc.stem)) == old:
                return doc
    return None


def _successor(site: Site, kind: str, entry: Mapping[str, Any]) -> Any:
    """The record that most likely is the one published before: a session of the same series
    on the same day, a topic, person, organisation or page that has the old name now."""
    name = fold(str(entry.get("name", "")))
    if kind == "session":
        same_day = [s for s in site.sessions if s.date.isoformat() == entry.get("date")
                    and s.series == entry.get("series")]
        candidates = [s for s in same_day if fold(s.title) == name] or same_day
        return candidates[0] if len(candidates) == 1 else None
    records = {"topic": site.topics, "person": site.people, "organisation": site.organisations,
               "page": site.pages}.get(kind, ())
    for record in records:
        if record.source and name in {fold(n) for n in _names(kind, record)}:
            return record
    return None


def _names(kind: str, record: Any) -> tuple[str, ...]:
    if kind == "page":
        return (record.title,)
    if kind == "topic":
        return record.names
    return (record.name, *record.aliases)
