"""Relations between sessions and topics (part of the link stage), from inverted indexes.

Related sessions share topics (a rare topic says more than a common one, so topics are
weighted by inverse frequency) and speakers. Ranking: score, then closeness in time, then
the newer, then the slug, so the order never depends on input order.

Each topic and speaker keeps the set of its sessions as a bitmask (a Python int, bit i =
the i-th session, newest first). For one session, the sessions sharing something with it
are split by *which* of its topics and speakers they share, with a few big-int ANDs; every
part has a single score. Only the best parts are opened, and in a part only the sessions
nearest in time, found by bit position. So the work per session grows with the number of
its topics and speakers, not with the size of the archive: no all-pairs comparison, and no
walk over every member of a common topic.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Sequence

from kaffee_site.model import Session

MAX_RELATED = 5
SPEAKER_WEIGHT = 1.0
PAIRED_TOPICS = 30  # the topics of one session that count as related to each other: its first 30
MAX_RELATED_TOPICS = 12  # related topics a topic keeps (its page lists them, the topic map draws them)


def feature_weights(sessions: Sequence[Session]) -> tuple[dict[str, int], dict[str, float]]:
    """Bitmask and weight of every topic ('t:slug') and speaker ('p:slug')."""
    masks: dict[str, int] = defaultdict(int)
    for index, session in enumerate(sessions):
        for feature in _features(session):
            masks[feature] |= 1 << index
    total = max(len(sessions), 1)
    weights = {f: (SPEAKER_WEIGHT if f.startswith("p:") else math.log(1 + total / m.bit_count()))
               for f, m in masks.items()}
    return dict(masks), weights


def _features(session: Session) -> set[str]:
    return {f"t:{t}" for t in session.topics} | {f"p:{s.person}" for s in session.speakers}


def related_inputs(sessions: Sequence[Session], limit: int = MAX_RELATED) -> str:
    """Everything related_sessions reads, as text: the same text, the same relations (so a
    cached build whose edits touched no date, topic or speaker need not rank them again)."""
    return "\x1e".join(f"{s.slug}\x1f{s.date.toordinal()}\x1f{','.join(s.topics)}\x1f"
                        f"{','.join(speaker.person for speaker in s.speakers)}" for s in sessions) + f"\x1d{limit}"


def related_sessions(sessions: Sequence[Session], limit: int = MAX_RELATED) -> list[Session]:
    """Each session with up to `limit` related ones. `sessions` must be newest first."""
    masks, weights = feature_weights(sessions)
    return [replace(s, related=tuple(sessions[o].slug for o in _related(i, sessions, masks, weights, limit)))
            for i, s in enumerate(sessions)]


def _related(index: int, sessions: Sequence[Session], masks: dict[str, int], weights: dict[str, float],
             limit: int) -> list[int]:
    features = sorted(_features(sessions[index]), key=lambda f: (-weights[f], f))
    union = 0
    for feature in features:
        union |= masks[feature]
    union &= ~(1 << index)
    levels = _best_levels(union, features, masks, weights, limit)
    chosen: list[int] = []
    me = sessions[index]
    for score in sorted(levels, reverse=True):
        need = limit - len(chosen)
        nearest = _nearest(levels[score], index, need, sessions)
        nearest.sort(key=lambda o: (abs((sessions[o].date - me.date).days), -sessions[o].date.toordinal(),
                                    sessions[o].slug))
        chosen.extend(nearest[:need])
        if len(chosen) >= limit:
            break
    return chosen


def _best_levels(union: int, features: list[str], masks: dict[str, int], weights: dict[str, float],
                 limit: int) -> dict[float, int]:
    """score -> sessions with exactly that score, for the best scores holding `limit` sessions.

    Splits `union` by which features each session shares, rarest feature first, sharing
    before not sharing, and skips every part that cannot reach the score of the `limit`-th
    best session found so far (parts that could tie are kept: ties are decided by date).
    """
    remaining = [0.0] * (len(features) + 1)  # the most a part can still gain from features[i:]
    for i in range(len(features) - 1, -1, -1):
        remaining[i] = remaining[i + 1] + weights[features[i]]
    levels: dict[float, int] = defaultdict(int)
    floor = [float("-inf")]  # score of the limit-th best session so far

    def visit(mask: int, position: int, score: float) -> None:
        if not mask or score + remaining[position] < floor[0] - 1e-9:
            return
        if position == len(features):
            levels[round(score, 9)] |= mask
            floor[0] = _floor(levels, limit)
            return
        feature = features[position]
        visit(mask & masks[feature], position + 1, score + weights[feature])
        visit(mask & ~masks[feature], position + 1, score)

    visit(union, 0, 0.0)
    return levels


def _floor(levels: dict[float, int], limit: int) -> float:
    count = 0
    for score in sorted(levels, reverse=True):
        count += levels[score].bit_count()
        if count >= limit:
            return score
    return float("-inf")


def _nearest(mask: int, index: int, need: int, sessions: Sequence[Session]) -> list[int]:
    """Up to `need` set bits on each side of `index` (plus same-date ties), nearest first."""
    found = []
    older = mask >> (index + 1)  # higher bits are older sessions
    taken, last_date = 0, None
    while older:
        low = older & -older
        position = index + low.bit_length()
        if taken >= need and sessions[position].date != last_date:
            break
        found.append(position)
        taken, last_date = taken + 1, sessions[position].date
        older ^= low
    newer = mask & ((1 << index) - 1)
    taken, last_date = 0, None
    while newer:
        position = newer.bit_length() - 1
        if taken >= need and sessions[position].date != last_date:
            break
        found.append(position)
        taken, last_date = taken + 1, sessions[position].date
        newer ^= 1 << position
    return found


def co_occurring_topics(sessions: Sequence[Session]) -> dict[str, tuple[tuple[str, int], ...]]:
    """topic -> ((other topic, sessions carrying both), ...), most shared first, at most
    MAX_RELATED_TOPICS. A session pairs only its first PAIRED_TOPICS topics: every pair of a
    session's topics is counted, so one session listing 1,200 topics made 1.4 million pairs,
    a topic page listing 1,199 others and a topic map of 700,000 arcs (issue 18)."""
    pairs: dict[str, Counter] = defaultdict(Counter)
    for session in sessions:
        paired = session.topics[:PAIRED_TOPICS]
        for topic in paired:
            for other in paired:
                if other != topic:
                    pairs[topic][other] += 1
    return {topic: tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_RELATED_TOPICS])
            for topic, counts in pairs.items()}
