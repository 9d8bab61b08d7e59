"""The main text trafilatura found (its small XML vocabulary) written as Markdown blocks.

trafilatura reduces any page to `head`, `p`, `list`/`item`, `quote`, `table`/`row`/`cell`,
`code`, `hi` (emphasis), `ref` (links), `lb` (line breaks) and `graphic`. Writing Markdown from
that here, rather than taking trafilatura's own Markdown, keeps block quotes as quotes, escapes
the page's text, and lets us decide which links survive: http(s) and mailto only, made
absolute against the page's address; `javascript:` and the like become plain text.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from kaffee_site.importer.document import Block, escape, escape_start, one_line

_EMPHASIS = {"#b": "**", "#strong": "**", "#i": "*", "#em": "*", "#t": "`", "#del": "~~", "#s": "~~"}


def blocks_of(body: Any, base_url: str | None) -> list[Block]:
    """Markdown blocks of trafilatura's body element, in order."""
    writer = _Writer(base_url)
    writer.children(body)
    return writer.blocks


class _Writer:
    def __init__(self, base_url: str | None):
        self.base_url = base_url
        self.blocks: list[Block] = []

    def children(self, element: Any) -> None:
        if element.text and element.text.strip():
            self._paragraph_text(escape(one_line(element.text)), one_line(element.text))
        for child in element:
            self.block(child)
            if child.tail and child.tail.strip():
                self._paragraph_text(escape(one_line(child.tail)), one_line(child.tail))

    def block(self, element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "head":
            md, plain = self.inline_content(element)
            if plain.strip():
                level = _level(element.get("rend"))
                self.blocks.append(Block("heading", "#" * level + " " + md.replace("\n", " ").strip(), plain.strip()))
        elif tag == "p":
            md, plain = self.inline_content(element)
            self._paragraph_text(md, plain)
        elif tag == "list":
            lines, plain = self.list_lines(element, 0)
            if lines:
                self.blocks.append(Block("list", "\n".join(lines), plain))
        elif tag == "quote":
            self.quote(element)
        elif tag == "table":
            self.table(element)
        elif tag == "code":
            text = "".join(element.itertext()).strip("\n")
            if text.strip():
                fence = "~~~~" if "```" in text else "```"
                self.blocks.append(Block("code", f"{fence}\n{text}\n{fence}", ""))
        elif tag == "graphic":
            if element.text and element.text.strip():
                self._paragraph_text(escape(one_line(element.text)), one_line(element.text))
        elif tag == "lb":
            return
        else:  # div, section, ...: their content
            self.children(element)

    def _paragraph_text(self, md: str, plain: str) -> None:
        md, plain = re.sub(r"(?<=\S)  +(?=\S)", " ", md.strip()), one_line(plain)
        if plain:
            self.blocks.append(Block("paragraph", escape_start(md), plain))

    def quote(self, element: Any) -> None:
        inner = _Writer(self.base_url)
        inner.children(element)
        if not inner.blocks:
            return
        lines = []
        for index, block in enumerate(inner.blocks):
            if index:
                lines.append(">")
            lines.extend(f"> {line}" if line else ">" for line in block.markdown.split("\n"))
        self.blocks.append(Block("quote", "\n".join(lines), " ".join(b.plain for b in inner.blocks)))

    def list_lines(self, element: Any, depth: int) -> tuple[list[str], str]:
        ordered = (element.get("rend") or "").lower() in ("ol", "ordered")
        lines: list[str] = []
        plains: list[str] = []
        number = 0
        for item in element:
            if item.tag != "item":
                continue
            number += 1
            marker = f"{number}. " if ordered else "- "
            indent = "   " * depth if ordered else "  " * depth
            md, plain = self.inline_content(item, skip=("list",))
            if plain.strip():
                lines.append(indent + marker + escape_start(md.replace("\n", " ").strip()))
                plains.append(plain.strip())
            for nested in item:
                if nested.tag == "list":
                    more, more_plain = self.list_lines(nested, depth + 1)
                    lines.extend(more)
                    plains.append(more_plain)
        return lines, " ".join(p for p in plains if p)

    def table(self, element: Any) -> None:
        rows = []
        for row in element.iter("row"):
            cells = [one_line(self.inline_content(cell)[0]).replace("|", "\\|") for cell in row if cell.tag == "cell"]
            if cells:
                rows.append(cells)
        if not rows:
            return
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        plain = " ".join(one_line(" ".join(element.itertext())).split())
        self.blocks.append(Block("table", "\n".join(lines), plain))

    def inline_content(self, element: Any, skip: tuple[str, ...] = ()) -> tuple[str, str]:
        """(Markdown, plain text) of an element's inline content."""
        md: list[str] = [escape(_squash(element.text or ""))]
        plain: list[str] = [element.text or ""]
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in skip:
                pass
            elif tag == "lb":
                md.append("\\\n")
                plain.append("\n")
            elif tag == "hi":
                inner_md, inner_plain = self.inline_content(child)
                mark = _EMPHASIS.get((child.get("rend") or "").lower(), "")
                md.append(_wrap(inner_md, mark))
                plain.append(inner_plain)
            elif tag == "ref":
                inner_md, inner_plain = self.inline_content(child)
                md.append(self._link(inner_md, child.get("target")))
                plain.append(inner_plain)
            elif tag == "graphic":  # no picture in the text; trafilatura may have put words inside it
                md.append(escape(_squash(child.text or "")))
                plain.append(child.text or "")
            else:
                inner_md, inner_plain = self.inline_content(child)
                md.append(inner_md)
                plain.append(inner_plain)
            md.append(escape(_squash(child.tail or "")))
            plain.append(child.tail or "")
        return "".join(md), "".join(plain)

    def _link(self, label: str, target: str | None) -> str:
        url = safe_link(target, self.base_url)
        if not label.strip():
            return ""
        return f"[{label.strip()}](<{url}>)" if url and (" " in url or ")" in url) else \
            f"[{label.strip()}]({url})" if url else label


def safe_link(target: str | None, base_url: str | None) -> str | None:
    """An absolute http(s) or mailto address, or None (a script, a relative link of a saved file)."""
    if not target:
        return None
    target = target.strip()
    if "\n" in target or "<" in target or ">" in target:
        return None
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("http", "https", "mailto"):
        return target
    if scheme or not base_url:
        return None
    joined = urljoin(base_url, target)
    return joined if urlsplit(joined).scheme in ("http", "https") else None


def _wrap(md: str, mark: str) -> str:
    """Emphasis around the words, its spaces outside (CommonMark needs the marks touching text)."""
    if not mark or not md.strip():
        return md
    stripped = md.strip()
    lead = md[: len(md) - len(md.lstrip())]
    trail = md[len(md.rstrip()):]
    return f"{lead}{mark}{stripped}{mark}{trail}"


def _squash(text: str) -> str:
    """Runs of whitespace (the page's source layout) as one space."""
    if not text:
        return ""
    core = " ".join(text.split())
    if not core:
        return " "
    return (" " if text[0].isspace() else "") + core + (" " if text[-1].isspace() else "")


def _level(rend: str | None) -> int:
    if rend and len(rend) == 2 and rend[0].lower() == "h" and rend[1].isdigit():
        return min(6, max(1, int(rend[1])))
    return 2
