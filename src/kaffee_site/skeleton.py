"""What `new` writes and `check` recognises: the speaker placeholder, the body skeleton's
sentences, the numbers sessions already use, and the quoting of the values it writes (`import`
writes them the same way). One module, read by commands/new.py and by
the review (review/leftovers.py, review/numbers.py), so the two never disagree on them."""

from __future__ import annotations

import unicodedata

from kaffee_site.content.load import Content, SourceDoc
from kaffee_site.i18n import DEFAULT_LANGUAGE, available_languages, catalogue


def placeholder(language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """The speaker `new` writes until the editor replaces it: (name, organisation)."""
    words = catalogue(language)
    return words.pgettext("scaffold", "First Last"), words.pgettext("scaffold", "Organisation")


PLACEHOLDER_NAME, PLACEHOLDER_ORG = placeholder()
# every language's placeholder, so `check` finds one left in any archive
PLACEHOLDERS = frozenset(placeholder(language) for language in available_languages())


def session_body(language: str = DEFAULT_LANGUAGE) -> str:
    words = catalogue(language)
    return (f"{words.pgettext('scaffold', 'What was it about? A sentence or two for the overview.')}\n\n"
            f"## {words.pgettext('scaffold', 'Talk')}\n\n"
            f"{words.pgettext('scaffold', 'Who presented what?')}\n\n"
            f"## {words.pgettext('scaffold', 'Discussion')}\n\n"
            f"{words.pgettext('scaffold', 'What did the participants report, ask, agree on?')}\n")


def numbered_sessions(content: Content) -> list[tuple[str, int, SourceDoc]]:
    """(series, number, file) of every session file with a valid number, drafts included:
    a draft holds its number too. Read from the front matter, so other errors do not hide it."""
    found = []
    for doc in content.of_kind("session"):
        series = doc.meta.get("series", content.config.series)
        number = doc.meta.get("number")
        if isinstance(series, str) and series.strip() and isinstance(number, int) \
                and not isinstance(number, bool) and number >= 1:
            found.append((" ".join(series.split()), number, doc))
    return found


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar: safe for ':', '#', quotes, leading '-' or '[' and any character."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif unicodedata.category(char).startswith("C") or char in "\u2028\u2029\ufeff":
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
