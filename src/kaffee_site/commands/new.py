"""`kaffee-site new`: start a session report with complete front matter, or a topic.

A session goes to `sessions/<year>/<date>-<slug>.md`, the layout of the sample content. A series
has one report a day: a second one for the same date is refused, whatever its title or file
name. The number is the one the date gives among the reports of the series (review/numbers.py):
the next free one for a new session, and for a back-filled one its place among the others,
whose later reports `new` then numbers one up (it rewrites only their `number:` line, and says
which). The speaker is a placeholder that builds but that `check` reports until it is replaced;
every other key of the format is there as a comment with what it is for. A topic
(`new --topic NAME`) goes to `topics/<slug>.md`. The scaffold's words are in the archive's
language (the catalogue's 'scaffold' entries), its keys and their order the schema's
(content/schema.py). An existing file is never overwritten. The date comes from the caller:
this module never reads the clock.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from kaffee_site.config import SiteConfig
from kaffee_site.digest import digest as content_digest
from kaffee_site.errors import Diagnostics, KaffeeError, UsageError
from kaffee_site.i18n import DEFAULT_LANGUAGE, catalogue
from kaffee_site.content.limits import CONTROL, control_message
from kaffee_site.content.load import Content, SourceDoc, load_content
from kaffee_site.content.schema import SESSION, TOPIC, Kind
from kaffee_site.review.numbers import number_by_date
from kaffee_site.skeleton import numbered_sessions, placeholder, session_body, yaml_string
from kaffee_site.text import fold, slugify


class SessionExists(KaffeeError):
    """The file (or a session with the same slug) is already there: `new` never overwrites."""


@dataclass(frozen=True)
class NewSession:
    path: Path
    number: int
    series: str
    shifted: tuple[tuple[str, int], ...] = ()  # (file as displayed, its old number): numbered one up
    unshifted: tuple[str, ...] = ()  # later reports whose number line could not be rewritten


def new_session(content_dir: Path, title: str, day: date, series: str | None = None) -> NewSession:
    """Write the new session file and return where it went; raises SessionExists if it is taken."""
    title, slug, content = _named(content_dir, title, "the title")
    series = " ".join((series or content.config.series).split())
    if not series:
        raise UsageError("the series must not be empty")
    stem = f"{day.isoformat()}-{slug}"
    path = content_dir / "sessions" / str(day.year) / f"{stem}.md"
    for doc in content.of_kind("session"):
        if doc.stem == stem:
            raise SessionExists(f"{doc.display}: a session with this date and title exists already")
        if _series_of(doc, content) == series and str(doc.meta.get("date", "")).strip() == day.isoformat():
            raise SessionExists(f"{doc.display}: the series '{series}' has a report on {day.isoformat()} already "
                                f"({_title_of(doc)}); edit that file, or give another --series")
    others = [(number, str(doc.meta.get("date")), doc) for name, number, doc in numbered_sessions(content)
              if name == series]
    number = number_by_date(day.isoformat(), others)
    later = _run_from(number, others)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as file:  # "x": fails if it exists
            file.write(session_text(title, day, series, number, content.config.language, content.config))
    except FileExistsError:
        raise SessionExists(f"{path}: the file exists already; it was not changed") from None
    shifted, unshifted = _number_up(content_dir, later)
    return NewSession(path, number, series, shifted, unshifted)


def _series_of(doc: SourceDoc, content: Content) -> str | None:
    series = doc.meta.get("series", content.config.series)
    return " ".join(series.split()) if isinstance(series, str) else None


def _title_of(doc: SourceDoc) -> str:
    title = doc.meta.get("title")
    return f"'{title}'" if isinstance(title, str) else "no title"


def _run_from(number: int, others: list[tuple[int, str, SourceDoc]]) -> list[tuple[int, SourceDoc]]:
    """The reports numbered `number`, `number + 1`, … without a gap: those a report taking
    `number` pushes one up (a gap ends the run: the number before it moves into the gap)."""
    by_number: dict[int, list[SourceDoc]] = {}
    for taken, _, doc in others:
        by_number.setdefault(taken, []).append(doc)
    run = []
    while number in by_number:
        run += [(number, doc) for doc in by_number[number]]
        number += 1
    return run


_NUMBER_LINE = re.compile(rb"^number:[ \t]*(\d+)[ \t]*(#[^\r\n]*)?(\r?\n)?$")


def _number_up(content_dir: Path, later: list[tuple[int, SourceDoc]]) -> tuple[tuple[tuple[str, int], ...],
                                                                                  tuple[str, ...]]:
    """Number each of `later` one up by rewriting its `number:` line, nothing else of the file.
    All or none: if one file changed since it was read, or writes its number in another form,
    none is touched, and all are returned as not shifted (check's hint says what to do)."""
    rewritten = []
    for number, doc in later:
        path = content_dir / doc.rel
        try:
            data = path.read_bytes()
        except OSError:
            return (), tuple(doc.display for _, doc in later)
        lines = data.splitlines(keepends=True)
        index = (doc.line_of("number") or 0) - 1
        match = _NUMBER_LINE.match(lines[index]) if 0 <= index < len(lines) else None
        if content_digest(data) != doc.digest or match is None or int(match.group(1)) != number:
            return (), tuple(doc.display for _, doc in later)
        lines[index] = lines[index][:match.start(1)] + str(number + 1).encode() + lines[index][match.end(1):]
        rewritten.append((path, b"".join(lines), doc.display, number))
    for path, data, _, _ in rewritten:
        temporary = path.with_name(f".{path.name}.new")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # a reader sees the old file or the new one, never half of it
    return tuple((display, number) for _, _, display, number in rewritten), ()


def _named(content_dir: Path, text: str, what: str) -> tuple[str, str, Content]:
    """The text with its spacing folded, its slug, and the content folder read; UsageError if unusable."""
    if not content_dir.is_dir():
        raise UsageError(f"{content_dir}: the content folder does not exist")
    text = " ".join(text.split())
    _refuse_controls(text, what)
    slug = slugify(text)
    if not slug:
        raise UsageError(f"cannot make a file name from {what} {text!r}: it needs letters or digits")
    return text, slug, load_content(content_dir, str(content_dir), Diagnostics())


def session_text(title: str, day: date, series: str, number: int, language: str = DEFAULT_LANGUAGE,
                 config: SiteConfig | None = None) -> str:
    name, org = placeholder(language)
    speaker = {"name": _plain_or_quoted(name), "org": _plain_or_quoted(org)}
    return front_matter(SESSION, {"title": yaml_string(title), "date": day.isoformat(), "series": yaml_string(series),
                                  "number": str(number), "topics": "[]", "speakers": [speaker]},
                        _session_examples(slugify(title), language, config or SiteConfig(language=language)),
                        hints=True) \
        + "\n" + session_body(language)


def _session_examples(slug: str, language: str, config: SiteConfig) -> dict[str, str]:
    """What each key `new` leaves out could hold, to uncomment and fill in. A placeholder like
    YYYY-MM-DD is an error when left as it is; the times are site.yaml's."""
    words = catalogue(language)
    return {
        "summary": '"…"',
        "image": f"{{src: media/{words.pgettext('example', 'picture')}.png, "
                 f"alt: \"{words.pgettext('example', 'Description')}\"}}",
        "next": f"{{date: YYYY-MM-DD, title: \"{words.pgettext('example', 'Title of the session')}\"}}",
        "time": f'"{_clock(config.event_start)}"',
        "end": f'"{_clock(config.event_end)}"',
        "draft": "true",
        "example": "true",
        "redirect_from": f"[{words.pgettext('example', 'old-name')}]",
        "slug": slug,
    }


def _clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value else "HH:MM"


def front_matter(kind: Kind, values: Mapping[str, str | list[Mapping[str, str]]],
                 commented: Mapping[str, str] = MappingProxyType({}), hints: bool = False) -> str:
    """A scaffold's front matter between its '---' lines: the keys in the schema's order, each
    value written as YAML already (a list of objects as a list of such mappings), `commented`
    keys as comments to fill in, with the schema's words on what each is for if `hints`. Every
    required key must be given, and no key the format lacks."""
    given = {*values, *commented}
    if not given <= set(kind.keys) or not set(kind.required) <= set(values):
        raise ValueError(f"a {kind.name} scaffold needs {kind.required} and no key but {kind.keys}, not {sorted(given)}")
    lines = ["---"]
    for field in kind.fields:
        value = values.get(field.key)
        if isinstance(value, list):  # a list of objects, each with its keys in the schema's order
            lines.append(f"{field.key}:")
            for entry in value:
                lines += [f"  {'-' if index == 0 else ' '} {key}: {entry[key]}"
                          for index, key in enumerate(key for key in field.keys if key in entry)]
        elif value is not None:
            lines.append(f"{field.key}: {value}")
        elif field.key in commented:
            line = f"# {field.key}: {commented[field.key]}"
            lines.append(f"{line}  # {field.hint}" if hints else line)
    return "\n".join(lines) + "\n---\n"


class TopicExists(KaffeeError):
    """A topic of that name (title or alias) or that file is there already."""


def _refuse_controls(text: str, what: str) -> None:
    control = CONTROL.search(text)
    if control:  # the file would not build: say so now
        raise UsageError(control_message(control.group(), what))


def new_topic(content_dir: Path, name: str) -> Path:
    """Write topics/<slug>.md for a new topic; raises TopicExists if the name is taken."""
    name, slug, content = _named(content_dir, name, "the topic name")
    for doc in content.of_kind("topic"):
        names = [doc.meta.get("title"), *(doc.meta.get("aliases") or [])]
        if doc.stem == slug or any(isinstance(n, str) and fold(n) == fold(name) for n in names):
            raise TopicExists(f"{doc.display}: the topic '{name}' exists already")
    path = content_dir / "topics" / f"{slug}.md"
    words = catalogue(content.config.language)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as file:
            file.write(front_matter(TOPIC, {"title": yaml_string(name)}, {
                "aliases": f"[{words.pgettext('scaffold', 'Other name')}]",
                "forms": "[…]",
                "summary": words.pgettext('scaffold', 'One sentence on what the topic is about.'),
                "redirect_from": f"[{words.pgettext('example', 'old-name')}]", "slug": slug}, hints=True) + "\n"
                + f"{words.pgettext('scaffold', 'What does this topic cover? The text appears on its page.')}\n")
    except FileExistsError:
        raise TopicExists(f"{path}: the file exists already; it was not changed") from None
    return path


def _plain_or_quoted(text: str) -> str:
    """Words and spaces stay as they are (easier to overwrite); anything else is quoted."""
    return text if re.fullmatch(r"[^\W\d_][\w .-]*", text) else yaml_string(text)
