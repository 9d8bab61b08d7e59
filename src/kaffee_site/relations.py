"""Relations between sessions and topics (part of the link stage), from inverted indexes.

Related sessions share topics (a rare topic says more than a common one, so topics are
weighted by inverse frequency) and speakers. Candidates come from the index of each
topic and speaker, never from comparing all pairs, so the work grows with the links, not N².
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Sequence

from kaffee_site.model import Session

MAX_RELATED = 5
SPEAKER_WEIGHT = 1.0


def related_sessions(sessions: Sequence[Session], limit: int = MAX_RELATED) -> list[Session]:
    by_topic: dict[str, list[int]] = defaultdict(list)
    by_speaker: dict[str, list[int]] = defaultdict(list)
    for index, session in enumerate(sessions):
        for topic in session.topics:
            by_topic[topic].append(index)
        for person in {s.person for s in session.speakers}:
            by_speaker[person].append(index)
    total = max(len(sessions), 1)
    weight = {topic: math.log(1 + total / len(members)) for topic, members in by_topic.items()}
    result = []
    for index, session in enumerate(sessions):
        scores: dict[int, float] = defaultdict(float)
        for topic in session.topics:
            for other in by_topic[topic]:
                scores[other] += weight[topic]
        for person in {s.person for s in session.speakers}:
            for other in by_speaker[person]:
                scores[other] += SPEAKER_WEIGHT
        scores.pop(index, None)
        # ties: the closer in time first, then the newer, then by slug, so the order is stable
        ranked = sorted(scores, key=lambda o: (-round(scores[o], 9),
                                               abs((sessions[o].date - session.date).days),
                                               -sessions[o].date.toordinal(), sessions[o].slug))
        result.append(replace(session, related=tuple(sessions[o].slug for o in ranked[:limit])))
    return result


def co_occurring_topics(sessions: Sequence[Session]) -> dict[str, tuple[tuple[str, int], ...]]:
    """topic -> ((other topic, sessions carrying both), ...), most shared first."""
    pairs: dict[str, Counter] = defaultdict(Counter)
    for session in sessions:
        for topic in session.topics:
            for other in session.topics:
                if other != topic:
                    pairs[topic][other] += 1
    return {topic: tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) for topic, counts in pairs.items()}
