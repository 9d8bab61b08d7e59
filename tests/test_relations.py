"""The fast related-sessions ranking equals the plain all-pairs definition."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from kaffee_site.model import Session, Speaker
from kaffee_site.link.relations import feature_weights, related_sessions


def make_sessions(seed: int, count: int) -> list[Session]:
    rng = random.Random(seed)
    topics = [f"thema-{i}" for i in range(8)]
    people = [f"person-{i}" for i in range(6)]
    sessions = []
    for i in range(count):
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(60))  # many share a date
        sessions.append(Session(
            slug=f"s{i:03d}", title=f"S{i}", date=day, series="Reihe", number=None,
            topic_names=(), topics=tuple(rng.sample(topics, rng.randrange(0, 4))),
            speakers=tuple(Speaker(p, None, p, None) for p in rng.sample(people, rng.randrange(0, 3))),
            summary=None, image=None, next=None, draft=False, extra={}, source="x", rel="x"))
    sessions.sort(key=lambda s: (s.date, s.slug), reverse=True)
    return sessions


def brute_force(sessions: list[Session], limit: int = 5) -> dict[str, tuple[str, ...]]:
    _, weights = feature_weights(sessions)

    def features(s):
        return {f"t:{t}" for t in s.topics} | {f"p:{p.person}" for p in s.speakers}

    result = {}
    for s in sessions:
        scored = []
        for o in sessions:
            shared = features(s) & features(o)
            if o is not s and shared:
                score = round(sum(weights[f] for f in shared), 9)
                scored.append((-score, abs((o.date - s.date).days), -o.date.toordinal(), o.slug))
        result[s.slug] = tuple(key[3] for key in sorted(scored)[:limit])
    return result


@pytest.mark.parametrize("seed", range(25))
def test_related_sessions_match_the_all_pairs_definition(seed: int):
    sessions = make_sessions(seed, 40 + seed)
    fast = {s.slug: s.related for s in related_sessions(sessions)}
    assert fast == brute_force(sessions)


def test_related_sessions_do_not_depend_on_input_order_of_equal_dates():
    sessions = make_sessions(99, 60)
    shuffled = sorted(sessions, key=lambda s: (s.date, s.slug[::-1]), reverse=True)
    assert {s.slug: s.related for s in related_sessions(sessions)} == \
           {s.slug: s.related for s in related_sessions(shuffled)}
