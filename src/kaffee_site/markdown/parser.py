"""The one configured Markdown parser, and `render_body`: Markdown text -> Body.

This is the only module that builds a markdown-it parser. A body is parsed to tokens, the
rules (one module each, each a `plugin(md)` for `md.use`, as markdown-it-py's own plugins are)
rewrite the token stream, never the HTML, and `render_body` returns the HTML plus what later
stages want to know about the text: its summary, the topics it mentions (with the sentence),
the links and images it contains, and the problems found, each with its line.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from kaffee_site.markdown import heading_ids, images, links, mentions, typography, wikilinks
from kaffee_site.markdown.body import Body, LinkContext
from kaffee_site.markdown.tokens import first_paragraph


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    # the core rules run in the order of these lines: ids first (links to '#ausblick' look them
    # up), typography before the mentions (their sentences keep the no-break spaces), the
    # wikilinks before the mentions (a wikilink to a topic can be its first mention)
    md.use(footnote_plugin).use(heading_ids.plugin).use(typography.plugin).use(links.plugin) \
        .use(wikilinks.plugin).use(mentions.plugin).use(images.plugin)
    return md


_PARSER: MarkdownIt | None = None


def parser() -> MarkdownIt:
    global _PARSER  # built once per process: compiling the rule chains is not free
    if _PARSER is None:
        _PARSER = _build_parser()
    return _PARSER


def render_body(text: str, first_line: int, display: str, ctx: LinkContext,
                own_topic: str | None = None) -> Body:
    """Markdown -> Body. `first_line` is the file line of the text's first line."""
    env = {
        "ctx": ctx, "display": display, "first_line": first_line, "own_topic": own_topic,
        "linked": set(), "mentions": [], "links": [], "problems": [], "headings": [], "images": [],
        # looked up once per body: hashing the tuple of all names per paragraph would cost more
        "matcher": mentions.matcher(ctx.topic_names) if ctx.topic_names else None,
    }
    md = parser()
    tokens = md.parse(text, env)
    html = md.renderer.render(tokens, md.options, env)
    utf8, placed = images.placed(html, env["images"])
    return Body(
        utf8=utf8,
        summary=first_paragraph(tokens),
        mentions=tuple(env["mentions"]),
        links=tuple(env["links"]),
        problems=tuple(env["problems"]),
        headings=tuple(env["headings"]),
        images=placed,
    )
