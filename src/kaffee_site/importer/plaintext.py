"""Pasted text and Markdown files read into a Document: paragraphs and headings from the shape.

Text copied from a web page has one paragraph per line and blank lines between sections; text
from an e-mail is often wrapped at some 72 characters. So: a block of lines that mostly end
mid-sentence is one wrapped paragraph; otherwise every line that ends a sentence ends a
paragraph. A short single line without closing punctuation, followed by more text, is a
heading; lines starting with '-', '•' or '1.' are lists. The first line is the title when it
looks like one ('Programm | 4. Smarter Kaffee'), and a line right after it that describes a
picture ('Foto: …', 'Grafische Darstellung …') becomes the picture's alt text.

A Markdown file keeps its own markup: its first '# ' heading is the title and a picture alone
in a paragraph right after it is the report's picture.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kaffee_site.content.load import parse_yaml
from kaffee_site.errors import KaffeeError
from kaffee_site.importer.document import (Block, Document, MetaDate, Picture, escape, escape_start, one_line,
                                           same_text, shift_headings)
from kaffee_site.importer.sources import Source

_TERMINAL = re.compile(r"[.!?:…;][\"'»«“”’)\]]*$|[.!?…][\"'»«“”’)\]]+$")
_BULLET = re.compile(r"^\s*([-*•–·▪◦])\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_PICTURE_WORDS = re.compile(
    r"\b(?:Darstellung|Foto\w*|Bild|Bildbeschreibung|Grafik|Illustration|Abbildung|Zeichnung|Symbolbild|"
    r"Screenshot|Aufnahme|Image|Photo\w*|Picture|Drawing|Graphic|Illustrated|Shows?)\b", re.IGNORECASE)
_PICTURE_LABEL = re.compile(r"^(?:Bild|Foto|Abbildung|Grafik|Bildbeschreibung|Image|Photo|Picture|"
                            r"Alt(?:-?Text)?|Beschreibung)\s*:\s*", re.IGNORECASE)
_MD_IMAGE = re.compile(r"^!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def read_text(source: Source) -> Document:
    blocks = _raw_blocks(source.text)
    title = quote = None
    if blocks and _looks_like_title(blocks[0]):
        title = quote = one_line(blocks[0][0])
        blocks = blocks[1:]
    picture = None
    if blocks and len(blocks[0]) == 1 and _describes_picture(blocks[0][0]):
        described = one_line(blocks[0][0])
        picture = Picture(_alt_of(described), f"the source's picture description \"{described}\"")
        blocks = blocks[1:]
    out: list[Block] = []
    for index, lines in enumerate(blocks):
        out.extend(_text_blocks(lines, is_last=index == len(blocks) - 1))
    return Document(title, f"the first line \"{quote}\"" if quote else None, tuple(out), picture=picture)


def read_markdown(source: Source) -> Document:
    meta, text = _front_matter(source)
    blocks = [_markdown_block("\n".join(lines)) for lines in _raw_blocks(text, keep_fences=True)]
    title = quote = None
    if isinstance(meta.get("title"), str) and meta["title"].strip():
        title, quote = one_line(meta["title"]), one_line(meta["title"])
    where = "the front matter's title" if title else "the first heading"
    if blocks and blocks[0].kind == "heading" and blocks[0].markdown.startswith("# ") \
            and (title is None or same_text(title, blocks[0].plain)):
        title = quote = title or blocks[0].plain
        blocks = blocks[1:]
    picture = None
    if blocks:
        match = _MD_IMAGE.match(blocks[0].markdown.strip())
        if match:
            picture = _markdown_picture(match.group(1), match.group(2), source)
            blocks = blocks[1:] if picture else blocks
    day = meta.get("date")
    dates = (MetaDate("event", day[:10], f"the file's front matter: date \"{one_line(day)[:40]}\""),) \
        if isinstance(day, str) and _ISO_DAY.match(day) else ()
    return Document(title, f"{where} \"{quote}\"" if quote else None, tuple(shift_headings(blocks)),
                    picture=picture, dates=dates)


def _front_matter(source: Source) -> tuple[dict, str]:
    """A Markdown file from another generator (Jekyll, Hugo, …) may start with YAML front matter:
    its title and date are read, the rest of it is left behind. Read with the build's own hardened
    YAML loading (limits on size, depth, aliases)."""
    lines = source.text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}, source.text
    closing = next((i for i, line in enumerate(lines[1:200], 1) if line.rstrip() in ("---", "...")), None)
    if closing is None:
        return {}, source.text
    try:
        data, _ = parse_yaml("\n".join(lines[1:closing]), source.label, 2)
    except KaffeeError:
        data = None
    return (data if isinstance(data, dict) else {}), "\n".join(lines[closing + 1:])


def _raw_blocks(text: str, keep_fences: bool = False) -> list[list[str]]:
    """Lines grouped by blank lines (a fenced code block stays whole in Markdown)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        line = line.rstrip().replace("\t", "    ")
        if keep_fences and re.match(r"^\s*(```|~~~)", line):
            mark = line.strip()[:3]
            fence = None if fence == mark else (fence or mark)
        if not line.strip() and fence is None:
            if current:
                blocks.append(current)
                current = []
            continue
        current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _looks_like_title(lines: list[str]) -> bool:
    line = one_line(lines[0])
    return len(lines) == 1 and 0 < len(line) <= 160 and (" | " in line or not _TERMINAL.search(line))


