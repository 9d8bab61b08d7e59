"""The session file an import writes: the archive's layout, every inferred value with its source.

Front matter as `new` writes it (sessions/<year>/<date>-<slug>.md), each value followed by a
YAML comment quoting the words it came from, what the source does not say listed at the top,
then the report's Markdown. Values are quoted where YAML would read them as something else.
The file is created with O_EXCL: an existing one is never replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kaffee_site.skeleton import yaml_string
from kaffee_site.importer.facts import Facts
from kaffee_site.importer.sentences import quote
from kaffee_site.text import slugify

_PLAIN = re.compile(r"[A-Za-zÄÖÜäöüßÀ-ÖØ-öø-ÿ][\w .,'’»«„“”()/&+–-]*")
_YAML_WORDS = frozenset("true false yes no on off null y n ~".split())
SLUG_MAX = 60


@dataclass(frozen=True)
class ImageLine:
    src: str
    src_note: str  # '' or why the src is a placeholder
    alt: str | None
    alt_note: str


def scalar(text: str) -> str:
    """Plain where YAML reads it back as the same text (easier to edit), double-quoted otherwise."""
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS and ": " not in text \
            and " #" not in text and not text.endswith((" ", ":")):
        return text
    return yaml_string(text)


def comment(note: str) -> str:
    """A YAML comment on one line: spacing folded, nothing unprintable, long ones cut."""
    if not note:
        return ""
    text = "".join(ch for ch in " ".join(note.split()) if ch.isprintable())
    return f"  # {text if len(text) <= 300 else text[:299].rsplit(' ', 1)[0] + '…'}"


def file_stem(facts: Facts) -> str:
    slug = slugify(str(facts.title.value))[:SLUG_MAX].rstrip("-")
    if len(slugify(str(facts.title.value))) > SLUG_MAX and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    return f"{facts.date.value.isoformat()}-{slug or 'bericht'}" if facts.date else slug


def session_text(facts: Facts, body: str, source_label: str, image: ImageLine | None, default_series: str) -> str:
    lines = ["---", f"# Imported with 'kaffee-site import' from {quote(source_label, 160)}",
             "# Each '# …' says where a value came from: check them (and delete the comments if you like)."]
    if facts.missing:
        lines.append("# Not in the source: " + "; ".join(m.split(":", 1)[0] for m in facts.missing))
    lines.append(f"title: {scalar(str(facts.title.value))}"
                 + comment(f"from {facts.title.quote}" if facts.title_found else "stand-in: write the title"))
    if facts.date is not None:
        lines.append(f"date: {facts.date.value.isoformat()}" + comment(f"from {facts.date.quote}"))
    if facts.series != default_series:
        lines.append(f"series: {scalar(facts.series)}" + comment(f"from {facts.series_quote}" if facts.series_quote else ""))
    if facts.number is not None:
        lines.append(f"number: {facts.number.value}" + comment(f"from {facts.number.quote}"))
    lines.extend(_topics(facts))
    lines.extend(_speakers(facts))
    if image is not None:
        lines.append("image:")
        lines.append(f"  src: {scalar(image.src)}" + comment(image.src_note))
        lines.append(f"  alt: {scalar(image.alt or '')}" + comment(image.alt_note))
    if facts.next is not None:
        lines.append("next:" + comment(f"from \"{facts.next.quote}\""))
        lines.append(f"  date: {facts.next.day.isoformat()}")
        if facts.next.title:
            lines.append(f"  title: {scalar(facts.next.title)}" + comment(f"from {facts.next.title_note}"))
    lines.append("---")
    return "\n".join(lines) + "\n\n" + body


def _topics(facts: Facts) -> list[str]:
    if not facts.topics:
        return []
    lines = ["topics:"]
    for topic in facts.topics:
        forms = ", ".join(f"\"{w}\"" for w in topic.written[:3])
        lines.append(f"  - {scalar(topic.title)}" + comment(f"named {topic.count} times: {forms}"
                                                             if topic.count > 1 else f"named once: {forms}"))
    return lines


def _speakers(facts: Facts) -> list[str]:
    if not facts.speakers:
        return []
    lines = ["speakers:"]
    for speaker in facts.speakers:
        note = f"from \"{speaker.quote}\"" + (f"; {speaker.note}" if speaker.note else "")
        lines.append(f"  - name: {scalar(speaker.name)}" + comment(note))
        if speaker.org:
            lines.append(f"    org: {scalar(speaker.org)}")
    return lines


def create(path: Path, text: str) -> None:
    """Write a new file; FileExistsError if there is one (never replaced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
