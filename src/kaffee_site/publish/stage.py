"""Stage 5, write: the output folder is always one whole build, the previous one or the new one.

A build makes a complete new version of the output in a stage beside it (`.<output>.kaffee-stage`):
a file whose bytes did not change is a hard link to the current one (same inode, same
modification time, no bytes copied), a changed file is written anew, the search index goes into
the stage too. Then one atomic step exchanges the two folders (`renameat2(RENAME_EXCHANGE)` on
Linux, exchange.py); the files are placed by writer.py. A build killed at any moment leaves the old output untouched.

After the exchange the stage holds the previous build, and it stays there as the next build's
stage: the next build only replaces the files that differ and removes the ones no longer made,
so its folders are neither made nor deleted again (measured here: a `rmdir` costs over a
millisecond, and every page has a folder). A stage left by a killed build is simply brought
up to date the same way. Files in the stage are never written in place (a new file is written
under a temporary name and renamed), because a file there may be a link to one in the output.

An output folder that is a mount point cannot be exchanged; there the stage lives inside it and
the changed files are moved into place one by one (each file atomic, the whole build not).

Nothing is ever written through a symbolic link found in the output or the stage: only regular
files of the output are compared and linked, and a link in the stage is removed before anything
is placed there, so links, whatever they point to, are not part of the next build.
"""

from __future__ import annotations

import errno
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from kaffee_site.digest import Stat, file_stat
from kaffee_site.errors import FaultError
from kaffee_site.outputs.kind import Output
from kaffee_site.publish.exchange import exchange_folders, recover
from kaffee_site.publish.in_place import clear_way, commit_in_place
from kaffee_site.publish.lock import output_lock, real_output, sibling
from kaffee_site.publish.writer import STAGING, KeptOutput, StagedOutput, StageWriter, UnsafePath, output_rel, safe_relative

SEARCH_DIR = "pagefind"  # written by the search indexer, counted apart from the pages


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int
    changed: tuple[str, ...] = ()  # the paths written, in order

    @property
    def total(self) -> int:
        return self.written + self.unchanged


class Stage:
    """The next version of one output folder. Open it while holding `output_lock` (`staged`).

    `path` is where the files go (workers may write there through `writer`); `commit()` makes it
    the output in one step. Everything placed is recorded (`write`), so the report, the removal
    of files no longer made and the duplicate check see it, whoever wrote it.

    The search index reads the staged pages through `pages()` and `file()` and puts its own files
    in with `write(..., counted=False)`: they are not counted as the build's files."""

    def __init__(self, output_dir: Path, blobs: Any = None, keyed: bool = False):
        self.display = output_dir
        self.output = real_output(output_dir)
        recover(self.output)
        if os.path.lexists(self.output) and not self.output.is_dir():
            raise FaultError(f"{output_dir}: the output path is a file, not a folder")
        self.in_place = self.output.is_dir() and os.path.ismount(self.output)
        self.path = self.output / STAGING if self.in_place else sibling(self.output, "stage")
        if self.in_place or not self.output.is_dir() or self.path.is_symlink() or \
                (self.path.exists() and not self.path.is_dir()):
            _remove(self.path)  # a stage is only worth keeping as the spare of an existing output
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.mkdir(exist_ok=True)
        current = _scan(self.output, skip=STAGING)[0] if self.output.is_dir() else {}
        spare, folders = _scan(self.path, skip="", tidy=True)
        self.writer = StageWriter(self.path, self.output, current, spare, folders, blobs, keyed)
        self.produced: dict[str, bool] = {}  # rel -> written (False: the unchanged current file)
        self.digests: dict[str, str] = {}  # rel -> digest of its bytes, where the writer knows it
        self.uncounted: set[str] = set()  # files placed but not counted as the build's (the search index)
        self._done = False

    def write(self, items: Iterable[Output | StagedOutput | KeptOutput], counted: bool = True) -> None:
        """Place every item: bytes, a file to copy, a file a worker placed, a file kept."""
        for item in items:
            if isinstance(item, StagedOutput):  # a worker wrote it (a second output of one path: its
                rel, written = item.path, item.written  # file was replaced, but the build fails here)
                if item.digest:
                    self.digests[rel] = item.digest
            elif isinstance(item, KeptOutput):
                rel = output_rel(item.path)
                written = self._keep(rel, item.source)
                if item.digest:
                    self.digests[rel] = item.digest
            else:
                rel = output_rel(item.path)
                data = item.data if item.data is not None else Path(item.source).read_bytes()  # type: ignore[arg-type]
                written = self.writer.put(rel, data)
            if rel in self.produced or rel in self.uncounted:
                raise UnsafePath(f"two outputs want the same path '{rel}'")
            if not counted:
                self.uncounted.add(rel)
            else:
                self.produced[rel] = written

    def _keep(self, rel: str, source: str | None) -> bool:
        if source is not None:
            return self.writer.link_in(rel, source)
        if not self.writer.keep(rel):  # a file system without hard links: the bytes are copied
            self.writer.put(rel, (self.output / rel).read_bytes())
        return False

    def pages(self) -> dict[str, str]:
        """The HTML pages this build placed, outside hidden folders, with the digest of their bytes
        ('' where it is not known)."""
        return {rel: self.digests.get(rel, "") for rel in self.produced
                if rel.endswith(".html") and not any(part.startswith(".") for part in rel.split("/"))}

    def place(self, outputs: Iterable[Output]) -> list[StagedOutput]:
        """Put outputs into the stage as rendered pages are put (their digests and Stats noted,
        kept in the cache's files), not counted as the build's: the search index's files."""
        placed = [self.writer.place(output) for output in outputs]
        self.write(placed, counted=False)
        return placed

    def current_stat(self, rel: str) -> Stat | None:
        """The Stat of the current output's file `rel`; None when it has none."""
        return file_stat(self.output / output_rel(rel))

    def file(self, rel: str) -> Path:
        """Where a staged file lies (to be read, never written)."""
        return self.path / output_rel(rel)

    def keep_folder(self, folder: str) -> None:
        """Keep a folder of the current output as it is (serve's search index between its runs)."""
        prefix = folder + "/"
        for rel in sorted(r for r in self.writer.current if r.startswith(prefix)):
            if self.writer.keep(rel):
                self.uncounted.add(rel)

    def commit(self) -> WriteReport:
        """Make the stage the output folder; the stage then holds the previous build."""
        report = self.report()
        gone = _prune(self.path, self.writer.spare, set(self.produced) | self.uncounted)
        self.writer.forget_folders(gone)
        if self.in_place:
            commit_in_place(self.output, self.path, _scan(self.path, skip="")[0], STAGING)
            shutil.rmtree(self.path)
        elif not os.path.lexists(self.output):
            os.rename(self.path, self.output)
        else:
            exchange_folders(self.path, self.output)
        self._done = True
        return report

    def discard(self) -> None:
        """After a failure: the output is untouched; the stage stays only as the spare of an output."""
        if not self._done and (self.in_place or not self.output.is_dir()):
            _remove(self.path)
        self._done = True

    def report(self) -> WriteReport:
        changed = tuple(rel for rel, written in self.produced.items() if written)
        removed = sum(1 for rel in self.writer.current
                      if rel not in self.produced and rel not in self.uncounted and rel.split("/")[0] != SEARCH_DIR)
        return WriteReport(len(changed), len(self.produced) - len(changed), removed, changed)


