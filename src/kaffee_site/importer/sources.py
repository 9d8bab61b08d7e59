"""What `import` reads: a web address, a saved page, a text or Markdown file, or standard input.

Each SOURCE becomes a `Source`: its text (decoded, size-checked) and its kind, 'html', 'text'
or 'markdown'. A folder stands for the pages and texts directly inside it, so a folder of saved
pages imports in one go (a browser's `Name_files/` folders beside them hold their pictures,
never pages of their own).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kaffee_site.errors import KaffeeError
from kaffee_site.importer.fetch import PAGE_TYPES, Limits, fetch

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".txt", ".text")
STDIN = "-"

_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_MARKDOWN_HINT = re.compile(r"^(?:#{1,6} \S|\*\*\S|> \S|```)", re.MULTILINE)


class SourceError(KaffeeError):
    """A source that cannot be read as a report; the message is one line naming it."""


@dataclass(frozen=True)
class Source:
    label: str  # as the editor wrote it: the address, the file, or 'standard input'
    kind: str  # 'html', 'text' or 'markdown'
    text: str
    url: str | None = None  # the page's address after redirects: links and pictures resolve against it
    folder: Path | None = None  # a saved file's folder: the pictures it names lie there


def is_url(arg: str) -> bool:
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", arg) is not None


def expand(args: list[str]) -> list[str]:
    """Each folder replaced by its pages and texts (sorted by name); everything else kept as given."""
    out: list[str] = []
    for arg in args:
        path = Path(arg)
        if arg != STDIN and not is_url(arg) and path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file()
                           and p.suffix.lower() in (*HTML_SUFFIXES, *MARKDOWN_SUFFIXES, *TEXT_SUFFIXES))
            out.extend(str(p) for p in found) if found else out.append(arg)  # an empty one is reported
        else:
            out.append(arg)
    return out


def read(arg: str, limits: Limits, stdin: BinaryIO | None = None) -> Source:
    """The Source of one argument; SourceError (or fetch's FetchError) when it cannot be read."""
    if is_url(arg):
        fetched = fetch(arg, PAGE_TYPES, limits.page_bytes, limits)
        kind = _kind_of_type(fetched.media_type, fetched.data)
        return Source(arg, kind, decode(fetched.data, kind, fetched.charset, arg), url=fetched.url)
    if arg == STDIN:
        if stdin is None:
            raise SourceError("standard input: nothing to read")
        data = stdin.read(limits.page_bytes + 1)
        _check_size("standard input", len(data), limits)
        kind = sniff(data)
        return Source("standard input", kind, decode(data, kind, None, "standard input"))
    path = Path(arg)
    if path.is_dir():
        raise SourceError(f"{arg}: the folder holds no .html, .htm, .txt or .md files")
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.page_bytes + 1)
    except FileNotFoundError:
        raise SourceError(f"{arg}: no such file (a web address starts with https://)") from None
    except OSError as err:
        raise SourceError(f"{arg}: cannot read it ({err.strerror})") from None
    _check_size(arg, len(data), limits)
    kind = _kind_of_file(path, data)
    return Source(arg, kind, decode(data, kind, None, arg), folder=path.resolve().parent)


def _check_size(label: str, size: int, limits: Limits) -> None:
    if size > limits.page_bytes:
        raise SourceError(f"{label}: larger than the limit of {limits.page_bytes >> 20} MB for one report")


def _kind_of_type(media_type: str, data: bytes) -> str:
    if media_type in ("text/html", "application/xhtml+xml"):
        return "html"
    if media_type in ("text/markdown", "text/x-markdown"):
        return "markdown"
    return sniff(data)  # text/plain, or no type at all: what it looks like decides


def _kind_of_file(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    return "text" if suffix in TEXT_SUFFIXES and not _HTML_START.match(data[:4096]) else sniff(data)


def sniff(data: bytes) -> str:
    head = data[:4096]
    if _HTML_START.match(head):
        return "html"
    text = head.decode("utf-8", "replace")
    return "markdown" if _MARKDOWN_HINT.search(text) else "text"


def decode(data: bytes, kind: str, charset: str | None, label: str) -> str:
    """Text from bytes: a byte-order mark, the server's charset, a page's <meta charset>, UTF-8,
    and Windows-1252 as the last resort (what old German pages use when they say nothing)."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _decoded(data, codec, label)
    if b"\x00" in data[:8192]:
        raise SourceError(f"{label}: this is not text (it holds NUL bytes); import reads web pages, text and Markdown")
    declared = charset
    if declared is None and kind == "html":
        match = _META_CHARSET.search(data[:4096])
        declared = match.group(1).decode("ascii", "replace").lower() if match else None
    for codec in (declared, "utf-8"):
        if codec:
            try:
                return _normal(data.decode(_known_codec(codec)))
            except (UnicodeDecodeError, LookupError):
                continue
    return _normal(data.decode("cp1252", "replace"))


def _known_codec(name: str) -> str:
    codecs.lookup(name)  # LookupError for a name Python does not know
    return "cp1252" if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else name


def _decoded(data: bytes, codec: str, label: str) -> str:
    try:
        return _normal(data.decode(codec))
    except UnicodeDecodeError:
        raise SourceError(f"{label}: the text is not valid {codec.upper()} though it says so") from None


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
