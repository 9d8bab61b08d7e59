"""Images of the content's media/ in a body: each <img> is noted with its place in the HTML, so
the page shows the picture in its sizes and formats there (outputs/pictures.py, images/).

The links rule marks them (token.meta["media"]); their <img> is rendered between two NUL
characters (no rendered text holds one: markdown-it turns every NUL of the source into U+FFFD),
and `placed` takes the NULs out and notes the byte offsets of what they enclosed, so the HTML
is never searched.
"""

from __future__ import annotations

from typing import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from kaffee_site.markdown.body import BodyImage


def plugin(md: MarkdownIt) -> None:
    md.add_render_rule("image", _render_image)


def _render_image(self, tokens: Sequence[Token], idx: int, options, env: dict) -> str:
    html = self.image(tokens, idx, options, env)
    token = tokens[idx]
    src = token.meta.get("media") if token.meta else None
    if src is None or "images" not in env:
        return html
    alt = self.renderInlineAsText(token.children or [], options, env)
    env["images"].append((src, alt, str(token.attrGet("title") or "")))
    return f"\x00{html}\x00"


def placed(html: str, found: list[tuple[str, str, str]]) -> tuple[bytes, tuple[BodyImage, ...]]:
    """The HTML without the marks, as UTF-8, and where each marked image stands in it."""
    if not found:
        return html.encode("utf-8"), ()
    out, images = bytearray(), []
    for index, part in enumerate(html.split("\x00")):
        start = len(out)
        out += part.encode("utf-8")
        if index % 2:
            src, alt, title = found[index // 2]
            images.append(BodyImage(src, alt, title, start, len(out)))
    return bytes(out), tuple(images)
