"""`kaffee-site new`: start a session report with complete front matter, or a topic.

A session goes to `sessions/<year>/<date>-<slug>.md`, the layout of the sample content. The
number is the next free one in the series (the highest used so far plus one). The speaker
is a placeholder that builds but that `check` reports until it is replaced. A topic
(`new --topic NAME`) goes to `topics/<slug>.md`. The scaffold's words are in the archive's
language (the catalogue's 'scaffold' entries), its keys and their order the schema's
(content/schema.py). An existing file is never overwritten. The date comes from the caller:
this module never reads the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from kaffee_site.errors import Diagnostics, KaffeeError, UsageError
from kaffee_site.i18n import DEFAULT_LANGUAGE, catalogue
from kaffee_site.content.limits import CONTROL, control_message
from kaffee_site.content.load import Content, load_content
from kaffee_site.content.schema import SESSION, TOPIC, Kind
from kaffee_site.skeleton import numbered_sessions, placeholder, session_body, yaml_string
from kaffee_site.text import fold, slugify


class SessionExists(KaffeeError):
    """The file (or a session with the same slug) is already there: `new` never overwrites."""


@dataclass(frozen=True)
class NewSession:
    path: Path
    number: int
    series: str


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
    number = next_number(content, series)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as file:  # "x": fails if it exists
            file.write(session_text(title, day, series, number, content.config.language))
    except FileExistsError:
        raise SessionExists(f"{path}: the file exists already; it was not changed") from None
    return NewSession(path, number, series)


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


def next_number(content: Content, series: str) -> int:
    """Highest `number` used in the series plus one."""
    return max((number for name, number, _ in numbered_sessions(content) if name == series), default=0) + 1


def session_text(title: str, day: date, series: str, number: int, language: str = DEFAULT_LANGUAGE) -> str:
    name, org = placeholder(language)
    speaker = {"name": _plain_or_quoted(name), "org": _plain_or_quoted(org)}
    return front_matter(SESSION, {"title": yaml_string(title), "date": day.isoformat(), "series": yaml_string(series),
                                  "number": str(number), "topics": "[]", "speakers": [speaker]}) \
        + "\n" + session_body(language)


def front_matter(kind: Kind, values: Mapping[str, str | list[Mapping[str, str]]],
                 commented: Mapping[str, str] = MappingProxyType({})) -> str:
    """A scaffold's front matter between its '---' lines: the keys in the schema's order, each
    value written as YAML already (a list of objects as a list of such mappings), `commented`
    keys as comments to fill in. Every required key must be given, and no key the format lacks."""
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
            lines.append(f"# {field.key}: {commented[field.key]}")
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
                "summary": words.pgettext('scaffold', 'One sentence on what the topic is about.')}) + "\n"
                + f"{words.pgettext('scaffold', 'What does this topic cover? The text appears on its page.')}\n")
    except FileExistsError:
        raise TopicExists(f"{path}: the file exists already; it was not changed") from None
    return path


def _plain_or_quoted(text: str) -> str:
    """Words and spaces stay as they are (easier to overwrite); anything else is quoted."""
    return text if re.fullmatch(r"[^\W\d_][\w .-]*", text) else yaml_string(text)
