"""The one configured Markdown parser, and the token plugins that link topics and wikilinks.

This is the only module that knows markdown-it. A body is parsed to tokens, the plugins
rewrite the token stream (never the HTML), and `render_body` returns HTML plus everything
later stages want to know about the text: its summary, the topics it mentions (with the
sentence), the links and images it contains, and the problems found, each with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator, Mapping, Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from kaffee_site.errors import Problem
from kaffee_site.text import fold, slugify


@dataclass(frozen=True)
class WikiTarget:
    url: str  # root-relative URL, base path included
    title: str
    topic: str | None = None  # topic key when the target is a topic (counts as its first link)


@dataclass(frozen=True)
class LinkContext:
    """What a body needs to know about the rest of the site to be linked. Small and picklable."""

    base_path: str = "/"
    # (name as written in a title or alias, topic key, topic URL), for mentions
    topic_names: tuple[tuple[str, str, str], ...] = ()
    # folded name -> target, for [[wikilinks]]
    wiki_targets: Mapping[str, WikiTarget] = field(default_factory=dict)


@dataclass(frozen=True)
class Mention:
    """The first mention of a topic in a body (the one that became a link)."""

    topic: str
    sentence: str
    line: int


@dataclass(frozen=True)
class BodyLink:
    target: str  # as the editor wrote it
    line: int
    is_image: bool = False
    alt: str = ""
    external: bool = False  # another site's URL: recorded for images only (their alt text is checked)


@dataclass(frozen=True)
class Heading:
    """A heading of a body that got an id, for a table of contents."""

    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Body:
    # UTF-8, not str: German text is never pure ASCII, so a str of it takes two bytes a character
    # (90 MiB of bodies at 10,000 sessions instead of 45), and the Site holds every body at once
    utf8: bytes
    summary: str  # plain text of the first paragraph
    mentions: tuple[Mention, ...]
    links: tuple[BodyLink, ...]
    problems: tuple[Problem, ...]
    headings: tuple[Heading, ...] = ()

    @property
    def html(self) -> str:
        return self.utf8.decode("utf-8")

    @property
    def outline(self) -> tuple[tuple[Heading, tuple[Heading, ...]], ...]:
        """The headings for a table of contents: the top level, each with the next level below it."""
        if not self.headings:
            return ()
        top = min(h.level for h in self.headings)
        entries: list[tuple[Heading, list[Heading]]] = []
        for heading in self.headings:
            if heading.level == top or not entries:
                entries.append((heading, []))
            elif heading.level == top + 1:
                entries[-1][1].append(heading)
        return tuple((heading, tuple(children)) for heading, children in entries)


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.core.ruler.push("kaffee_heading_ids", _heading_id_rule)
    md.core.ruler.push("kaffee_typography", _typography_rule)  # before links: sentences see the no-break spaces
    md.core.ruler.push("kaffee_links", _link_rule)
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
        "linked": set(), "mentions": [], "links": [], "problems": [], "headings": [],
        # looked up once per body: hashing the tuple of all names per paragraph would cost more
        "matcher": _mention_matcher(ctx.topic_names) if ctx.topic_names else None,
    }
    md = parser()
    tokens = md.parse(text, env)
    html = md.renderer.render(tokens, md.options, env)
    return Body(
        utf8=html.encode("utf-8"),
        summary=_first_paragraph(tokens),
        mentions=tuple(env["mentions"]),
        links=tuple(env["links"]),
        problems=tuple(env["problems"]),
        headings=tuple(env["headings"]),
    )


# --- heading ids ------------------------------------------------------------------------

# Body ids carry a prefix the theme never uses, so a heading called "Themen" or "Main" cannot
# repeat an id of the page around it (which would break aria-labelledby and in-page links).
HEADING_ID_PREFIX = "h-"
HEADING_LEVELS = range(2, 5)


def _heading_id_rule(state) -> None:
    """Give headings of level 2-4 a unique id made from their text; an empty heading gets none."""
    taken: set[str] = set()
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or int(token.tag[1]) not in HEADING_LEVELS:
            continue
        text = " ".join(_plain(tokens[index + 1]).split())
        if not text:
            continue  # '## ' or '### ###': nothing to name, and an id="" is invalid HTML
        stem = HEADING_ID_PREFIX + (slugify(text) or str(len(taken) + 1))  # '## ???' gets a number
        candidate, number = stem, 1
        while candidate in taken:
            number += 1
            candidate = f"{stem}-{number}"
        taken.add(candidate)
        token.attrSet("id", candidate)
        if "headings" in state.env:
            state.env["headings"].append(Heading(int(token.tag[1]), candidate, text))


# --- [[wikilinks]] -------------------------------------------------------------------

_WIKILINK = re.compile(r"\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]+))?\]\]")


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


# --- the core rule: wikilinks, topic mentions, site-relative links -------------------

def _link_rule(state) -> None:
    env = state.env
    if "ctx" not in env:  # parsed outside render_body (e.g. by a theme): leave tokens alone
        return
    in_heading = False
    last_line = 0
    for token in state.tokens:
        if token.map:
            last_line = token.map[0]
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline" and token.children is not None:
            line = env["first_line"] + last_line
            token.children = _link_inline(token, line, env, mention=not in_heading)


def _link_inline(inline: Token, block_line: int, env: dict, mention: bool) -> list[Token]:
    matcher = env["matcher"] if mention else None
    plain = _LazyPlain(inline)
    out: list[Token] = []
    link_depth = 0
    offset = 0  # position of the current child in `plain`, for finding the mention's sentence
    for child in inline.children or ():
        if child.type == "link_open":
            link_depth += 1
            _rewrite_href(child, "href", block_line, env)
        elif child.type == "link_close":
            link_depth -= 1
        elif child.type == "image":
            _rewrite_href(child, "src", block_line, env, alt=child.content)
        if child.type == "wikilink":
            out.extend(_resolve_wikilink(child, inline.content, block_line, env, plain, offset))
        elif child.type == "text" and matcher is not None and link_depth == 0:
            out.extend(_mention_tokens(child, matcher, plain, offset, block_line, env))
        else:
            out.append(child)
        offset += len(_plain_of(child))
    return out


def _resolve_wikilink(token: Token, source: str, block_line: int, env: dict, plain: str,
                      offset: int) -> list[Token]:
    ctx: LinkContext = env["ctx"]
    target_name = token.meta["target"]
    target = ctx.wiki_targets.get(fold(target_name))
    if target is None:
        line = block_line + source[: token.meta["offset"]].count("\n")
        env["problems"].append(Problem(
            env["display"], line, f"unknown link target '{target_name}'",
            _wikilink_hint(target_name, ctx)))
        text = Token("text", "", 0)
        text.content = token.content
        return [text]
    if target.topic is not None and target.topic != env["own_topic"]:
        # an explicit link to a topic is a mention too, and the topic is not linked again
        if target.topic not in env["linked"]:
            env["mentions"].append(Mention(target.topic, _sentence_at(plain, offset), block_line))
            env["linked"].add(target.topic)
    return _link_tokens(target.url, token.meta["label"] or target.title, css="wikilink")


def _wikilink_hint(name: str, ctx: LinkContext) -> str:
    import difflib

    close = difflib.get_close_matches(fold(name), list(ctx.wiki_targets), n=1, cutoff=0.75)
    if close:
        return f"did you mean '{ctx.wiki_targets[close[0]].title}'?"
    return "a wikilink names a topic (title or alias), a session (slug or title) or a page"


def _link_tokens(href: str, label: str, css: str) -> list[Token]:
    opening = Token("link_open", "a", 1)
    opening.attrs = {"href": href, "class": css}
    text = Token("text", "", 0)
    text.content = label
    return [opening, text, Token("link_close", "a", -1)]


def _rewrite_href(token: Token, attr: str, line: int, env: dict, alt: str = "") -> None:
    """Site paths ('/sitzungen/x/', 'media/a.png') get the base path; all are recorded for checks."""
    href = str(token.attrs.get(attr, ""))
    external = href.startswith("//") or bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href))
    if href.startswith("#") and attr == "href":
        # '[oben](#unterlagen)' names the heading as the editor sees it: point it at its prefixed id
        ids = {h.id for h in env["headings"]}
        if href[1:] not in ids and HEADING_ID_PREFIX + href[1:] in ids:
            token.attrs[attr] = "#" + HEADING_ID_PREFIX + href[1:]
        return
    if not href or href.startswith("#") or (external and attr != "src"):
        return
    env["links"].append(BodyLink(href, line, is_image=attr == "src", alt=alt, external=external))
    if external:
        return
    base = env["ctx"].base_path
    if href.startswith("/"):
        token.attrs[attr] = base + href.lstrip("/")
    elif href.startswith("media/"):
        token.attrs[attr] = base + href


def _mention_tokens(token: Token, matcher: "_Matcher", plain: "_LazyPlain", offset: int, line: int,
                    env: dict) -> list[Token]:
    text = token.content
    pieces: list[Token] = []
    start = 0
    for match in matcher.finditer(text):
        topic, url = matcher.topics[" ".join(match.group(0).lower().split())]
        if topic == env["own_topic"]:
            continue
        if topic in env["linked"]:
            continue  # only the first mention per page is linked and recorded (with its sentence)
        env["mentions"].append(Mention(topic, _sentence_at(plain, offset + match.start()), line))
        env["linked"].add(topic)
        if match.start() > start:
            pieces.append(_text(text[start:match.start()]))
        pieces.extend(_link_tokens(url, text[match.start():match.end()], css="topic-mention"))
        start = match.end()
    if not pieces:
        return [token]
    if start < len(text):
        pieces.append(_text(text[start:]))
    return pieces


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


@dataclass(frozen=True)
class _Matcher:
    pattern: re.Pattern  # over lower-cased text: without IGNORECASE the regex engine skips faster
    folded_pattern: re.Pattern  # IGNORECASE, for the rare text whose length lower() changes
    topics: Mapping[str, tuple[str, str]]  # lower-cased name -> (topic key, url)

    def finditer(self, text: str):
        lowered = text.lower()
        if len(lowered) == len(text):
            return self.pattern.finditer(lowered)
        return self.folded_pattern.finditer(text)


@lru_cache(maxsize=8)
def _mention_matcher(names: tuple[tuple[str, str, str], ...]) -> _Matcher:
    """One regex for all titles and aliases, shaped as a trie so it stays fast with many names."""
    topics: dict[str, tuple[str, str]] = {}
    for name, key, url in names:
        normal = " ".join(name.lower().split())
        if normal:
            topics.setdefault(normal, (key, url))
    trie: dict = {}
    for word in topics:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    pattern = r"(?<!\w)" + _trie_regex(trie) + r"(?!\w)"
    return _Matcher(re.compile(pattern), re.compile(pattern, re.IGNORECASE), topics)


def topic_mentions(text: str, names: tuple[tuple[str, str, str], ...]) -> Iterator[tuple[int, int, str]]:
    """(start, end, topic key) of every topic name in plain `text`, found as bodies find their
    mentions; `names` as in LinkContext.topic_names. `import` proposes topics with it."""
    matcher = _mention_matcher(names)
    for match in matcher.finditer(text):
        yield match.start(), match.end(), matcher.topics[" ".join(match.group(0).lower().split())][0]


def _trie_regex(node: dict) -> str:
    optional = "" in node
    branches = [(r"\s+" if char == " " else re.escape(char)) + _trie_regex(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if optional:
        return "(?:" + body + ")?"
    return body


# --- typography ---------------------------------------------------------------------------

_MONTHS = ("Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|"
           "January|February|March|May|June|July|October|December")
_UNITS = r"Uhr|%|€|Euro|Prozent|Minuten|Stunden|Tage|km|m|kg|t|ha|Mio\.|Mrd\."
# Spaces that must not break a line: 'Nr. 4', '16. Mai 2024', '10 Uhr', '30 %' (DIN 5008 usage).
_NO_BREAK = tuple((re.compile(pattern), "\\1\u00a0\\2") for pattern in (
    r"\b(Nr\.|S\.|No\.) (\d)",
    rf"(\d\.?) ((?:{_MONTHS})\b)",
    rf"\b({_MONTHS}) (\d{{4}}\b)",
    rf"(\d) ((?:{_UNITS})(?!\w))",
))


_DIGIT = re.compile(r"\d")  # every pattern above needs one: most text has none, and is left at once


def _no_break(text: str) -> str:
    if _DIGIT.search(text) is None:
        return text
    for pattern, replacement in _NO_BREAK:
        text = pattern.sub(replacement, text)
    return text


def _typography_rule(state) -> None:
    """No line break inside numbers with their unit or a date, in the text of a body (never in code)."""
    for token in state.tokens:
        if token.type == "inline" and token.children:
            for child in token.children:
                if child.type == "text" and " " in child.content:
                    child.content = _no_break(child.content)


# --- plain text and sentences -----------------------------------------------------------

def _plain_of(token: Token) -> str:
    if token.type in ("text", "code_inline"):
        return token.content
    if token.type in ("softbreak", "hardbreak"):
        return " "
    if token.type == "image":
        return ""
    if token.type == "wikilink":
        return token.meta["label"] or token.meta["title"]
    return ""


class _LazyPlain:
    """The plain text of an inline token, computed only if a sentence is needed."""

    def __init__(self, inline: Token):
        self._inline, self._text = inline, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = _plain(self._inline)
        return self._text


def _plain(inline: Token) -> str:
    return "".join(_plain_of(child) for child in inline.children or ())


# Breakable spaces only: '12.\u00a0Dezember' (typography above) is no sentence end.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[»«\"”)]*[ \t\r\n]+(?=[A-ZÄÖÜ»„\"(0-9])")
_SPACES = re.compile(r"[ \t\r\n]+")


def _squeeze(text: str) -> str:
    """Runs of breakable whitespace to one space; no-break spaces stay."""
    return _SPACES.sub(" ", text).strip(" ")


def _sentence_at(text, position: int) -> str:
    """The sentence of `text` that contains `position` (abbreviations like 'z.B. der' stay whole)."""
    text = str(text)
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        if boundary.end() > position:
            return _squeeze(text[start:boundary.start()])
        start = boundary.end()
    return _squeeze(text[start:])


def _first_paragraph(tokens: Sequence[Token]) -> str:
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            return " ".join(_plain(tokens[index + 1]).split())
    return ""
