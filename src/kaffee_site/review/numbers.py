"""Numbers within a series: two sessions with one number (an error), gaps (a warning).

Read from the front matter of every session file, drafts included (a draft holds its number),
so another error in a file does not hide its number. A report's place in its series is decided
by its date: the hint for a number used twice names the number the report has by its date
(a back-filled report belongs among the others, not after the highest).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import PurePosixPath

from kaffee_site.content.load import Content, SourceDoc
from kaffee_site.errors import Diagnostics
from kaffee_site.skeleton import numbered_sessions

Numbered = tuple[int, str, SourceDoc]  # number, date as written, file


def check_numbers(content: Content, found: Diagnostics) -> None:
    series: dict[str, list[Numbered]] = defaultdict(list)
    for name, number, doc in numbered_sessions(content):
        series[name].append((number, str(doc.meta.get("date")), doc))
    for name, sessions in sorted(series.items()):
        sessions.sort(key=lambda item: (item[0], item[1], item[2].display))
        by_number: dict[int, list[Numbered]] = defaultdict(list)
        for item in sessions:
            by_number[item[0]].append(item)
        for number, group in sorted(by_number.items()):
            if len(group) > 1:
                _report_twice(name, number, group, sessions, found)
        numbers = sorted(by_number)
        for index, (low, high) in enumerate(zip(numbers, numbers[1:])):
            if high > low + 1:
                missing = str(low + 1) if high == low + 2 else f"{low + 1}–{high - 1}"
                doc = by_number[high][0][2]
                found.warning(doc.display, doc.line_of("number"),
                              f"the numbering of the series '{name}' jumps from {low} to {high} "
                              f"(missing: {missing})", _gap_hint(low, high, numbers[index + 1:]))


def _gap_hint(low: int, high: int, later: list[int]) -> str:
    """Add the missing report, or (a report deleted) number the later ones down, up to the next gap."""
    run = high
    while run + 1 in later:
        run += 1
    down = high - low - 1
    span = (lambda a, b: str(a) if a == b else f"{a}–{b}")
    return (f"add the missing report, or number the later reports of the series down "
            f"({span(high, run)} → {span(high - down, run - down)})")


def number_by_date(day: str, others: list[Numbered]) -> int:
    """The number a report dated `day` has among `others`: one more than the highest number of
    those dated before it (1 when none is)."""
    return max((number for number, other_day, _ in others if other_day < day), default=0) + 1


def _report_twice(name: str, number: int, group: list[Numbered], sessions: list[Numbered],
                  found: Diagnostics) -> None:
    """Report the files of `group` whose number does not fit their date (the back-filled one,
    not the report that had the number first); when all fit, every one after the first."""
    others = [item for item in sessions if item[0] != number]
    misfits = [item for item in group if number_by_date(item[1], others) != number] or group[1:]
    for _, day, doc in misfits:
        other = next(item[2] for item in group if item[2] is not doc)
        found.error(doc.display, doc.line_of("number"),
                    f"number {number} of the series '{name}' is also used by {other.display}",
                    _hint(day, doc, [item for item in sessions if item[2] is not doc]))


def _hint(day: str, doc: SourceDoc, others: list[Numbered]) -> str:
    wanted = number_by_date(day, others)
    holder = next((item[2] for item in others if item[0] == wanted), None)
    if holder is None:
        return f"give each session its own number: by its date this one is number {wanted}"
    taken = sorted(number for number, _, _ in others if number >= wanted)
    run = wanted
    while run + 1 in taken:
        run += 1
    shifted = f"{wanted}–{run}" if run > wanted else str(wanted)
    return (f"give each session its own number: by its date this one is number {wanted}, which "
            f"{PurePosixPath(holder.rel).name} has; number the later reports of the series one up "
            f"({shifted} → {wanted + 1}{'–' + str(run + 1) if run > wanted else ''})")
