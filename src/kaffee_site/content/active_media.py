"""Media a browser would run as a document, with scripts on the archive's own origin: refused.

Everything under `media/` is published as it is, next to the archive's pages. Shown by `<img>`,
a picture never runs scripts; but the same file opened on its own (a link to it, "open image
in new tab") is a document, and an XML document (SVG, XML, XSL, XHTML) runs its `<script>`s,
event handlers and `javascript:` URLs, and applies what `<?xml-stylesheet?>` asks for, whose
XSLT can build a script. A static host sends no header the archive could choose
(Content-Security-Policy, Content-Disposition) to stop that, and a picture's name hides what it
does from a reviewer, so such a file is an error at its line in `check` and `build`: the editor
removes the scripts or publishes a PNG. An HTML page under media/ is a warning: its name says
it is a page, and the editor decides. A `<foreignObject>` (HTML inside a picture, as diagram
tools export text) is a warning: what would run inside it is an error of its own.

What is a document is decided by the bytes, not the name: any medium whose bytes start like
markup is checked, whatever it is called. The text is decoded as a browser may decode it: by
its byte order mark or UTF-16/32 layout, by the encoding it declares (Shift_JIS, UTF-7, ...), and
as UTF-8 (what a browser falls back to, or a server's charset may force); each reading is checked.
Character and entity references are expanded by expat as a browser expands them; an entity
whose text holds markup or other entities is refused (it can spell out a script, or expand
without end); expat's own limit stops the rest. A file expat cannot read as XML is searched as
text, with references decoded, for the same findings.
"""

from __future__ import annotations

import codecs
import html
import re
import xml.parsers.expat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from kaffee_site.content.scan import read_inside
from kaffee_site.errors import Problem

PAGES = (".html", ".htm", ".shtml", ".xhtml", ".xht")
XML = (".svg", ".svgz", ".xml", ".xsl", ".xslt", ".xhtml", ".xht", ".rss", ".atom", ".mml")
MAX_BYTES = 32 << 20  # more than any picture of a report; a bigger file is searched in its first part
SNIFF_BYTES = 512  # enough to see whether other media start like markup
XSLT_NAMESPACE = "http://www.w3.org/1999/XSL/Transform"
SCRIPT_HINT = "remove the scripts (and stylesheets), or publish a PNG of the picture instead"
FOREIGN_HINT = "diagram tools put text there, which is harmless; a script inside would be an error of its own"
ORIGIN = "opened on its own in a browser, it would run on the archive's own origin"

_CONTROLS = re.compile(r"[\x00-\x20]")  # browsers drop tabs and newlines inside a URL: 'java\tscript:'
_SCRIPT_URL = re.compile(r"(?:java|vb)script:", re.IGNORECASE)
_DECLARED = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,40})["']""")
# for files expat cannot read: the same findings, looked for in the text (references decoded)
_TEXT_PATTERNS = (
    (re.compile(r"<\s*(?:[\w.-]+:)?script\b", re.IGNORECASE), "script", "has a <script> element"),
    (re.compile(r"<\?\s*xml-stylesheet\b", re.IGNORECASE), "stylesheet", "asks for a stylesheet "
     "(<?xml-stylesheet?>), whose XSLT can build scripts"),
    (re.compile(re.escape(XSLT_NAMESPACE)), "xslt", "is an XSLT stylesheet, which can build scripts"),
    (re.compile(r"[\s\"'/]on[a-z]+\s*=", re.IGNORECASE), "handler", "has an event handler attribute (on…=)"),
    (re.compile(r"j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:|vbscript:", re.IGNORECASE), "url",
     "has a javascript: URL"),
    (re.compile(r"\ssrcdoc\s*=", re.IGNORECASE), "srcdoc", "has an iframe srcdoc (a page on the archive's origin)"),
    (re.compile(r"<\s*(?:[\w.-]+:)?foreignObject\b", re.IGNORECASE), "foreign",
     "has a <foreignObject> element (HTML inside)"),
)


