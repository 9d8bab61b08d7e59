"""The schema table (content/schema.py) is the one description of the format: the README's key
tables, site.yaml's reader and `new`'s scaffolds agree with it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from kaffee_site.commands.new import front_matter, session_text
from kaffee_site.config import config_from_mapping
from kaffee_site.content.schema import KINDS, OBJECT, OBJECTS, SESSION, SITE, TOPIC, TYPES, Field, Kind
from kaffee_site.errors import Diagnostics

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def _key_tables(section: str) -> list[tuple[str, list[dict[str, str]]]]:
    """(the ### heading above it, its rows as {column: cell}) of every table whose first column is 'key'."""
    tables, heading, block = [], "", []
    for line in [*section.splitlines(), ""]:
        if line.startswith("|"):
            block.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        if block:
            assert len(block) >= 2 and set(block[1][0]) <= set("-:"), \
                f"a table under '{heading}' has no header row (a blank line inside it?): {block[0]}"
            if block[0][0] == "key":
                tables.append((heading, [dict(zip(block[0], row)) for row in block[2:]]))
            block = []
        if line.startswith("### "):
            heading = line.removeprefix("### ")
    return tables


def _kinds_of(heading: str) -> list[Kind]:
    if "`site.yaml`" in heading:
        return [SITE]
    folders = re.findall(r"`(\w+)/", heading)
    return [kind for kind in KINDS if kind.folder in folders]


def _rows_of(kind: Kind, rows: list[dict[str, str]], kinds: list[Kind]) -> list[tuple[str, dict[str, str]]]:
    """(key, row) for the keys of one kind; a row starting 'people only' belongs to that folder alone."""
    others = {other.folder for other in kinds if other is not kind}
    return [(key, row) for row in rows if not any(row["meaning"].startswith(f"{folder} only") for folder in others)
            for key in re.findall(r"`([^`]+)`", row["key"])]


def test_the_readme_key_tables_are_the_schema():
    tables = _key_tables(_section(README.read_text(encoding="utf-8"), "The content format"))
    described = []
    for heading, rows in tables:
        kinds = _kinds_of(heading)
        assert kinds, f"the table under '{heading}' names no folder of the schema"
        for kind in kinds:
            described.append(kind.name)
            keyed = _rows_of(kind, rows, kinds)
            assert [key for key, _ in keyed] == list(kind.keys), f"{kind.name}: the README's keys, in order"
            for key, row in keyed:
                _assert_row(kind, kind.field((key,)), row)
    assert sorted(described) == sorted(kind.name for kind in (*KINDS, SITE))


def _assert_row(kind: Kind, field: Field, row: dict[str, str]) -> None:
    where = f"{kind.name}.{field.key}"
    if "required" in row:
        assert row["required"] == ("yes" if field.required else "no"), where
    if "default" in row and (isinstance(field.default, (bool, int)) or field.default):
        shown = str(field.default).lower() if isinstance(field.default, bool) else str(field.default)
        assert row["default"] == f"`{shown}`", where
    if field.type in (OBJECT, OBJECTS):
        listed = re.search(r"`\{([\w, ]+)\}`", row["meaning"])
        if listed:
            assert tuple(listed.group(1).split(", ")) == field.keys, where
        else:  # documented in a section of its own
            assert "see [" in row["meaning"], f"{where}: the README names its keys as `{{{', '.join(field.keys)}}}`"


def test_the_table_checks_fail_on_a_drifted_readme():
    rows = [{"key": "`title`", "required": "no", "meaning": "text"}]
    with pytest.raises(AssertionError):
        _assert_row(SESSION, SESSION.field(("title",)), rows[0])
    with pytest.raises(AssertionError):
        _key_tables("### `site.yaml`\n\n| key | default |\n|---|---|\n| `a` | b |\n\n| `c` | d |\n")


def test_site_yaml_knows_the_schema_keys_and_no_others():
    diag = Diagnostics()
    every_key = {key: None for key in SITE.keys}
    config = config_from_mapping(every_key, {}, "site.yaml", diag)
    assert dict(config.extra) == {}
    config = config_from_mapping({**every_key, "serach": False}, {}, "site.yaml", diag)
    assert dict(config.extra) == {"serach": False}


def test_every_field_is_typed_and_explained():
    def walk(fields):
        for field in fields:
            yield field
            yield from walk(field.fields)
    for kind in (*KINDS, SITE):
        for field in walk(kind.fields):
            assert field.type in TYPES and field.hint and len(field.hint) <= 80, f"{kind.name}.{field.key}"
        assert len(set(kind.keys)) == len(kind.keys)


def test_requires_answers_as_the_fields_say():
    for kind in KINDS:
        for field in kind.fields:
            assert kind.requires((field.key,)) == field.required == kind.field((field.key,)).required
            for inner in field.fields:
                path = (field.key, 0, inner.key) if field.type == OBJECTS else (field.key, inner.key)
                assert kind.requires(path) == inner.required == kind.field(path).required, path
    assert not SESSION.requires(("topics", 0))  # an entry of a list of strings is no key


def test_scaffolds_write_the_schema_keys_in_its_order_and_every_required_one():
    text = session_text("Titel", date(2025, 3, 13), "Reihe", 2)
    keys = [line.split(":")[0] for line in text.split("---")[1].splitlines() if line and line[0].isalpha()]
    assert keys == [key for key in SESSION.keys if key in keys] and set(SESSION.required) <= set(keys)
    with pytest.raises(ValueError):
        front_matter(TOPIC, {"summary": "ohne Titel"})
    with pytest.raises(ValueError):
        front_matter(TOPIC, {"title": "Titel", "titel": "vertippt"})
