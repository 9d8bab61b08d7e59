"""Topic mentions: the first time a body names a known topic (its title, an alias or a form, as
a whole word, in any case), the name becomes a link to the topic page, and the mention is
recorded with its sentence (env["mentions"]) for the topic page's "Erwähnt in".

Never inside headings, links, code or alt text, never on the topic's own page. A wikilink to a
topic (a link whose meta names it, see wikilinks.py) counts as its mention where it stands, so
this rule runs after the wikilinks are resolved. All names are matched by one regex shaped as a
trie, so the cost grows with the text, not with the number of topics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Mapping

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from kaffee_site.markdown.body import Mention
from kaffee_site.markdown.tokens import LazyPlain, inline_tokens, link_tokens, plain_of, sentence_at, text_token


def plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("kaffee_mentions", _mention_rule)


def _mention_rule(state: StateCore) -> None:
    env = state.env
    for inline, line, in_heading in inline_tokens(state):
        inline.children = _mention_inline(inline, line, env, None if in_heading else env["matcher"])


def _mention_inline(inline: Token, line: int, env: dict, matcher: _Matcher | None) -> list[Token]:
    plain = LazyPlain(inline)
    out: list[Token] = []
    link_depth = 0
    offset = 0  # position of the current child in `plain`, for finding the mention's sentence
    for child in inline.children or ():
        if child.type == "link_open":
            link_depth += 1
            if child.meta and child.meta.get("topic") is not None:  # a wikilink to a topic
                _mentioned(child.meta["topic"], plain, offset, line, env)
        elif child.type == "link_close":
            link_depth -= 1
        if child.type == "text" and matcher is not None and link_depth == 0:
            out.extend(_mention_tokens(child, matcher, plain, offset, line, env))
        else:
            out.append(child)
        offset += len(plain_of(child))
    return out


def _mentioned(topic: str, plain: LazyPlain, position: int, line: int, env: dict) -> bool:
    """Record the topic's first mention; False if it is no mention (its own page, or seen before)."""
    if topic == env["own_topic"] or topic in env["linked"]:
        return False  # only the first mention per page is linked and recorded (with its sentence)
    env["mentions"].append(Mention(topic, sentence_at(plain, position), line))
    env["linked"].add(topic)
    return True


def _mention_tokens(token: Token, matcher: _Matcher, plain: LazyPlain, offset: int, line: int,
                    env: dict) -> list[Token]:
    text = token.content
    pieces: list[Token] = []
    start = 0
    for match in matcher.finditer(text):
        topic, url = matcher.topics[" ".join(match.group(0).lower().split())]
        if not _mentioned(topic, plain, offset + match.start(), line, env):
            continue
        if match.start() > start:
            pieces.append(text_token(text[start:match.start()]))
        pieces.extend(link_tokens(url, text[match.start():match.end()], css="topic-mention"))
        start = match.end()
    if not pieces:
        return [token]
    if start < len(text):
        pieces.append(text_token(text[start:]))
    return pieces


@dataclass(frozen=True)
class _Matcher:
    pattern: re.Pattern  # over lower-cased text: without IGNORECASE the regex engine skips faster
    folded_pattern: re.Pattern  # IGNORECASE, for the rare text whose length lower() changes
    topics: Mapping[str, tuple[str, str]]  # lower-cased name -> (topic key, url)

    def finditer(self, text: str) -> Iterator[re.Match]:
        lowered = text.lower()
        if len(lowered) == len(text):
            return self.pattern.finditer(lowered)
        return self.folded_pattern.finditer(text)


@lru_cache(maxsize=8)
def matcher(names: tuple[tuple[str, str, str], ...]) -> _Matcher:
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
    found = matcher(names)
    for match in found.finditer(text):
        yield match.start(), match.end(), found.topics[" ".join(match.group(0).lower().split())][0]


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