@contextmanager
def staged(output_dir: Path, waiting: Callable[[str], None] | None = None, blobs: Any = None,
           keyed: bool = False) -> Iterator[Stage]:
    """The stage of `output_dir`, holding the folder's lock (`waiting` hears if it has to wait).
    The caller writes into it and commits; whatever it does not commit is discarded."""
    with output_lock(output_dir, waiting):
        stage = Stage(output_dir, blobs, keyed)
        try:
            yield stage
        finally:
            stage.discard()


@contextmanager
def faults_as_errors(output_dir: Path) -> Iterator[None]:
    """A failure of the machine becomes one clear FaultError (only cli.py prints)."""
    try:
        yield
    except OSError as err:
        raise FaultError(fault_message(err, output_dir)) from None


def write_files(outputs: Iterable[Output], output_dir: Path) -> list[str]:
    """Put a few files in place ahead of the next full write (serve's edited page), touching
    nothing else; each is written beside its target and renamed, so a reader sees old or new
    bytes, and a link on the way is replaced, not followed. Returns the paths whose bytes changed."""
    changed = []
    root = str(output_dir)
    os.makedirs(root, exist_ok=True)  # deleted from outside: the full write that follows restores the rest
    for output in outputs:
        rel = safe_relative(output.path).as_posix()
        target = os.path.join(root, rel)
        data = output.data if output.data is not None else Path(output.source).read_bytes()  # type: ignore[arg-type]
        try:
            if not os.path.islink(target) and os.path.isfile(target) and Path(target).read_bytes() == data:
                continue
        except OSError:
            pass
        clear_way(root, rel)
        scratch = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.kaffee-tmp")
        with open(scratch, "wb") as handle:
            handle.write(data)
        os.replace(scratch, target)
        changed.append(rel)
    return changed


def fault_message(err: OSError, output_dir: Path) -> str:
    """One line for a failure of the machine (full disk, read-only folder, a folder gone)."""
    name = err.filename
    if name is not None:
        real = str(real_output(output_dir))
        for stage in (real + "/" + STAGING, str(sibling(Path(real), "stage"))):
            if str(name).startswith(stage):
                name = str(output_dir) + str(name)[len(stage):]
    reason = err.strerror or str(err)
    if err.errno == errno.ENOSPC:
        reason += " (the disk is full)"
    return f"{name}: {reason}; the output folder was not changed" if name else \
        f"{output_dir}: {reason}; the output folder was not changed"


def _scan(root: Path, skip: str, tidy: bool = False) -> tuple[dict[str, int], set[str]]:
    """The regular files under root (relative path -> inode) and its folders; links are never
    followed. With `tidy`, anything else found (links, sockets, scratch files) is removed."""
    files: dict[str, int] = {}
    folders: set[str] = set()
    pending = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if rel != skip:
                        folders.add(rel)
                        pending.append((rel + "/", entry.path))
                elif entry.is_file(follow_symlinks=False) and not entry.name.endswith(".kaffee-tmp"):
                    files[rel] = entry.inode()
                elif tidy:
                    os.unlink(entry.path)
    return files, folders


def _prune(root: Path, spare: dict[str, int], wanted: set[str]) -> set[str]:
    """Remove the stage's files that this build did not make, and the folders they leave empty
    (returned, as full paths)."""
    base = str(root)
    emptied: set[str] = set()
    gone: set[str] = set()
    for rel in spare.keys() - wanted:
        os.unlink(os.path.join(base, rel))
        del spare[rel]  # gone: a later link to it must be made anew
        emptied.add(os.path.dirname(rel))
    for folder in sorted(emptied, key=len, reverse=True):
        while folder:
            try:
                os.rmdir(os.path.join(base, folder))
            except OSError:  # not empty (or gone): its parents are not empty either
                break
            gone.add(os.path.join(base, folder))
            folder = os.path.dirname(folder)
    return gone


def _remove(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)
