"""A file saved from the editor's form, written so that what the editor did not change stays as
it was: its comments, its key order, its quoting, its body.

Decap CMS sends the whole file anew: front matter written by its own YAML library (YAML 1.2, in
the form's key order, every comment gone) and the body. `merged()` compares that with the file on
disk, key by key, as Decap read it (content/load.py's `read_form_yaml`): a key whose value is the
same keeps its lines exactly, with the comment lines above it; a changed key is written anew in
its old place (a comment on its own line goes with the old value); a new key goes where the
schema's order puts it; a key the form cleared is removed, but a key the form does not know (a
theme's extra key) is never touched. The body is kept byte for byte unless it changed.

Values are written for the build's YAML reading (YAML 1.1, PyYAML): text that 1.1 would read as
something else ('yes', 'on', '14:00', '2024' in a title) is quoted, dates stay plain, and the
result is read back and compared with what the form meant before it is written.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from kaffee_site.cms.files import Refused
from kaffee_site.content.load import parse_yaml, read_form_yaml
from kaffee_site.content.schema import BOOLEAN, DATE, Field, Kind
from kaffee_site.errors import ContentError
from kaffee_site.skeleton import yaml_string

FENCE = "---"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YAML11_WORDS = frozenset("y n yes no on off true false null ~".split())
_COMMENT_OR_BLANK = re.compile(r"^\s*(?:#.*)?$")


def merged(new_raw: str, old_raw: str | None, kind: Kind, display: str) -> str:
    """The file to write for Decap's `new_raw`, keeping what it shares with `old_raw` (None: new file)."""
    new_front, new_body = _split(new_raw, display, what="the form's file")
    try:
        wanted = _cleaned(_mapping(read_form_yaml(new_front, display), display), kind.fields)
    except ContentError as err:  # not what Decap writes: nothing is saved
        raise Refused(400, f"the form's front matter cannot be read: {err.problem.message}") from None
    if old_raw is None:
        return _checked(_text([], [(key, None, _block(key, value, _field(kind, key))) for key, value in wanted.items()],
                              [], _body(new_body)), wanted, set(wanted), kind, display)
    newline = "\r\n" if "\r\n" in old_raw else "\n"
    bom = "\ufeff" if old_raw.startswith("\ufeff") else ""
    old_text = old_raw.removeprefix("\ufeff").replace("\r\n", "\n")
    try:
        old_front, old_body = _split(old_text, display, what="the file on disk")
        had = _mapping(read_form_yaml(old_front, display), display)
        head, segments, tail = _segments(old_front, display)
    except (Refused, ContentError):  # a file the build cannot read either: the form's version replaces it
        return merged(new_raw, None, kind, display)
    known = set(kind.keys)
    kept: list[tuple[str, list[str] | None, list[str]]] = []
    written: set[str] = set()  # keys written anew, checked by reading the file back
    for key, leading, lines in segments:
        before = _cleaned({key: had.get(key)}, kind.fields).get(key)
        if key in wanted:
            if _same(before, wanted[key]):
                kept.append((key, leading, lines))
            else:
                kept.append((key, leading, _block(key, wanted[key], _field(kind, key))))
                written.add(key)
        elif key not in known or before is None:  # not the form's, or empty before and after
            kept.append((key, leading, lines))
    for key, value in wanted.items():  # new keys, where the schema's order puts them
        if key not in {k for k, _, _ in kept}:
            kept.insert(_position(key, kept, kind), (key, None, _block(key, value, _field(kind, key))))
            written.add(key)
    text = _text(head, kept, tail, old_body if _same_body(old_body, new_body) else _body(new_body))
    text = _checked(text, wanted, written, kind, display)
    return bom + text.replace("\n", newline)


def _checked(text: str, wanted: dict[str, Any], written: set[str], kind: Kind, display: str) -> str:
    """`text`, once the build's reading of every key written anew gives what the form meant."""
    front, _ = _split(text, display, what="the file to write")
    try:
        read, _ = parse_yaml(front, display, first_line=2)
    except ContentError as err:
        raise Refused(500, f"kaffee-site wrote front matter it cannot read ({err}); please report this") from None
    wrong = [key for key in written if not _same(_cleaned({key: (read or {}).get(key)}, kind.fields).get(key),
                                                  wanted[key])]
    if wrong:
        raise Refused(500, f"kaffee-site would write {', '.join(sorted(wrong))} so that the build reads "
                           "something else; please report this with the values you entered")
    return text


def _split(raw: str, display: str, what: str) -> tuple[str, str]:
    """(front matter, body) of a Markdown file with YAML front matter."""
    lines = raw.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        raise Refused(400, f"{what} does not start with front matter ('---')")
    closing = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() in (FENCE, "...")), None)
    if closing is None:
        raise Refused(400, f"{what} has no closing '---' after the front matter")
    return "\n".join(lines[1:closing]), "\n".join(lines[closing + 1:])


