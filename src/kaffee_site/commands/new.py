"""`kaffee-site new`: start a session report with complete front matter.

The file goes to `sessions/<year>/<date>-<slug>.md`, the layout of the sample content. The
number is the next free one in the series (the highest used so far plus one). The speaker
is a placeholder that builds but that `check` reports until it is replaced. An existing
file is never overwritten. The date comes from the caller: this module never reads the clock.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kaffee_site.errors import Diagnostics, KaffeeError, UsageError
from kaffee_site.pipeline.limits import CONTROL, control_message
from kaffee_site.pipeline.load import Content, SourceDoc, load_content
from kaffee_site.text import slugify

PLACEHOLDER_NAME = "Vorname Nachname"
PLACEHOLDER_ORG = "Organisation"

BODY = """\
Worum ging es? Ein, zwei Sätze für die Übersicht.

## Impuls

Wer hat was vorgestellt?

## Diskussion

Was haben die Teilnehmenden berichtet, gefragt, verabredet?
"""


class SessionExists(KaffeeError):
    """The file (or a session with the same slug) is already there: `new` never overwrites."""


@dataclass(frozen=True)
class NewSession:
    path: Path
    number: int
    series: str


def new_session(content_dir: Path, title: str, day: date, series: str | None = None) -> NewSession:
    """Write the new session file and return where it went; raises SessionExists if it is taken."""
    if not content_dir.is_dir():
        raise UsageError(f"{content_dir}: the content folder does not exist")
    title = " ".join(title.split())
    control = CONTROL.search(title)
    if control:  # the file would not build: say so now
        raise UsageError(control_message(control.group(), "the title"))
    slug = slugify(title)
    if not slug:
        raise UsageError(f"cannot make a file name from the title {title!r}: it needs letters or digits")
    content = load_content(content_dir, str(content_dir), Diagnostics())
    series = " ".join((series or content.config.series).split())
    if not series:
        raise UsageError("the series must not be empty")
    stem = f"{day.isoformat()}-{slug}"
    path = content_dir / "sessions" / str(day.year) / f"{stem}.md"
    for doc in content.of_kind("session"):
        if doc.stem == stem:
            raise SessionExists(f"{doc.display}: a session with this date and title exists already")
    number = next_number(content, series)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as file:  # "x": fails if it exists
            file.write(session_text(title, day, series, number))
    except FileExistsError:
        raise SessionExists(f"{path}: the file exists already; it was not changed") from None
    return NewSession(path, number, series)


def next_number(content: Content, series: str) -> int:
    """Highest `number` used in the series plus one."""
    return max((number for name, number, _ in numbered_sessions(content) if name == series), default=0) + 1


def numbered_sessions(content: Content) -> list[tuple[str, int, SourceDoc]]:
    """(series, number, file) of every session file with a valid number, drafts included:
    a draft holds its number too. Read from the front matter, so other errors do not hide it."""
    found = []
    for doc in content.of_kind("session"):
        series = doc.meta.get("series", content.config.series)
        number = doc.meta.get("number")
        if isinstance(series, str) and series.strip() and isinstance(number, int) \
                and not isinstance(number, bool) and number >= 1:
            found.append((" ".join(series.split()), number, doc))
    return found


def session_text(title: str, day: date, series: str, number: int) -> str:
    return (
        "---\n"
        f"title: {yaml_string(title)}\n"
        f"date: {day.isoformat()}\n"
        f"series: {yaml_string(series)}\n"
        f"number: {number}\n"
        "topics: []\n"
        "speakers:\n"
        f"  - name: {PLACEHOLDER_NAME}\n"
        f"    org: {PLACEHOLDER_ORG}\n"
        "---\n\n"
        + BODY
    )


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar: safe for ':', '#', quotes, leading '-' or '[' and any character."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif unicodedata.category(char).startswith("C") or char in "\u2028\u2029\ufeff":
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
