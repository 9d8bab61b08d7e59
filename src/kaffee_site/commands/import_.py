"""`kaffee-site import SOURCE...`: the sources in order, one outcome each, for the CLI to print.

A folder stands for the pages and texts in it, `--list FILE` for the sources named in a file
(one a line, '#' starts a comment), `-` for standard input (once). The archive is read once;
each report imported is known to the next, so a batch never imports the same session twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from kaffee_site.errors import UsageError
from kaffee_site.importer.archive import read_archive
from kaffee_site.importer.run import ImportFailed, Imported, ImportOptions, import_one
from kaffee_site.importer.sources import STDIN, expand


@dataclass(frozen=True)
class Failed:
    label: str
    message: str


def sources(args: list[str], list_file: Path | None) -> list[str]:
    named = list(args)
    if list_file is not None:
        try:
            lines = list_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"{list_file}: cannot read the list of sources ({err})") from None
        named += [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if not named:
        raise UsageError("name at least one SOURCE: a web address, a saved page, a text file, a folder, or - for pasted text")
    if named.count(STDIN) > 1:
        raise UsageError("'-' (standard input) can be read once only")
    return expand(named)


def run_import(named: list[str], options: ImportOptions, stdin: BinaryIO | None) -> Iterator[Imported | Failed]:
    """Yield the outcome of each source (from `sources`) as soon as it is known."""
    if options.given_date is not None and len(named) > 1:
        raise UsageError("--date gives the date of one report: import that source alone")
    archive = read_archive(options.content_dir)
    for arg in named:
        try:
            yield import_one(arg, archive, options, stdin)
        except ImportFailed as err:
            yield Failed(arg if arg != STDIN else "standard input", str(err))
