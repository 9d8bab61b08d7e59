"""Open data: every session as `daten/sessions.json` and `daten/sessions.csv`.

For the programme's own reporting (how many sessions, which topics, who spoke). One
record per session, oldest first (the order of the numbering), with absolute URLs.
Both files are UTF-8 and byte-identical for the same content; the CSV follows RFC 4180
(comma, double quotes where needed, CRLF) with a header row, and no cell of it can start a
spreadsheet formula.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Iterable

from kaffee_site.model import Site
from kaffee_site.outputs.kind import PageSpec

# Where they go: config.urls.json_file and .csv_file (daten/ or data/, see urls.py).
CSV_COLUMNS = ("date", "number", "series", "title", "topics", "speakers", "organisations", "url")
LIST_SEPARATOR = "; "  # between several topics or speakers inside one CSV cell


def session_records(site: Site) -> list[dict[str, Any]]:
    config = site.config
    records = []
    for session in sorted(site.sessions, key=lambda s: (s.date, s.number or 0, s.slug)):
        records.append({
            "title": session.title,
            "date": session.date.isoformat(),
            "number": session.number,
            "series": session.series,
            "topics": [site.topic(slug).title for slug in session.topics],
            "speakers": [{"name": sp.name, "org": sp.org} for sp in session.speakers],
            "url": config.absolute_url(session.url_path),
        })
    return records


def sessions_json(site: Site) -> bytes:
    """The same bytes as json.dumps of the whole document with indent=2, assembled from one
    piece per session (kept for the sessions seen last: a warm engine encodes the changed one)."""
    head = json.dumps({"title": site.config.title, "url": site.config.absolute_url("")},
                      ensure_ascii=False, indent=2)[:-2]  # without the closing "\n}"
    records = session_records(site)
    sessions = ("[\n" + ",\n".join(_record_json(_frozen(r)) for r in records) + "\n  ]") if records else "[]"
    return (head + ',\n  "sessions": ' + sessions + "\n}\n").encode("utf-8")


def _frozen(value: Any) -> Any:
    """A record as a hashable value that keeps its keys' order (dicts become tagged tuples)."""
    if isinstance(value, dict):
        return ("{", tuple((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("[", tuple(_frozen(v) for v in value))
    return value


def _thawed(value: Any) -> Any:
    if isinstance(value, tuple):
        return {k: _thawed(v) for k, v in value[1]} if value[0] == "{" else [_thawed(v) for v in value[1]]
    return value


@lru_cache(maxsize=1 << 15)
def _record_json(record: Any) -> str:
    """One session record as it stands in the document: two levels deep, at indent 2."""
    return "    " + json.dumps(_thawed(record), ensure_ascii=False, indent=2).replace("\n", "\n    ")


def sessions_csv(site: Site) -> bytes:
    rows = [CSV_COLUMNS]
    for record in session_records(site):
        speakers = record["speakers"]
        rows.append((
            record["date"],
            "" if record["number"] is None else str(record["number"]),
            neutral(record["series"]),
            neutral(record["title"]),
            _joined(record["topics"]),
            _joined(sp["name"] for sp in speakers),
            _joined(sp["org"] or "" for sp in speakers),
            record["url"],
        ))
    return "".join(",".join(_quoted(cell) for cell in row) + "\r\n" for row in rows).encode("utf-8")


# A cell that starts like a formula is run by Excel, LibreOffice and Google Sheets when the file is
# opened ('=HYPERLINK(…)' sends data away). OWASP's CSV injection advice: such cells begin with a
# single quote, which spreadsheets show as text. The JSON keeps every value as it was written.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _joined(items: Iterable[str]) -> str:
    """Several names in one cell, each neutralised: a reader may split the cell at the separator."""
    return LIST_SEPARATOR.join(neutral(item) for item in items)


def _quoted(cell: str) -> str:
    """RFC 4180 quoting; a ';' is quoted too, since spreadsheets set to German split at it."""
    if any(ch in cell for ch in ',;"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def plan(site: Site, planned: list[PageSpec]) -> list[PageSpec]:
    urls = site.config.urls
    return [PageSpec(urls.json_file, "", producer=sessions_json), PageSpec(urls.csv_file, "", producer=sessions_csv)]
