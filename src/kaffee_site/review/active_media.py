"""Media that can run scripts on the archive's own origin: `check` warns about them.

Everything under `media/` is published as it is, next to the archive's pages. An HTML page
there, or an SVG opened on its own (a link to it, a reader's "open image in new tab"), runs its
scripts as if they were the archive's: they can read and change its pages and whatever the
reader's browser keeps for the site. An `<img>` never runs a picture's scripts, so a warning
is enough: the editor decides, knowing it. XML is read with expat, entity declarations refused
(no billion laughs inside a picture); what expat cannot read is searched as text instead.
"""

from __future__ import annotations

import gzip
import re
import xml.parsers.expat
from pathlib import Path
from typing import Iterable

from kaffee_site.errors import Diagnostics
from kaffee_site.content.load import media_source
from kaffee_site.content.scan import display_path

PAGES = (".html", ".htm", ".xhtml", ".xht", ".shtml")
XML = (".svg", ".svgz", ".xml")
MAX_BYTES = 32 << 20  # more than any picture of a report; a bigger file is searched in its first part
SCRIPT_HINT = "remove the scripts, or publish a PNG of the picture instead"
_CONTROLS = re.compile(r"[\x00-\x20]")  # browsers drop tabs and newlines inside a URL: 'java\tscript:'
# for files expat cannot read: the same findings, looked for as text
_TEXT_PATTERNS = (
    (re.compile(r"<\s*(?:[\w.-]+:)?script\b", re.IGNORECASE), "has a <script> element"),
    (re.compile(r"<\s*(?:[\w.-]+:)?foreignObject\b", re.IGNORECASE), "has a <foreignObject> element (HTML inside)"),
    (re.compile(r"[\s\"'/]on[a-z]+\s*=", re.IGNORECASE), "has an event handler attribute (on…=)"),
    (re.compile(r"j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:", re.IGNORECASE), "has a javascript: URL"),
)


def check_active_media(content_dir: Path, display_root: str, media: Iterable[str], diag: Diagnostics) -> None:
    """Warn about HTML pages and about SVG/XML files with scripts, handlers or javascript: URLs."""
    for rel in media:
        lower = rel.lower()
        display = display_path(display_root, f"media/{rel}")
        if lower.endswith(PAGES):
            diag.warning(display, None, "an HTML page under media/ runs its scripts on the archive's own origin",
                         "link to it where it is published elsewhere, or make a PDF of it")
        elif lower.endswith(XML):
            try:
                data = _read(media_source(content_dir, rel), lower.endswith(".svgz"))
            except (OSError, EOFError) as err:  # gzip.BadGzipFile is an OSError
                diag.warning(display, None, f"cannot read the picture to check it for scripts: {err}")
                continue
            for line, finding in script_findings(data):
                diag.warning(display, line, f"the picture {finding}: opened on its own, it runs on the "
                             "archive's own origin", SCRIPT_HINT)


def _read(path: Path, compressed: bool) -> bytes:
    with (gzip.open(path, "rb") if compressed else open(path, "rb")) as handle:
        return handle.read(MAX_BYTES)  # bounded: an .svgz can unpack to gigabytes


def script_findings(data: bytes) -> list[tuple[int | None, str]]:
    """(line, what) for each kind of active content, at its first place, in document order."""
    found: dict[str, int | None] = {}
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def note(what: str) -> None:
        found.setdefault(what, parser.CurrentLineNumber)

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "script":
            note("has a <script> element")
        elif local == "foreignObject":
            note("has a <foreignObject> element (HTML inside)")
        for attr, value in attrs.items():
            attr_local = attr.rsplit(" ", 1)[-1]
            if attr_local.lower().startswith("on"):
                note(f"has the event handler attribute '{attr_local}'")
            if "javascript:" in _CONTROLS.sub("", value).lower():
                note(f"has a javascript: URL in '{attr_local}'")

    def instruction(target: str, text: str) -> None:
        if target == "xml-stylesheet" and "xsl" in text.lower():
            note("uses an XSLT stylesheet, which can add scripts")

    def entity(*_: object) -> None:
        # an entity can spell a script in character references, and expand without end
        raise _Refused(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.ProcessingInstructionHandler = instruction
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError:
        return _text_findings(data)
    except _Refused as refused:
        entities = (refused.line, "declares XML entities, which can spell out a script")
        return sorted([entities, *_text_findings(data)], key=lambda item: item[0])
    return [(line, what) for what, line in found.items()]  # in the order met: document order


class _Refused(Exception):
    """The document declares entities: read it as text instead."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _text_findings(data: bytes) -> list[tuple[int | None, str]]:
    text = data.decode("utf-8", "replace")
    found = []
    for pattern, what in _TEXT_PATTERNS:
        match = pattern.search(text)
        if match:
            found.append((text.count("\n", 0, match.start()) + 1, what))
    return sorted(found, key=lambda item: item[0])