@dataclass(frozen=True)
class Finding:
    line: int | None
    kind: str  # one of KINDS: each kind is reported once, at its first place
    what: str

    @property
    def severity(self) -> str:
        """"error": runs a script when the file is opened; "warning": worth a look."""
        return "warning" if self.kind == "foreign" else "error"


KINDS = ("script", "stylesheet", "xslt", "handler", "url", "srcdoc", "entity", "foreign")


def media_problems(display: str, rel: str, source: Path, real_root: str) -> list[Problem]:
    """What is wrong with the medium `rel` (inside media/, shown as `display`) whose file is `source`."""
    lower = rel.lower()
    problems = []
    if lower.endswith(PAGES):
        problems.append(Problem(display, None, "an HTML page under media/ runs its scripts on the archive's "
                                "own origin", "link to it where it is published elsewhere, or make a PDF of it",
                                "warning"))
    markup_name = lower.endswith(XML) or lower.endswith(PAGES)
    try:
        data = _document(source, real_root, markup_name, lower.endswith(".svgz"))
    except OSError as err:
        return [*problems, Problem(display, None, f"cannot read the file: {err.strerror or err}",
                                   "make it readable (chmod a+r)")]
    if data is None:  # not markup: a browser shows it as what its name says, or offers it for download
        return problems
    said = "the picture" if lower.endswith((".svg", ".svgz")) else "the file"
    if not markup_name:
        said = f"the file (its name says {Path(rel).suffix or 'nothing'}, its bytes are markup)"
    for finding in script_findings(data, xml_only=markup_name):
        if finding.severity == "warning":
            problems.append(Problem(display, finding.line, f"{said} {finding.what}", FOREIGN_HINT, "warning"))
        else:
            problems.append(Problem(display, finding.line, f"{said} {finding.what}: {ORIGIN}", SCRIPT_HINT))
    return problems


def _document(source: Path, real_root: str, markup_name: bool, compressed: bool) -> bytes | None:
    """The file's bytes (an .svgz unpacked) when it is, or may be, a markup document; else None.

    Other media are read only as far as it takes to see that they do not start like markup."""
    data = read_inside(source, real_root, MAX_BYTES if markup_name else SNIFF_BYTES)
    if not markup_name and not looks_like_markup(data):
        return None
    if not markup_name:
        data = read_inside(source, real_root, MAX_BYTES)
    if compressed and data[:2] == b"\x1f\x8b":
        try:  # bounded: an .svgz can unpack to gigabytes
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, MAX_BYTES)
        except zlib.error:  # damaged: what a browser would get is checked as it is
            pass
    return data


def looks_like_markup(head: bytes) -> bool:
    """Whether the first bytes of a file start like XML or HTML in any of the encodings below."""
    for text in _readings(head):
        stripped = text.lstrip("\ufeff \t\r\n")
        if stripped.startswith("<") and stripped[1:2].isascii() and (stripped[1:2].isalpha() or
                                                                    stripped[1:2] in "?!"):
            return True
    return False


def _readings(data: bytes) -> Iterator[str]:
    """The text as a browser may decode it: by BOM or layout, by declaration, and as UTF-8."""
    seen = set()
    for encoding in (_layout(data) or _declared(data), "utf-8"):
        if encoding is None or encoding in seen:
            continue
        seen.add(encoding)
        try:
            yield data.decode(encoding, "replace")
        except LookupError:
            continue


def _layout(data: bytes) -> str | None:
    """The encoding a byte order mark or the first character's layout says (XML 1.0, appendix F)."""
    for mark, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(mark):
            return name
    head = data[:4]
    if len(head) == 4:
        if head[:3] == b"\0\0\0" and head[3]:
            return "utf-32-be"
        if head[0] and head[1:] == b"\0\0\0":
            return "utf-32-le"
        if head[0] == 0 and head[1] and head[2] == 0 and head[3]:
            return "utf-16-be"
        if head[0] and head[1] == 0 and head[2] and head[3] == 0:
            return "utf-16-le"
    return None


