"""`kaffee-site init [DIR]`: a new archive, laid out so that `build` and `serve` work there as they are.

It writes `content/` (site.yaml with every setting explained, one sample session, one topic,
and the pages a German public body's site must have: Impressum, Datenschutzerklärung,
Erklärung zur Barrierefreiheit; their English counterparts for `--language en`), and beside it
`.gitignore`, `requirements.txt` (what CI installs this very tool from: provenance.py, with a
wheel in `vendor/` when it was installed from one) and the workflow files that publish to GitHub
Pages and GitLab Pages. The files come from `scaffold/` in the package. A folder that already holds an archive
(a `content/` folder) is refused; other files already there are kept, never overwritten.
The date of the sample session comes from the caller: this module never reads the clock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import tempfile

from kaffee_site import __version__
from kaffee_site.commands.provenance import Requirement, installed_requirement, vendor
from kaffee_site.errors import KaffeeError, UsageError
from kaffee_site.i18n import available_languages, catalogue, catalogue_language
from kaffee_site.urls import urls_for

SCAFFOLD = Path(__file__).resolve().parent.parent / "scaffold"
FALLBACK = "en"  # the scaffold of a language that has a catalogue but no scaffold of its own
TITLES = {"de": "Unser Sitzungsarchiv", "en": "Our session archive"}
DOT = "dot-"  # package data cannot hold hidden files: 'dot-gitignore' is written as '.gitignore'


class ArchiveExists(KaffeeError):
    """The folder holds an archive already: `init` writes nothing there."""


@dataclass(frozen=True)
class NewArchive:
    folder: Path
    language: str
    written: tuple[str, ...]  # paths inside the folder, in the order written
    kept: tuple[str, ...]  # files that were there already and were left as they are
    pages: tuple[str, ...]  # the skeleton pages to fill in, as paths inside the folder
    requirement: Requirement | None = None  # how CI installs this tool (provenance.py)


def init_archive(folder: Path, language: str, day: date, title: str | None = None) -> NewArchive:
    """Write a new archive into `folder` (made if missing); raises ArchiveExists or UsageError."""
    code = catalogue_language(language)
    if code is None:
        raise UsageError(f"there is no catalogue for the language {language!r}; "
                         f"the languages are {', '.join(available_languages())}")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file, not a folder")
    if (folder / "content").exists():
        raise ArchiveExists(f"{folder / 'content'}: this folder holds an archive already; nothing was written "
                            "(run 'kaffee-site init' in an empty folder, or give it a new one: kaffee-site init NEW)")
    title = " ".join((title or TITLES.get(code, TITLES[FALLBACK])).split())
    if not title:
        raise UsageError("the title must not be empty")
    with tempfile.TemporaryDirectory(prefix="kaffee-site-init-") as scratch:
        requirement = installed_requirement(Path(scratch))
        written, kept = _write(folder, code, language, day, title, requirement)
        written += vendor(requirement, folder)
    pages = tuple(rel for rel in written if rel.startswith("content/pages/"))
    return NewArchive(folder, language, tuple(written), tuple(kept), pages, requirement)


def _write(folder: Path, code: str, language: str, day: date, title: str,
           requirement: Requirement) -> tuple[list[str], list[str]]:
    values = {"@TITLE@": _yaml_inner(title), "@DATE@": day.isoformat(), "@YEAR@": str(day.year),
              "@LANGUAGE@": language, "@VERSION@": __version__, "@REQUIREMENT@": requirement.line}
    files = {**_files(SCAFFOLD / "common", values), **_files(SCAFFOLD / (code if (SCAFFOLD / code).is_dir()
                                                                         else FALLBACK), values)}
    for rel in files:  # before anything is written: a folder in the way is one message, not a traceback
        _check_folders(folder, rel)
    written, kept = [], []
    for rel, text in files.items():
        target = folder / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("x", encoding="utf-8", newline="\n") as out:  # "x": never overwrite
                out.write(text)
            written.append(rel)
        except FileExistsError:
            kept.append(rel)
        except OSError as err:
            done = f"; {len(written)} file(s) were written before it" if written else "; nothing was written"
            raise UsageError(f"{err.filename or target}: cannot write it: {err.strerror}{done}") from None
    return written, kept


def _check_folders(folder: Path, rel: str) -> None:
    """Every folder on the way to `rel` is missing or a folder (a link to one counts)."""
    path = folder
    for part in ("", *Path(rel).parts[:-1]):
        path = path / part if part else path
        if path.is_dir() or not os.path.lexists(path):
            continue
        if path.is_symlink():
            raise UsageError(f"{path}: is a symbolic link to {os.readlink(path)}, which does not exist; nothing "
                             "was written (remove the link, or make the folder it points to)")
        raise UsageError(f"{path}: is a file, not a folder; nothing was written (move it away first)")


def _files(root: Path, values: dict[str, str]) -> dict[str, str]:
    """rel path in the new archive -> text, with the @NAME@ values filled in (paths too)."""
    files = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = "/".join("." + part[len(DOT):] if part.startswith(DOT) else part
                       for part in path.relative_to(root).parts)
        text = path.read_text(encoding="utf-8")
        for key, value in values.items():
            rel, text = rel.replace(key, value), text.replace(key, value)
        files[rel] = text
    return files


def _yaml_inner(text: str) -> str:
    """Text for inside a double-quoted YAML scalar ("…")."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def next_steps(archive: NewArchive) -> list[str]:
    """What to do now, for the CLI to print."""
    here = archive.folder
    go = [] if here.resolve() == Path.cwd().resolve() else [f"cd {here}"]
    search = urls_for(archive.language).sessions
    title = catalogue(archive.language).pgettext("example", "Title of the session")  # in the archive's words
    return [
        *go,
        "kaffee-site serve        # preview on http://127.0.0.1:8000/, rebuilt on every save",
        "edit content/site.yaml   # title, description; base_url once you know the address",
        *(f"fill in {page}" for page in archive.pages),
        f'kaffee-site new "{title}"'.ljust(41) + "# a report in content/sessions/ "
        f"(published under /{search}/)",
        "kaffee-site check --strict               # what CI runs before it publishes",
        "git init && git add . && git commit -m 'New archive'   # push to GitHub or GitLab: "
        "the workflow in .github/ or .gitlab-ci.yml publishes it",
    ]
