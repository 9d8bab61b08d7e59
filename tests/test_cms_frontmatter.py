"""A form saved by the browser editor keeps what it did not change (cms/frontmatter.py).

Decap CMS sends the whole file anew, written by its own YAML 1.2 library, in the form's order
and without comments. What lands on disk must read back, with the build's YAML 1.1, as what the
form meant, and everything the editor did not touch must stay byte for byte.
"""

from __future__ import annotations

import pytest

from kaffee_site.cms.files import Refused
from kaffee_site.cms.frontmatter import merged
from kaffee_site.content.load import parse_yaml
from kaffee_site.content.schema import PERSON, SESSION

OLD = """---
# imported from the old site
title: Erste Sitzung
date: 2025-01-16  # from "am 16. Januar 2025"
number: 1
livestream: https://example.org/live  # a theme's own key

# who spoke
speakers:
  - name: Jana Beispiel
    org: Kreis Beispiel
---

Ein Bericht über [[Verstetigung]].

- eins
"""
BODY = "\nEin Bericht über [[Verstetigung]].\n\n- eins\n"


def decap(**front) -> str:
    """A file as Decap writes it: its key order, no comments, YAML 1.2."""
    lines = "".join(f"{key}: {value}\n" for key, value in front.items())
    return f"---\n{lines}---\n{BODY}"


def front_of(text: str) -> dict:
    return parse_yaml(text.split("---\n")[1], "x.md", first_line=2)[0]


def test_untouched_keys_keep_their_lines_comments_and_order():
    new = decap(number=1, title="Erste Sitzung", date="2025-01-16",
                speakers="\n  - org: Kreis Beispiel\n    name: Jana Beispiel", draft="false")
    assert merged(new, OLD, SESSION, "x.md") == OLD


def test_a_changed_key_is_written_in_its_place_and_a_cleared_one_removed():
    new = decap(title="'Erste Sitzung: Rückblick'", date="2025-01-16", number=2)
    text = merged(new, OLD, SESSION, "x.md")
    assert text == OLD.replace("title: Erste Sitzung\n", 'title: "Erste Sitzung: Rückblick"\n') \
        .replace("number: 1\n", "number: 2\n") \
        .replace("\n# who spoke\nspeakers:\n  - name: Jana Beispiel\n    org: Kreis Beispiel\n", "")
    assert "livestream: https://example.org/live  # a theme's own key" in text, "a key the form does not know"


def test_a_new_key_goes_where_the_schema_puts_it():
    new = decap(title="Erste Sitzung", date="2025-01-16", number=1, series="Kaffee extra",
                speakers="\n  - name: Jana Beispiel\n    org: Kreis Beispiel")
    text = merged(new, OLD, SESSION, "x.md")
    lines = text.splitlines()
    assert lines.index("series: Kaffee extra") == lines.index("number: 1") - 1  # after date, before number


@pytest.mark.parametrize("value, meant", [
    ("'yes'", "yes"), ("'on'", "on"), ("'14:00'", "14:00"), ("'2024'", "2024"), ("'no'", "no"),
    ("'Kaffee # 5'", "Kaffee # 5"), ("'- eins'", "- eins"), ("'[Entwurf]'", "[Entwurf]"),
    ("'null'", "null"), ("\"Zeile\\tmit Tab\"", "Zeile\tmit Tab"), ("'  Leerzeichen'", "  Leerzeichen"),
])
def test_text_the_build_would_read_as_something_else_is_quoted(value: str, meant: str):
    text = merged(decap(title=value, date="2025-01-16"), None, SESSION, "x.md")
    assert front_of(text)["title"] == meant, text


def test_a_new_file_is_written_in_the_schemas_order_without_blanks():
    new = decap(summary="''", draft="false", topics="[]", title="Neu", date="2025-03-13", image="{}",
                time="'14:00'")
    assert merged(new, None, SESSION, "x.md") == f'---\ntitle: Neu\ndate: 2025-03-13\ntime: "14:00"\n---\n{BODY}'


def test_line_endings_and_a_byte_order_mark_stay_the_files_own():
    old = "\ufeff" + OLD.replace("\n", "\r\n")
    new = decap(title="Erste Sitzung", date="2025-01-16", number=3,
                speakers="\n  - name: Jana Beispiel\n    org: Kreis Beispiel")
    assert merged(new, old, SESSION, "x.md") == "\ufeff" + OLD.replace("number: 1", "number: 3").replace("\n", "\r\n")


def test_a_changed_body_replaces_the_old_one_and_the_front_matter_stays():
    new = decap(title="Erste Sitzung", date="2025-01-16", number=1,
                speakers="\n  - name: Jana Beispiel\n    org: Kreis Beispiel").replace(BODY, "\nNeu.\n")
    assert merged(new, OLD, SESSION, "x.md") == OLD.split("\n---\n")[0] + "\n---\n\nNeu.\n"


def test_other_kinds_and_broken_files():
    person = "---\nname: Jana Beispiel\nrole: Leitung\n---\n"
    assert merged("---\nrole: Leitung\nname: Jana Beispiel\n---\n", person, PERSON, "p.md") == person
    with pytest.raises(Refused):
        merged("title: ohne Zaun\n", None, SESSION, "x.md")
    with pytest.raises(Refused):
        merged("---\ntitle: [offen\n---\n", None, SESSION, "x.md")
    # a file on disk the build cannot read either is replaced by the form's version
    assert merged(decap(title="Neu", date="2025-01-16"), "---\ntitle: [kaputt\n---\nText\n", SESSION, "x.md") \
        == f"---\ntitle: Neu\ndate: 2025-01-16\n---\n{BODY}"
