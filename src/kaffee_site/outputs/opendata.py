"""Open data: every session as `daten/sessions.json` and `daten/sessions.csv`.

For the programme's own reporting (how many sessions, which topics, who spoke). One
record per session, oldest first (the order of the numbering), with absolute URLs.
Both files are UTF-8 and byte-identical for the same content; the CSV follows RFC 4180
(comma, double quotes where needed, CRLF) with a header row.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from kaffee_site.model import Site

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
    data = {
        "title": site.config.title,
        "url": site.config.absolute_url(""),
        "sessions": session_records(site),
    }
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def sessions_csv(site: Site) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for record in session_records(site):
        speakers = record["speakers"]
        writer.writerow([
            record["date"],
            "" if record["number"] is None else record["number"],
            record["series"],
            record["title"],
            LIST_SEPARATOR.join(record["topics"]),
            LIST_SEPARATOR.join(sp["name"] for sp in speakers),
            LIST_SEPARATOR.join(sp["org"] or "" for sp in speakers),
            record["url"],
        ])
    return buffer.getvalue().encode("utf-8")
