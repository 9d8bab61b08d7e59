"""The words of the editor's forms, in the archive's language: a label per key, the schema's hint
below each field, the collections' names. Decap CMS brings its own words for everything else
(buttons, messages), chosen by `locale:`.

The English text is the message id, looked up under the context "cms" in the archive's catalogue
(locales/*.po), like every other word of the archive; `strings()` lists them for the catalogue test.
"""

from __future__ import annotations

from kaffee_site.content.schema import KINDS, Field, Kind
from kaffee_site.i18n import Catalogue

CONTEXT = "cms"

# A key's label; the same key means the same in every kind (a speaker's `name` and a person's).
LABELS = {
    "title": "Title", "date": "Date", "series": "Series", "number": "Number", "topics": "Topics",
    "speakers": "Speakers", "name": "Name", "org": "Organisation", "summary": "Summary", "image": "Image",
    "src": "Picture file", "alt": "Alternative text", "next": "Next session", "time": "Start", "end": "End",
    "draft": "Draft", "example": "Invented example", "slug": "Address (slug)", "aliases": "Other names", "forms": "Inflected forms",
    "redirect_from": "Earlier addresses", "description": "Description", "link": "Web address", "role": "Role",
    "body": "Text",
}
# what one entry of a list is called ("add a speaker")
SINGULAR = {"speakers": "Speaker", "topics": "Topic", "aliases": "Other name", "forms": "Inflected form",
            "redirect_from": "Earlier address"}
# (plural, singular) of each kind's collection
COLLECTIONS = {
    "session": ("Sessions", "Session"), "topic": ("Topics", "Topic"), "page": ("Pages", "Page"),
    "person": ("People", "Person"), "organisation": ("Organisations", "Organisation"),
}
# the editor page and the sessions' list
OTHERS = ("Editor", "This editor needs JavaScript.",
          "The editor could not be loaded: check the connection, or 'cms: script' in site.yaml.", "Drafts", "Year",
          "A time of day like 14:00", "Lower-case letters, digits and single hyphens",
          "An address starting with https://", "%(what)s: fill in %(fields)s, or empty it entirely.")


def label(words: Catalogue, key: str) -> str:
    return words.pgettext(CONTEXT, LABELS[key])


def hint(words: Catalogue, field: Field | None = None, kind: Kind | None = None) -> str:
    """A field's hint, or with `kind` alone what its Markdown body holds."""
    text = field.hint if field is not None else (kind.body if kind is not None else "")
    return words.pgettext(CONTEXT, _sentence(text)) if text else ""


def word(words: Catalogue, text: str) -> str:
    return words.pgettext(CONTEXT, text)


def _sentence(text: str) -> str:
    """The schema's hint as the form shows it: with a capital first letter."""
    return text[:1].upper() + text[1:]


def _fields(fields: tuple[Field, ...]):
    for field in fields:
        yield field
        yield from _fields(field.fields)


def strings() -> set[tuple[str, str, None]]:
    """(context, message id, plural) of every word the forms show, for the catalogues."""
    texts = {*LABELS.values(), *SINGULAR.values(), *(name for pair in COLLECTIONS.values() for name in pair),
             *OTHERS}
    for kind in KINDS:
        texts |= {_sentence(field.hint) for field in _fields(kind.fields)}
        texts |= {_sentence(kind.body)} if kind.body else set()
    return {(CONTEXT, text, None) for text in texts}
