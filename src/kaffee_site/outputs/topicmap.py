"""Geometry of the static topic map on `themen/`: topics linked by co-occurrence, as an arc diagram.

The topics stand in a column in the order of the list, each a circle with its name beside it,
written horizontally and wrapped onto a second or third line when long; arcs on the left join
topics discussed in the same sessions, thicker the more often. The map is narrow on purpose:
it fits a 320 px phone at full size (labels at 15 CSS px), so it never scrolls sideways and
never has to shrink its text.

A pure function of the Site. It only computes positions; the template draws the SVG, so every
label is escaped by the template engine like any other text. No JavaScript: every node is a
plain link, and the same topics are listed as text beside the map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kaffee_site.model import Site, Topic

NODE_MIN_R, NODE_MAX_R = 8.0, 13.0  # with the label, each link is far more than 24 px wide
FONT_SIZE = 15.0  # CSS px at full size; the stylesheet sets the same
LINE_HEIGHT = 18.0
ROW_GAP = 14.0  # air between the label blocks of two topics
CHAR_WIDTH = 8.2  # generous width of a label character at 15 px, for the view box
LINE_CHARS = 18  # wrap labels longer than this onto further lines (at spaces and hyphens)
ARC_ROOM = 84.0  # how far the widest arc bends to the left of the column
PAD = 4.0


@dataclass(frozen=True)
class MapNode:
    topic: Topic
    x: float
    y: float
    r: float
    label_x: float
    label_y: float  # baseline of the first line
    lines: tuple[str, ...]  # the label, wrapped
    rotate: float = 0.0  # labels are horizontal
    anchor: str = "start"


@dataclass(frozen=True)
class MapEdge:
    path: str  # SVG path data: an arc to the left of the column
    width: float
    count: int


@dataclass(frozen=True)
class TopicMap:
    view_box: str  # "x y width height", tight around circles and labels
    width: float
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]
    height: float = 0.0
    line_height: float = LINE_HEIGHT


def wrap_label(title: str, limit: int = LINE_CHARS) -> tuple[str, ...]:
    """Break a title at spaces (and after hyphens) into lines of at most `limit` characters
    where it can; a single longer word stays whole."""
    words: list[str] = []
    for word in title.split():
        parts = word.split("-")
        words += [p + "-" for p in parts[:-1]] + [parts[-1]] if len(word) > limit else [word]
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + (0 if lines[-1].endswith("-") else 1) + len(word) <= limit:
            lines[-1] += word if lines[-1].endswith("-") else " " + word
        else:
            lines.append(word)
    return tuple(line for line in lines if line) or ("",)


def topic_map(site: Site) -> TopicMap:
    topics = site.topics
    if not topics:
        return TopicMap("0 0 0 0", 0, (), ())
    most = max((len(t.carried) for t in topics), default=0) or 1
    column = PAD + ARC_ROOM + NODE_MAX_R
    label_x = column + NODE_MAX_R + 8
    nodes, positions = [], {}
    top = PAD
    widest = 0.0
    for topic in topics:
        r = NODE_MIN_R + (NODE_MAX_R - NODE_MIN_R) * math.sqrt(len(topic.carried) / most)
        lines = wrap_label(topic.title)
        block = max(LINE_HEIGHT * len(lines), 2 * NODE_MAX_R)
        y = top + block / 2
        first_baseline = y - LINE_HEIGHT * (len(lines) - 1) / 2 + FONT_SIZE * 0.35
        positions[topic.slug] = y
        widest = max(widest, max(len(line) for line in lines) * CHAR_WIDTH)
        nodes.append(MapNode(topic, _round(column), _round(y), _round(r), _round(label_x),
                             _round(first_baseline), lines))
        top += block + ROW_GAP
    span = max(top - ROW_GAP - PAD, 1.0)
    edges = []
    for topic in topics:
        for other, count in topic.related:
            if topic.slug < other and other in positions:
                y1, y2 = positions[topic.slug], positions[other]
                # the bend grows with the distance, so arcs between neighbours stay small
                bend = ARC_ROOM * min(1.0, abs(y2 - y1) / span) * 2  # the curve reaches half its control
                path = (f"M{_round(column)} {_round(y1)} Q{_round(column - bend)} {_round((y1 + y2) / 2)} "
                        f"{_round(column)} {_round(y2)}")
                edges.append(MapEdge(path, _round(1 + 1.5 * math.log(count)), count))
    width = label_x + widest + PAD
    height = top - ROW_GAP + PAD
    return TopicMap(f"0 0 {_round(width)} {_round(height)}", _round(width), tuple(nodes), tuple(edges),
                    _round(height))


def template_globals(site: Site) -> dict:
    return {"topic_map": lambda: topic_map(site)}


def _round(value: float) -> float:
    """One decimal is plenty for pixels and keeps the SVG small and stable."""
    return round(value, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