def _describes_picture(line: str) -> bool:
    first_words = " ".join(line.split()[:10])
    return len(line) <= 600 and (_PICTURE_LABEL.match(line) is not None or _PICTURE_WORDS.search(first_words) is not None)


def _alt_of(line: str) -> str:
    """'Smarter Kaffee: Grafische Darstellung …' -> 'Grafische Darstellung …' (the caption's name dropped)."""
    label = _PICTURE_LABEL.match(line)
    if label:
        return line[label.end():].strip()
    name, sep, rest = line.partition(": ")
    if sep and len(name.split()) <= 4 and _PICTURE_WORDS.search(" ".join(rest.split()[:6])):
        return rest.strip()
    return line


def _text_blocks(lines: list[str], is_last: bool) -> list[Block]:
    if len(lines) == 2 and _SETEXT.match(lines[1]):
        return [_heading(lines[0], 2 if lines[1].startswith("=") else 3)]
    if len(lines) == 1 and not is_last and _looks_like_heading(lines[0]):
        return [_heading(lines[0], 2)]
    out: list[Block] = []
    items: list[tuple[str, str]] = []  # (marker, text) of the list being collected
    wrapped = _is_wrapped(lines)
    paragraph: list[str] = []

    def flush_paragraph() -> None:
        if paragraph:
            text = one_line(" ".join(paragraph))
            out.append(Block("paragraph", escape_start(escape(text)), text))
            paragraph.clear()

    def flush_list() -> None:
        if items:
            ordered = len(items) > 1 and all(m[0].isdigit() for m, _ in items)
            md = "\n".join((f"{n}. " if ordered else "- ") + escape_start(escape(t))
                           for n, (_, t) in enumerate(items, 1))
            out.append(Block("list", md, " ".join(t for _, t in items)))
            items.clear()

    numbered = [_NUMBERED.match(line) for line in lines]
    for index, line in enumerate(lines):
        bullet = _BULLET.match(line)
        number = numbered[index] if _in_numbered_run(numbered, index) else None
        if bullet or number:
            flush_paragraph()
            items.append((bullet.group(1), bullet.group(2)) if bullet else (number.group(1), number.group(2)))
            continue
        if items and line.startswith("  "):  # an item's wrapped continuation
            items[-1] = (items[-1][0], one_line(items[-1][1] + " " + line))
            continue
        flush_list()
        paragraph.append(line.strip())
        if not wrapped and _TERMINAL.search(line.strip()):
            flush_paragraph()
    flush_paragraph()
    flush_list()
    return out


def _in_numbered_run(numbered: list, index: int) -> bool:
    """'1.' starts a list item only next to another numbered line: a lone '4. Smarter Kaffee' is text."""
    return numbered[index] is not None and (
        (index > 0 and numbered[index - 1] is not None) or (index + 1 < len(numbered) and numbered[index + 1] is not None))


def _is_wrapped(lines: list[str]) -> bool:
    """Most lines (but the last) end mid-sentence: the text was wrapped, one paragraph over many lines."""
    inner = [line for line in lines[:-1] if not _BULLET.match(line)]
    if len(inner) < 2:
        return bool(inner) and not _TERMINAL.search(inner[0].strip())
    open_ended = sum(1 for line in inner if not _TERMINAL.search(line.strip()))
    return open_ended * 2 >= len(inner)


def _looks_like_heading(line: str) -> bool:
    text = one_line(line)
    return (0 < len(text) <= 80 and len(text.split()) <= 12 and not re.search(r"[.!?,;:…]$", text)
            and (text[0].isupper() or text[0].isdigit()) and not _BULLET.match(line))


def _heading(line: str, level: int) -> Block:
    text = one_line(line.lstrip("#").strip())
    return Block("heading", "#" * level + " " + escape(text), text)


def _markdown_block(markdown: str) -> Block:
    first = markdown.lstrip()
    if re.match(r"^#{1,6}\s", first):
        return Block("heading", one_line(markdown), _plain(first.lstrip("#")))
    lines = markdown.split("\n")
    if len(lines) == 2 and _SETEXT.match(lines[1]) and lines[0].strip():
        return Block("heading", ("# " if lines[1].startswith("=") else "## ") + lines[0].strip(), _plain(lines[0]))
    if re.match(r"^(```|~~~)", first):
        return Block("code", markdown, "")
    kind = "list" if (_BULLET.match(first) or _NUMBERED.match(first)) else \
        "quote" if first.startswith(">") else "table" if first.startswith("|") else "paragraph"
    return Block(kind, markdown, _plain(markdown))


def _plain(markdown: str) -> str:
    """The words of some Markdown, near enough for reading facts: links' labels, no marks."""
    text = re.sub(r"\[\[[^\[\]|]*(?:\|([^\[\]]*))?\]\]", lambda m: m.group(1) or "", markdown)  # [[target|label]]
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s*(?:[>#]+|[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__|\*|`|~~)", "", text)
    text = re.sub(r"\\(.)", r"\1", text)
    return one_line(text)


def _markdown_picture(alt: str, src: str, source: Source) -> Picture | None:
    described = one_line(alt)
    quote = f"the picture's alt text \"{described}\"" if described else None
    scheme = urlsplit(src).scheme.lower()
    if scheme in ("http", "https"):
        return Picture(described or None, quote, url=src)
    if scheme or source.folder is None:
        return None
    folder = source.folder.resolve()
    path = (folder / unquote(src)).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    return Picture(described or None, quote, path=Path(path))
