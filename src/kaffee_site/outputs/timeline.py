"""Geometry of a topic's timeline: how many sessions carried and mentioned it, year by year.

A small static bar chart for the topic page: one column per year of the archive, from its
first to its last session (years without one for the topic stand at zero), the sessions that carry the topic at the
bottom, those that only mention it stacked above. Every column links to that year's page of
the archive. As with the topic map, this module only computes positions; the template draws
the SVG and writes its words, so labels are escaped and translated like any other text. It
fits a 320 px phone at full size (text at 13 CSS px).
"""

from __future__ import annotations

from dataclasses import dataclass

from kaffee_site.model import Site, Topic

MAX_WIDTH = 288.0  # a 320 px screen less the page's margins
COLUMN_MAX = 56.0  # a column's widest, so two years do not look like a wall
CHART_HEIGHT = 84.0  # room for the tallest column
TOP = 18.0  # room for the count above the tallest column
LABEL_ROOM = 20.0  # the years below the columns
FONT_SIZE = 13.0
YEAR_LABEL_WIDTH = 36.0  # '2024' at 13 px with air: columns narrower than this label every other year


@dataclass(frozen=True)
class YearColumn:
    year: int
    carried: int
    mentioned: int
    x: float  # left edge of the column's link area
    width: float  # of the link area
    bar_x: float
    bar_width: float
    carried_y: float
    carried_height: float
    mentioned_y: float
    mentioned_height: float
    count_y: float  # baseline of the number above the column
    labelled: bool  # whether the year is written below (all of them when there is room)

    @property
    def total(self) -> int:
        return self.carried + self.mentioned

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Timeline:
    view_box: str
    width: float
    height: float
    columns: tuple[YearColumn, ...]
    baseline: float  # y of the axis
    label_y: float  # baseline of the year labels


def topic_timeline(site: Site, topic: Topic) -> Timeline:
    carried = _per_year(site, topic.carried)
    mentioned = _per_year(site, topic.mentioned)
    if not carried and not mentioned:
        return Timeline("0 0 0 0", 0.0, 0.0, (), 0.0, 0.0)
    # the archive's years, so a topic's columns read against the whole archive (site.sessions: newest first)
    span = list(range(site.sessions[-1].date.year, site.sessions[0].date.year + 1))
    column = min(COLUMN_MAX, MAX_WIDTH / len(span))
    every = 1 if column >= YEAR_LABEL_WIDTH else -(-int(YEAR_LABEL_WIDTH) // int(max(column, 1)))
    tallest = max(carried.get(y, 0) + mentioned.get(y, 0) for y in span) or 1
    unit = CHART_HEIGHT / tallest
    baseline = TOP + CHART_HEIGHT
    columns = []
    for index, year in enumerate(span):
        x = index * column
        bar_width = max(column * 0.62, 6.0)
        c, m = carried.get(year, 0), mentioned.get(year, 0)
        carried_height = c * unit
        mentioned_height = m * unit
        columns.append(YearColumn(
            year, c, m, _round(x), _round(column), _round(x + (column - bar_width) / 2), _round(bar_width),
            _round(baseline - carried_height), _round(carried_height),
            _round(baseline - carried_height - mentioned_height), _round(mentioned_height),
            _round(baseline - carried_height - mentioned_height - 5), (len(span) - 1 - index) % every == 0))
    width = _round(len(span) * column)
    height = _round(baseline + LABEL_ROOM)
    return Timeline(f"0 0 {width} {height}", width, height, tuple(columns), _round(baseline),
                    _round(baseline + LABEL_ROOM - 5))


def template_globals(site: Site) -> dict:
    return {"topic_timeline": lambda topic: topic_timeline(site, topic)}


def _per_year(site: Site, slugs: tuple[str, ...]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for slug in slugs:
        year = site.session(slug).date.year
        counts[year] = counts.get(year, 0) + 1
    return counts


def _round(value: float) -> float:
    return round(value, 1) + 0.0
