"""Typography: no line break inside a number with its unit or a date ('Nr. 4', '16. Mai 2024',
'10 Uhr', '30 %', as DIN 5008 has it), in the text of a body, never in code."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

_MONTHS = ("Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|"
           "January|February|March|May|June|July|October|December")
_UNITS = r"Uhr|%|€|Euro|Prozent|Minuten|Stunden|Tage|km|m|kg|t|ha|Mio\.|Mrd\."
_NO_BREAK = tuple((re.compile(pattern), "\\1\u00a0\\2") for pattern in (
    r"\b(Nr\.|S\.|No\.) (\d)",
    rf"(\d\.?) ((?:{_MONTHS})\b)",
    rf"\b({_MONTHS}) (\d{{4}}\b)",
    rf"(\d) ((?:{_UNITS})(?!\w))",
))
_DIGIT = re.compile(r"\d")  # every pattern above needs one: most text has none, and is left at once


def plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("kaffee_typography", _typography_rule)


def no_break(text: str) -> str:
    if _DIGIT.search(text) is None:
        return text
    for pattern, replacement in _NO_BREAK:
        text = pattern.sub(replacement, text)
    return text


def _typography_rule(state: StateCore) -> None:
    for token in state.tokens:
        if token.type == "inline" and token.children:
            for child in token.children:
                if child.type == "text" and " " in child.content:
                    child.content = no_break(child.content)
