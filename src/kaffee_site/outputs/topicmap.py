"""Geometry of the static topic map on `themen/`: topics on a circle, linked by co-occurrence.

A pure function of the Site. It only computes positions; the template draws the SVG, so
every label is escaped by the template engine like any other text. No JavaScript: every
node is a plain link, and the same topics are listed as text beside the map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kaffee_site.model import Site, Topic

NODE_MIN_R, NODE_MAX_R = 12.0, 20.0  # at least 24 px across: a comfortable click target
GAP = 6.0  # space between neighbouring nodes on the circle
CHAR_WIDTH = 8.4  # generous width of a label character at the map's 14 px font, for the view box


@dataclass(frozen=True)
class MapNode:
    topic: Topic
    x: float
    y: float
    r: float
    label_x: float
    label_y: float
    rotate: float  # degrees, so labels point away from the centre and read left to right
    anchor: str  # "start" or "end"


@dataclass(frozen=True)
class MapEdge:
    path: str  # SVG path data: a curve bent towards the centre
    width: float
    count: int


@dataclass(frozen=True)
class TopicMap:
    view_box: str  # "x y width height", tight around circles and labels
    width: float
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]


def topic_map(site: Site) -> TopicMap:
    topics = site.topics
    if not topics:
        return TopicMap("0 0 0 0", 0, (), ())
    most = max((len(t.carried) for t in topics), default=0) or 1
    radii = [NODE_MIN_R + (NODE_MAX_R - NODE_MIN_R) * math.sqrt(len(t.carried) / most) for t in topics]
    circumference = sum(2 * r + GAP for r in radii)
    ring = max(circumference / (2 * math.pi), 150.0)
    centre = 0.0  # the view box is fitted afterwards
    nodes, positions = [], {}
    xs, ys = [], []  # extents of circles and labels, for a tight view box
    travelled = 0.0
    for topic, r in zip(topics, radii):
        travelled += r + GAP / 2
        angle = 2 * math.pi * travelled / circumference - math.pi / 2  # start at the top
        travelled += r + GAP / 2
        x, y = centre + ring * math.cos(angle), centre + ring * math.sin(angle)
        positions[topic.slug] = (x, y)
        label_r = ring + r + 6
        label_end = label_r + CHAR_WIDTH * len(topic.title)
        xs.extend((x - r, x + r, centre + label_end * math.cos(angle)))
        ys.extend((y - r, y + r, centre + label_end * math.sin(angle)))
        degrees = math.degrees(angle)
        left = math.cos(angle) < 0
        nodes.append(MapNode(
            topic, _round(x), _round(y), _round(r),
            _round(centre + label_r * math.cos(angle)), _round(centre + label_r * math.sin(angle)),
            _round(degrees + 180 if left else degrees), "end" if left else "start"))
    edges = []
    for topic in topics:
        for other, count in topic.related:
            if topic.slug < other and other in positions:
                (x1, y1), (x2, y2) = positions[topic.slug], positions[other]
                path = f"M{_round(x1)} {_round(y1)} Q{_round(centre)} {_round(centre)} {_round(x2)} {_round(y2)}"
                edges.append(MapEdge(path, _round(1 + 1.5 * math.log(count)), count))
    pad = 12.0  # half a label's height and a little air
    left, top = min(xs) - pad, min(ys) - pad
    width, height = max(xs) + pad - left, max(ys) + pad - top
    view_box = f"{_round(left)} {_round(top)} {_round(width)} {_round(height)}"
    return TopicMap(view_box, _round(width), tuple(nodes), tuple(edges))


def _round(value: float) -> float:
    """One decimal is plenty for pixels and keeps the SVG small and stable."""
    return round(value, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