def _declared(data: bytes) -> str | None:
    found = _DECLARED.match(data)
    if not found:
        return None
    name = found.group(1).decode("ascii").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None  # not known here; browsers then read it as UTF-8, which is checked


def script_findings(data: bytes, xml_only: bool = True) -> list[Finding]:
    """What in the document can run a script (errors) or deserves a look (warnings), each kind at
    its first place, in the order met; every reading of the bytes is checked.

    `xml_only`: the name says XML or HTML. Otherwise a browser that renders it at all may read it
    as HTML, so the text is searched as well as parsed."""
    found: dict[str, Finding] = {}
    for text in _readings(data):
        findings = _xml_findings(text)
        if findings is None or not xml_only:
            findings = [*(findings or []), *_text_findings(text)]
        for finding in findings:
            found.setdefault(finding.kind, finding)
    return sorted(found.values(), key=lambda f: (f.line or 0))


def _xml_findings(text: str) -> list[Finding] | None:
    """Findings of expat's reading; None when expat cannot read the text as XML."""
    found: dict[str, Finding] = {}
    parser = xml.parsers.expat.ParserCreate(encoding="utf-8", namespace_separator=" ")

    def note(kind: str, what: str) -> None:
        if kind not in found:
            found[kind] = Finding(parser.CurrentLineNumber, kind, what)

    def start(name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if namespace == XSLT_NAMESPACE:
            note("xslt", "is an XSLT stylesheet, which can build scripts")
        if local.lower() == "script":
            note("script", "has a <script> element")
        elif local == "foreignObject":
            note("foreign", "has a <foreignObject> element (HTML inside)")
        for attr, value in attrs.items():
            attr_local = attr.rsplit(" ", 1)[-1].lower()
            if attr_local.startswith("on"):
                note("handler", f"has the event handler attribute '{attr_local}'")
            if _SCRIPT_URL.search(_CONTROLS.sub("", value)):
                note("url", f"has a javascript: URL in '{attr_local}'")
            if attr_local == "srcdoc":
                note("srcdoc", "has an iframe srcdoc (a page on the archive's origin)")

    def instruction(target: str, data: str) -> None:
        if target.lower() == "xml-stylesheet":
            note("stylesheet", "asks for a stylesheet (<?xml-stylesheet?>), whose XSLT can build scripts")

    def entity(name: str, is_parameter: int, value: str | None, *_: object) -> None:
        # expat expands a reference as a browser does, and the result is checked like the rest;
        # an entity holding markup or other entities is refused: it can spell a script, or grow
        if is_parameter or (value is not None and ("<" in value or "&" in value)):
            note("entity", "declares an XML entity that holds markup or other entities, which can spell out a "
                 "script or expand without end")
            raise _Stop

    parser.StartElementHandler = start
    parser.ProcessingInstructionHandler = instruction
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(text.lstrip("\ufeff").encode("utf-8"), True)
    except _Stop:
        return [*found.values(), *_text_findings(text)]
    except xml.parsers.expat.ExpatError as err:
        if "amplification" in str(err):
            note("entity", "has XML entities that expand past what a picture needs (a \"billion laughs\")")
            return [*found.values(), *_text_findings(text)]
        return None
    return list(found.values())


class _Stop(Exception):
    """A finding that ends the XML reading: the text is searched instead."""


def _text_findings(text: str) -> list[Finding]:
    """The findings looked for in the text, in the text as written and with references decoded."""
    found = []
    for variant in (text, html.unescape(text)):
        for pattern, kind, what in _TEXT_PATTERNS:
            match = pattern.search(variant)
            if match:
                found.append(Finding(variant.count("\n", 0, match.start()) + 1, kind, what))
    return found