def _mapping(value: Any, display: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise Refused(400, "the front matter must be 'key: value' lines")
    return value


def _cleaned(values: dict[str, Any], fields: tuple[Field, ...]) -> dict[str, Any]:
    """What the values say, without the empties a form sends for keys left blank: '', [], {},
    None, and false for a check box (draft: false is no draft)."""
    by_key = {field.key: field for field in fields}
    found = {}
    for key, value in values.items():
        field = by_key.get(key)
        if field is not None and field.type == BOOLEAN and value is False:
            continue
        value = _cleaned_value(value, field)
        if value is not None:
            found[key] = value
    return found


def _cleaned_value(value: Any, field: Field | None) -> Any:
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, dict):
        inner = _cleaned(value, field.fields if field else ())
        return inner or None
    if isinstance(value, list):
        items = [_cleaned_value(item, field) for item in value]
        items = [item for item in items if item is not None]
        return items or None
    return value


def _same(before: Any, after: Any) -> bool:
    """Equal as values, and of the same types (True is not 1)."""
    if type(before) is not type(after):
        return False
    if isinstance(before, dict):  # the same keys and values in any order: the old order stays
        return before.keys() == after.keys() and all(_same(before[k], after[k]) for k in before)
    if isinstance(before, list):
        return len(before) == len(after) and all(_same(a, b) for a, b in zip(before, after))
    return before == after


def _same_body(old: str, new: str) -> bool:
    return unicodedata.normalize("NFC", old.strip("\n")) == unicodedata.normalize("NFC", new.strip("\n"))


def _body(body: str) -> str:
    text = body.strip("\n")
    return f"\n{text}\n" if text else ""


def _segments(front: str, display: str) -> tuple[list[str], list[tuple[str, list[str], list[str]]], list[str]]:
    """The front matter's lines cut at its top-level keys: (lines before the first key, [(key,
    comment lines above it, its own lines)], comment lines after the last key)."""
    _, key_lines = parse_yaml(front, display, first_line=0)
    starts = sorted((line, path[0]) for path, line in key_lines.items() if len(path) == 1)
    lines = front.split("\n") if front else []
    if not starts:
        return lines, [], []
    head = lines[:starts[0][0]]
    segments = []
    for index, (start, key) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        own = lines[start:end]
        trailing = 0  # comment and blank lines at its end belong to the key below them
        while trailing < len(own) - 1 and _COMMENT_OR_BLANK.match(own[len(own) - 1 - trailing]):
            trailing += 1
        segments.append([key, [], own[:len(own) - trailing], own[len(own) - trailing:]])
    for index in range(1, len(segments)):
        segments[index][1] = segments[index - 1][3]
    tail = segments[-1][3]
    # a leading comment block of the first key stays in the head
    return head, [(key, leading, own) for key, leading, own, _ in segments], tail


def _position(key: str, kept: list[tuple[str, Any, Any]], kind: Kind) -> int:
    """Where a new key goes: after the last kept key that comes before it in the schema."""
    order = {k: i for i, k in enumerate(kind.keys)}
    if key not in order:
        return len(kept)
    place = 0
    for index, (other, _, _) in enumerate(kept):
        if order.get(other, len(order)) < order[key]:
            place = index + 1
    return place


def _text(head: list[str], segments: list[tuple[str, list[str] | None, list[str]]], tail: list[str],
          body: str) -> str:
    lines = [*head]
    for _, leading, own in segments:
        lines += [*(leading or []), *own]
    lines += tail
    front = "\n".join(lines)
    return f"{FENCE}\n{front}\n{FENCE}\n{body}" if front else f"{FENCE}\n{FENCE}\n{body}"


def _field(kind: Kind, key: str) -> Field | None:
    return next((field for field in kind.fields if field.key == key), None)


# --- writing values for the build's YAML -------------------------------------------------------

def _block(key: str, value: Any, field: Field | None) -> list[str]:
    """The lines of `key: value`, indented as the archive's files are."""
    return _lines(key, value, field, "")


def _lines(key: str, value: Any, field: Field | None, indent: str) -> list[str]:
    if isinstance(value, dict):
        lines = [f"{indent}{key}:"]
        for child_key, child in _ordered(value, field):
            lines += _lines(child_key, child, _child(field, child_key), indent + "  ")
        return lines
    if isinstance(value, list):
        lines = [f"{indent}{key}:"]
        for item in value:
            if isinstance(item, dict):
                entries = [line for child_key, child in _ordered(item, field)
                           for line in _lines(child_key, child, _child(field, child_key), indent + "    ")]
                lines.append(f"{indent}  - {entries[0].lstrip()}")
                lines += entries[1:]
            else:
                lines.append(f"{indent}  - {_scalar(item, field)}")
        return lines
    return [f"{indent}{key}: {_scalar(value, field)}"]


def _ordered(value: dict[str, Any], field: Field | None) -> list[tuple[str, Any]]:
    order = {k: i for i, k in enumerate(field.keys)} if field else {}
    return sorted(value.items(), key=lambda item: order.get(item[0], len(order)))


def _child(field: Field | None, key: str) -> Field | None:
    return next((child for child in field.fields if child.key == key), None) if field else None


def _scalar(value: Any, field: Field | None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if field is not None and field.type == DATE and _DATE.fullmatch(text):
        return text  # a date as the archive writes it
    return text if _plain(text) else yaml_string(text)


def _plain(text: str) -> bool:
    """Whether `text` reads back as this very text when written without quotes (YAML 1.1)."""
    return (bool(text) and text[0].isalpha() and text == text.strip() and text.lower() not in _YAML11_WORDS
            and not any(ch in text for ch in ":#\n\r\t") and text.isprintable())
