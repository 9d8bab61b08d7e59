"""Stage 5, write: put the rendered files into the output folder, safely.

Files are first written to a staging folder inside the output folder; only when every
file rendered does the staged set replace the old one. So a failed build leaves the
previous output exactly as it was. Files whose bytes did not change are not rewritten
(their modification time stays), and files no longer produced are removed.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

from kaffee_site.errors import KaffeeError
from kaffee_site.pipeline.render import Output

STAGING = ".kaffee-staging"


class UnsafePath(KaffeeError):
    """An output path would land outside the output folder."""


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int
    changed: tuple[str, ...] = ()  # the paths written, in order

    @property
    def total(self) -> int:
        return self.written + self.unchanged


def safe_relative(path: str) -> PurePosixPath:
    """Refuse anything that could escape the output folder: absolute paths, '..', empty parts."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or any(p in ("..", ".", "") for p in pure.parts) or "\\" in path:
        raise UnsafePath(f"refusing to write '{path}': it is not a plain path inside the output folder")
    return pure


def write_output(outputs: Iterable[Output], output_dir: Path) -> WriteReport:
    """Stage every output, then swap it in; on any error the output folder is left as it was.

    Into an empty output folder there is nothing to protect, so files go straight to their
    place (and are all removed again on an error): a clean build writes each file once.
    """
    created = not output_dir.exists()
    output_dir.mkdir(parents=True, exist_ok=True)
    staging = output_dir / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    fresh = not any(output_dir.iterdir())
    folders = _Folders(output_dir)
    if not fresh:
        staging.mkdir()
    produced: set[str] = set()
    changed: list[str] = []
    try:
        for output in outputs:
            rel = safe_relative(output.path).as_posix()
            if rel in produced or rel.split("/")[0] == STAGING:
                raise UnsafePath(f"two outputs want the same path '{rel}'")
            produced.add(rel)
            if fresh:
                folders.ensure(output_dir / rel)
                (output_dir / rel).write_bytes(_data(output))
                changed.append(rel)
            elif _stage(output, output_dir / rel, staging / str(len(changed))):
                changed.append(rel)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(output_dir, ignore_errors=True)
        elif fresh:  # the folder was empty: take back what this build put there
            for child in output_dir.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        raise
    if not fresh:
        for number, rel in enumerate(changed):  # staged files are numbered in the order they were made
            target = output_dir / rel
            _clear_way(target, output_dir)
            folders.ensure(target)
            os.replace(staging / str(number), target)
        shutil.rmtree(staging, ignore_errors=True)
    removed = 0 if fresh else _remove_stale(output_dir, produced)
    return WriteReport(len(changed), len(produced) - len(changed), removed, tuple(changed))


def write_files(outputs: Iterable[Output], output_dir: Path) -> list[str]:
    """Put a few files in place ahead of the next full write (serve's edited page), touching
    nothing else; each is written beside its target and renamed, so a reader sees old or new
    bytes. Returns the paths whose bytes changed."""
    changed = []
    for output in outputs:
        rel = safe_relative(output.path).as_posix()
        target = output_dir / rel
        data = _data(output)
        try:
            if target.is_file() and target.read_bytes() == data:
                continue
        except OSError:
            pass
        _clear_way(target, output_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_name(f".{target.name}.kaffee-tmp")
        scratch.write_bytes(data)
        os.replace(scratch, target)
        changed.append(rel)
    return changed


class _Folders:
    """Creates parent folders once each: a build writes thousands of files into few folders."""

    def __init__(self, root: Path):
        self._made = {str(root)}

    def ensure(self, target: Path) -> None:
        parent = str(target.parent)
        if parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(parent)


def _data(output: Output) -> bytes:
    return output.data if output.data is not None else output.source.read_bytes()  # type: ignore[union-attr]


def _stage(output: Output, current: Path, staged: Path) -> bool:
    """Write the output into staging if it differs from the current file; True if staged."""
    if output.data is None and output.source is not None and output.source == current:
        return False  # a page the cache kept: the file in place is the output
    data = _data(output)
    try:
        if current.is_file() and not current.is_symlink() and current.stat().st_size == len(data) \
                and current.read_bytes() == data:
            return False
    except OSError:
        pass
    staged.write_bytes(data)
    return True


def _clear_way(target: Path, root: Path) -> None:
    """A folder (or file) in the way of a new file or of a new file's parents is removed."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    parent = target.parent
    while parent != root:
        if parent.exists() and not parent.is_dir():
            parent.unlink()
            break
        parent = parent.parent


def _remove_stale(output_dir: Path, produced: set[str]) -> int:
    """Delete files this build did not produce, then folders left empty (plain strings, one walk)."""
    removed = 0
    root = str(output_dir)
    for folder, dirs, files in os.walk(root, topdown=False):
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if rel_folder == "." else rel_folder + "/"
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            rel = prefix + name
            if rel not in produced and not _kept(rel):
                os.unlink(os.path.join(folder, name))
                removed += 1
        if prefix and not os.listdir(folder):
            os.rmdir(folder)
    return removed


def _kept(rel: str) -> bool:
    """Files other tools put into the output on purpose (the search index) are theirs to manage."""
    return rel.split("/")[0] in ("pagefind",)
