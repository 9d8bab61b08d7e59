"""`urls.json`: the addresses this build publishes, so a later build knows which it must keep.

One entry per page of a record (session, topic, person, organisation, free page) and per
redirect, by its path below `base_url`: what it is and its name (a session also its date and
series, a topic whether a file defines it). `kaffee-site check` and `serve` compare the
addresses of the last build (this file in the output folder, a copy kept in the build cache,
or one fetched from the live archive by CI: `check --published FILE`) with those the content
makes now, and warn about each one that would disappear without a redirect (review/addresses.py).
The file is a pure function of the content, like every output: a clean build writes the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from kaffee_site.model import Site
from kaffee_site.outputs.kind import PageSpec

FILE = "urls.json"
FORMAT = "kaffee-site addresses 1"  # what `read_addresses` accepts


def plan(site: Site, planned: list[PageSpec]) -> list[PageSpec]:
    return [PageSpec(FILE, "", producer=addresses_json)]


def addresses(site: Site) -> dict[str, dict[str, Any]]:
    """Path below base_url -> what is published there."""
    found: dict[str, dict[str, Any]] = {}
    for session in site.sessions:
        found[session.url_path] = {"kind": "session", "name": session.title, "date": session.date.isoformat(),
                                   "series": session.series}
    for topic in site.topics:
        found[topic.url_path] = {"kind": "topic", "name": topic.title, "file": topic.has_file}
    for person in site.people:
        found[person.url_path] = {"kind": "person", "name": person.name, "file": person.has_file}
    for organisation in site.organisations:
        found[organisation.url_path] = {"kind": "organisation", "name": organisation.name,
                                        "file": organisation.has_file}
    for page in site.pages:
        found[page.url_path] = {"kind": "page", "name": page.title}
    for old, new in site.redirects.items():
        found[old] = {"kind": "redirect", "to": new}
    return dict(sorted(found.items()))


def addresses_json(site: Site) -> bytes:
    document = {"format": FORMAT, "addresses": addresses(site)}
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_addresses(data: bytes) -> dict[str, dict[str, Any]] | None:
    """The addresses of a `urls.json`; None when it is not one (damaged, another format). An
    empty JSON object (`{}`: nothing published yet) has none."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if document == {}:
        return {}
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    found = document.get("addresses")
    if not isinstance(found, dict):
        return None
    return {path: entry for path, entry in found.items()
            if isinstance(path, str) and isinstance(entry, dict) and isinstance(entry.get("kind"), str)}
