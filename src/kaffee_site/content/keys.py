"""Front-matter keys the format does not know (part of the link stage's checks).

A misspelt key (`topic:`, `sumary:`) would otherwise vanish silently: the build keeps it in
`extra` for themes and the topics are lost. So every key that is neither part of the format
nor declared by the archive in site.yaml's `extra_keys` is a warning, with the nearest known
key as hint (`check --strict` makes it an error). A key one typo away from a key that decides
whether or where a record is published (`darft: true`, `slgu:`) is an error: the build would
publish the draft, or under another address, without a word.
"""

from __future__ import annotations

from typing import Any

from kaffee_site.errors import Diagnostics
from kaffee_site.content.load import Content, SourceDoc
from kaffee_site.content.schema import BY_NAME, Kind
from kaffee_site.text import closest, edit_distance, key_path

# what a misspelt key would silently change about publishing, for the keys where that matters
PUBLISHING = {"draft": "the session would be published: only 'draft' holds it back",
              "date": "the session would have no date", "title": "the page would have no title",
              "slug": "the address would be made from the file name instead"}


def check_keys(content: Content, diag: Diagnostics) -> None:
    declared = frozenset(content.config.extra_keys)
    for doc in content.docs:
        if doc.kind in BY_NAME:
            _check_doc(doc, BY_NAME[doc.kind], declared, diag)


def _check_doc(doc: SourceDoc, kind: Kind, declared: frozenset[str], diag: Diagnostics) -> None:
    top, nested, required = kind.keys, kind.nested, kind.required
    for key in doc.meta:
        if not isinstance(key, str) or key in top or key in declared:
            if key in nested:
                _check_nested(doc, key, doc.meta[key], nested[key], declared, diag)
            continue
        near = closest(key, top)
        if near in required and near not in doc.meta:
            continue  # "'title' is missing" already points here, with this hint
        if near in PUBLISHING and edit_distance(key.casefold(), near) <= 1:
            diag.error(doc.display, doc.line_of(key), f"unknown key '{key}', one typo away from '{near}': "
                       f"{PUBLISHING[near]}", f"write '{near}:'")
            continue
        _warn(doc, (key,), key, near, diag)


def _check_nested(doc: SourceDoc, parent: str, value: Any, known: tuple[str, ...], declared: frozenset[str],
                  diag: Diagnostics) -> None:
    """Keys under `image:`, `next:` and each entry of `speakers:`."""
    mappings = [((parent,), value)] if isinstance(value, dict) else \
        [((parent, i), item) for i, item in enumerate(value) if isinstance(item, dict)] if isinstance(value, list) else []
    for path, mapping in mappings:
        for key in mapping:
            if isinstance(key, str) and key not in known and f"{parent}.{key}" not in declared:
                _warn(doc, (*path, key), key, closest(key, known), diag)


def _warn(doc: SourceDoc, path: tuple, key: str, near: str | None, diag: Diagnostics) -> None:
    name = key_path(path)
    hint = f"did you mean '{near}'?" if near else \
        f"the build does not use it; if your theme does, list '{name if len(path) == 1 else path[0] + '.' + key}' " \
        "under 'extra_keys' in site.yaml"
    diag.warning(doc.display, doc.line_of(*path), f"unknown key '{name}'", hint)
