"""Wikilinks: `[[Verstetigung]]` or `[[Verstetigung|dieses Thema]]` link to a topic (title or
alias), a session (slug or title) or a page (slug or title), looked up in the LinkContext.

An inline rule reads them; a core rule resolves them into links once the body's lines are known
(an unknown target is a problem at its line, with a "did you mean", and stays as written). A
link to a topic carries the topic in its meta, for mentions.py: it counts as a mention.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from kaffee_site.errors import Problem
from kaffee_site.markdown.body import LinkContext
from kaffee_site.markdown.tokens import inline_tokens, link_tokens
from kaffee_site.text import fold

_WIKILINK = re.compile(r"\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]+))?\]\]")


def plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.core.ruler.push("kaffee_wikilinks", _resolve_rule)
    md.add_render_rule("wikilink", _render_unresolved)


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    match = _WIKILINK.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        target = match.group(1).strip()
        known = state.env["ctx"].wiki_targets.get(fold(target)) if "ctx" in state.env else None
        token.meta = {"target": target, "label": (match.group(2) or "").strip(), "offset": state.pos,
                      "title": known.title if known else target}
        token.content = match.group(0)
    state.pos = match.end()
    return True


def _render_unresolved(self, tokens: list[Token], index: int, options, env) -> str:
    """A wikilink that names nothing is shown as the editor wrote it (its problem fails the build)."""
    return escapeHtml(tokens[index].content)


def _resolve_rule(state: StateCore) -> None:
    env = state.env
    for inline, line, _ in inline_tokens(state):
        children = inline.children or []
        if any(child.type == "wikilink" for child in children):
            lines = _Lines(inline.content, line)
            inline.children = [resolved for child in children for resolved in
                               (_resolve(child, lines, env) if child.type == "wikilink" else (child,))]


class _Lines:
    """The file line of an offset in a paragraph's source; its line breaks found once, on the
    first unknown target (not a scan of the paragraph for each)."""

    def __init__(self, source: str, first: int):
        self.source, self.first = source, first
        self._breaks: list[int] | None = None

    def of(self, offset: int) -> int:
        if self._breaks is None:
            self._breaks = [index for index, char in enumerate(self.source) if char == "\n"]
        return self.first + bisect_left(self._breaks, offset)


# Unknown targets of one body that get a "did you mean" (each looks through every target);
# the rest get the general hint, so a body of unknown wikilinks costs what its length does.
SUGGESTIONS = 20


def _resolve(token: Token, lines: _Lines, env: dict) -> list[Token]:
    ctx: LinkContext = env["ctx"]
    target_name = token.meta["target"]
    target = ctx.wiki_targets.get(fold(target_name))
    if target is None:
        suggest = env.setdefault("suggestions", SUGGESTIONS) > 0
        env["suggestions"] -= suggest
        env["problems"].append(Problem(env["display"], lines.of(token.meta["offset"]),
                                       f"unknown link target '{target_name}'", _hint(target_name, ctx, suggest)))
        return [token]
    meta = {"topic": target.topic} if target.topic is not None else None
    return link_tokens(target.url, token.meta["label"] or target.title, css="wikilink", meta=meta)


def _hint(name: str, ctx: LinkContext, suggest: bool = True) -> str:
    close = difflib.get_close_matches(fold(name), list(ctx.wiki_targets), n=1, cutoff=0.75) if suggest else ()
    if close:
        return f"did you mean '{ctx.wiki_targets[close[0]].title}'?"
    return "a wikilink names a topic (title or alias), a session (slug or title) or a page"
