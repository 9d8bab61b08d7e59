"""Which of the archive's topics a report is about: its topic names counted in the text.

Names are found exactly as the build finds topic mentions (the same matcher from the Markdown
stage: titles, aliases and forms, whole words, case and spacing ignored), so what the import
proposes is what the report's page will link. The strongest few win: at most three, each
named at least twice, or once in a short text where nothing is named twice.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from kaffee_site.importer.sentences import Sentence
from kaffee_site.markdown.mentions import topic_mentions

MOST = 3
SHORT_TEXT_WORDS = 250


@dataclass(frozen=True)
class TopicFact:
    title: str  # as the topic's file writes it
    count: int
    written: tuple[str, ...]  # the forms the text uses, first ones first


def strongest_topics(names: list[tuple[str, str]], sentences: list[Sentence], title: str | None,
                     skip: frozenset[int] = frozenset()) -> list[TopicFact]:
    """`names` are (name, topic title) pairs; sentences whose index is in `skip` (the next
    session's announcement) do not count. A mention in the title counts twice."""
    if not names:
        return []
    table = tuple((name, topic, "") for name, topic in names)
    counts: Counter[str] = Counter()  # how often the text names it
    scores: Counter[str] = Counter()  # the same, a mention in the title counting twice
    first: dict[str, int] = {}
    written: dict[str, list[str]] = {}
    counted = [s for s in sentences if s.index not in skip]
    # one pass over the whole text (the matcher is built for that); '¶' is neither a letter nor a
    # space, so no name is found across two sentences
    body = "¶".join(s.text for s in counted)
    starts = [0]
    for sentence in counted[:-1]:
        starts.append(starts[-1] + len(sentence.text) + 1)
    words = sum(len(s.text.split()) for s in sentences)
    for text, weight in ((title or "", 2), (body, 1)):
        for start, end, topic in topic_mentions(text, table):
            counts[topic] += 1
            scores[topic] += weight
            first.setdefault(topic, -1 if weight == 2 else bisect_right(starts, start))
            form = " ".join(text[start:end].split())
            forms = written.setdefault(topic, [])
            if form not in forms:
                forms.append(form)
    ranked = sorted(scores, key=lambda t: (-scores[t], first[t], t))
    least = 2 if any(scores[t] >= 2 for t in ranked) or words > SHORT_TEXT_WORDS else 1
    return [TopicFact(t, counts[t], tuple(written[t])) for t in ranked if scores[t] >= least][:MOST]


def topics_named(names: list[tuple[str, str]], text: str) -> list[str]:
    """Topic titles named in `text`, in the order they first appear."""
    if not names:
        return []
    found: list[str] = []
    for _, _, topic in topic_mentions(text, tuple((name, topic, "") for name, topic in names)):
        if topic not in found:
            found.append(topic)
    return found
