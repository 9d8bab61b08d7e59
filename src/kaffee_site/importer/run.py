"""One import from start to end: read the source, find the facts, place the file and the picture.

`import_one` either returns what it wrote (or, with `dry_run`, would write) or raises an
`ImportFailed` with one line for the editor. A report whose series and date the archive already
holds is refused with the path of the one there; the archive object learns every report
imported, so a batch refuses its own duplicates too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from kaffee_site.errors import KaffeeError
from kaffee_site.importer.archive import Archive, KnownSession
from kaffee_site.importer.document import Document
from kaffee_site.importer.facts import Facts, read_facts
from kaffee_site.importer.fetch import Limits
from kaffee_site.importer.media import CheckedPicture, PictureError, free_name, keep, obtain
from kaffee_site.importer.page import read_page
from kaffee_site.importer.plaintext import read_markdown, read_text
from kaffee_site.importer.sources import read
from kaffee_site.importer.write import ImageLine, create, file_stem, session_text


class ImportFailed(KaffeeError):
    """This source was not imported; the message says why, in one line."""


@dataclass(frozen=True)
class ImportOptions:
    content_dir: Path
    dry_run: bool = False
    limits: Limits = field(default_factory=Limits)
    given_date: date | None = None


@dataclass(frozen=True)
class Imported:
    label: str
    path: Path  # the session file written (or that would be)
    text: str
    facts: Facts
    picture: str | None  # media path of the picture kept (or that would be)
    placeholder: str | None  # media path the editor is to fill: the source only describes its picture
    todo: tuple[str, ...]  # what the editor must do before `check --strict` passes
    notes: tuple[str, ...]  # what the editor should look at


def import_one(arg: str, archive: Archive, options: ImportOptions, stdin: BinaryIO | None = None) -> Imported:
    try:
        source = read(arg, options.limits, stdin)
        document = _document(source)
    except KaffeeError as err:
        raise ImportFailed(str(err)) from None
    facts = read_facts(document, archive, options.given_date)
    if facts.date is None:
        raise ImportFailed(f"{source.label}: the source gives no date for the session, so it has no place in "
                           "the archive; import it alone with --date YYYY-MM-DD")
    there = archive.session_on(facts.series, facts.date.value)
    if there is not None:
        raise ImportFailed(f"{source.label}: the archive has the report of '{facts.series}' on "
                           f"{facts.date.value.isoformat()} already: {there.display}; nothing was written")
    stem = file_stem(facts)
    path = options.content_dir / "sessions" / str(facts.date.value.year) / f"{stem}.md"
    if stem in archive.stems or path.exists():
        raise ImportFailed(f"{source.label}: {path} exists already; nothing was written")
    notes = list(facts.notes)
    todo: list[str] = []
    image, checked = _image(document, facts, options, stem, path, notes, todo)
    if not facts.title_found:
        todo.append(f"write the report's title in {path} (line 'title:')")
    text = session_text(facts, document.markdown, source.label, image, archive.config.series)
    if not options.dry_run:
        try:
            create(path, text)
        except FileExistsError:
            raise ImportFailed(f"{source.label}: {path} exists already; nothing was written") from None
        except OSError as err:
            raise ImportFailed(f"{source.label}: cannot write {path} ({err.strerror})") from None
        if checked is not None and image is not None:
            try:
                keep(options.content_dir, image.src, checked)
            except (PictureError, OSError) as err:
                todo.append(f"the picture was not saved ({err}); put it at {options.content_dir / image.src}")
    title = str(facts.title.value) if facts.title_found else ""  # a stand-in is no title to announce
    archive.add(KnownSession(facts.series, facts.date.value, facts.number.value if facts.number else None,
                             title, str(path)), stem)
    kept = image.src if image is not None and checked is not None else None
    placeholder = image.src if image is not None and checked is None else None
    return Imported(source.label, path, text, facts, kept, placeholder, tuple(todo), tuple(notes))


def _document(source) -> Document:
    if source.kind == "html":
        return read_page(source)
    if source.kind == "markdown":
        return read_markdown(source)
    return read_text(source)


def _image(document: Document, facts: Facts, options: ImportOptions, stem: str, path: Path,
           notes: list[str], todo: list[str]) -> tuple[ImageLine | None, CheckedPicture | None]:
    """The image lines of the front matter and the checked picture to keep (None: a placeholder)."""
    picture = facts.picture
    if picture is None:
        return None, None
    checked = None
    if picture.url is not None or picture.path is not None:
        try:
            checked = obtain(picture, options.limits)
        except PictureError as err:
            notes.append(f"the page's picture was not taken: {err}")
    alt_note = f"from {picture.alt_quote}" if picture.alt else "to do: describe what the picture shows"
    if not picture.alt:
        todo.append(f"describe the picture in {path} (line 'alt:' below 'image:')")
    if checked is not None:
        src = free_name(options.content_dir, stem, checked.ending)
        return ImageLine(src, f"from {checked.origin}", picture.alt, alt_note), checked
    src = free_name(options.content_dir, stem, "jpg")
    which = f"the page's picture '{picture.reference}'" if picture.reference else f"the picture that image.alt in {path} describes"
    todo.append(f"save {which} as {options.content_dir / src} (another format: change 'src:' to its name), "
                "or delete the image lines")
    return ImageLine(src, "to do: the picture is not in the archive yet: save it under this name", picture.alt,
                     alt_note), None
