"""Stage 5, write: the output folder is always one whole build, the previous one or the new one.

A build makes a complete new version of the output in a stage beside it (`.<output>.kaffee-stage`):
a file whose bytes did not change is a hard link to the current one (same inode, same
modification time, no bytes copied), a changed file is written anew, the search index goes into
the stage too. Then one atomic step exchanges the two folders (`renameat2(RENAME_EXCHANGE)` on
Linux, swap.py). A build killed at any moment leaves the old output untouched.

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
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator

from kaffee_site.digest import Stat, digest, stat_of
from kaffee_site.errors import FaultError, KaffeeError
from kaffee_site.publish.in_place import clear_way, commit_in_place
from kaffee_site.publish.lock import output_lock, real_output, sibling
from kaffee_site.outputs.kind import Output
from kaffee_site.publish.exchange import exchange_folders, recover

STAGING = ".kaffee-staging"  # the stage inside an output folder that is a mount point
SEARCH_DIR = "pagefind"  # written by the search indexer, counted apart from the pages


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
    return PurePosixPath(_plain(path))


def _plain(path: str) -> str:
    """`path` itself when it is a plain relative path (so it is its own PurePosixPath.as_posix(),
    found without building one: this runs for every output of every build)."""
    if not path or "\\" in path or not _UNSAFE_PARTS.isdisjoint(path.split("/")):
        raise UnsafePath(f"refusing to write '{path}': it is not a plain path inside the output folder")
    return path


_UNSAFE_PARTS = frozenset({"", ".", ".."})  # an empty first part is an absolute path


def _output_rel(path: str) -> str:
    """The stage path of an output; refused where the writer keeps its own files."""
    rel = _plain(path)
    if rel.split("/")[0] == STAGING or rel.endswith(".kaffee-tmp"):
        raise UnsafePath(f"two outputs want the same path '{rel}'")
    return rel


@dataclass(frozen=True)
class Placed:
    """An output put into the stage (by a worker process or here): its path, whether its bytes
    were written (False: the unchanged current file was linked), and, when the writer is asked to
    key what it places, the digest of its bytes, the Stat of the staged file and what the cache's
    files made of it (blobs.adopt: a Stat, or why it could not be kept)."""

    path: str
    written: bool
    digest: str = ""
    stat: Stat | None = None
    blob: Stat | str | None = None


@dataclass(frozen=True)
class Kept:
    """An output the engine keeps without rendering it: the current output's file when `source`
    is None, else the file `source` (the cache's file of those bytes), linked into the stage."""

    path: str
    digest: str = ""
    source: str | None = None


class StageWriter:
    """Places files into a stage. Plain data, so forked or spawned workers can write their own files.

    `current` and `spare` map the regular files of the output and of the stage (found without
    following links) to their inodes; only those files are ever compared, linked or replaced.
    With `blobs` (reuse/blobs.py) every file placed by `place` is also kept in the cache by its
    digest; with `keyed` its digest and Stat come back in its Placed."""

    def __init__(self, root: Path, output: Path, current: dict[str, int], spare: dict[str, int],
                 folders: set[str], blobs: Any = None, keyed: bool = False):
        self.root, self.output = str(root), str(output)
        self.current, self.spare = current, spare
        self.blobs, self.keyed = blobs, keyed or blobs is not None
        self._made = {self.root, *(os.path.join(self.root, f) for f in folders)}

    def place(self, output: Output) -> Placed:
        """Put a rendered output (bytes) into the stage, in whichever process holds this writer."""
        rel, data = _output_rel(output.path), output.data
        written = self.put(rel, data)  # type: ignore[arg-type]
        if not self.keyed:
            return Placed(rel, written)
        staged = os.path.join(self.root, rel)
        key = digest(data)  # type: ignore[arg-type]
        blob = self.blobs.adopt(key, staged, data) if self.blobs is not None else None
        return Placed(rel, written, key, stat_of(os.lstat(staged)), blob)

    def put(self, rel: str, data: bytes) -> bool:
        """Place the file `rel` with `data`; True if written, False if the unchanged current file was linked."""
        if rel in self.current and self._same_bytes(rel, data) and self._link(rel):
            return False
        self._write(rel, data)
        return True

    def keep(self, rel: str) -> bool:
        """Link the current file `rel` as it is; False if there is none to link."""
        return rel in self.current and self._link(rel)

    def link_in(self, rel: str, source: str) -> bool:
        """Place the file `source` (the cache's) as `rel`, linked where the file system allows;
        True if the output's file changes with it."""
        try:
            inode = os.lstat(source).st_ino
        except OSError:
            inode = -1
        if self.spare.get(rel, -2) == inode:
            return self.current.get(rel) != inode  # the stage holds this very file already
        scratch = self._scratch(rel)
        try:
            os.link(source, scratch, follow_symlinks=False)
        except OSError:  # another file system: the bytes are copied
            with open(source, "rb") as handle:
                data = handle.read()
            self._write(rel, data)
            return True
        self._replace(scratch, rel)
        return self.current.get(rel) != inode

    def forget_folders(self, gone: set[str]) -> None:
        self._made -= gone

    def _same_bytes(self, rel: str, data: bytes) -> bool:
        try:
            fd = os.open(os.path.join(self.output, rel), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
                return False
            with open(fd, "rb", closefd=False) as handle:
                return handle.read() == data
        finally:
            os.close(fd)

    def _link(self, rel: str) -> bool:
        if self.spare.get(rel) == self.current[rel]:
            return True  # the stage already holds this very file (it did not change in two builds)
        scratch = self._scratch(rel)
        try:
            os.link(os.path.join(self.output, rel), scratch, follow_symlinks=False)
        except OSError:
            return False  # a file system without hard links: the caller writes the bytes
        self._replace(scratch, rel)
        return True

    def _write(self, rel: str, data: bytes) -> None:
        scratch = self._scratch(rel)
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            with open(fd, "wb") as handle:
                handle.write(data)
        except OSError as err:  # a write names no file: say which one (a full disk)
            raise OSError(err.errno, err.strerror, os.path.join(self.root, rel)) from None
        self._replace(scratch, rel)

    def _scratch(self, rel: str) -> str:
        """A fresh name beside the target: the file is renamed into place when complete."""
        target = os.path.join(self.root, rel)
        self._folder(os.path.dirname(target), rel)
        scratch = f"{target}.{os.getpid()}.kaffee-tmp"
        if os.path.lexists(scratch):
            os.unlink(scratch)
        return scratch

    def _folder(self, folder: str, rel: str) -> None:
        if folder in self._made:
            return
        parent = os.path.dirname(folder)
        self._folder(parent, rel)
        try:
            os.mkdir(folder)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(folder).st_mode):  # a file of an older build where a folder goes
                os.unlink(folder)
                os.mkdir(folder)
        self._made.add(folder)

    def _replace(self, scratch: str, rel: str) -> None:
        target = os.path.join(self.root, rel)
        try:
            os.replace(scratch, target)
        except IsADirectoryError:  # a folder of an older build where a file goes
            shutil.rmtree(target)
            os.replace(scratch, target)


class Stage:
    """The next version of one output folder. Open it while holding `output_lock` (`staged`).

    `path` is where the files go (workers may write there through `writer`); `commit()` makes it
    the output in one step. Everything placed is recorded (`write`), so the report, the removal
    of files no longer made and the duplicate check see it, whoever wrote it.

    The search index reads the staged pages through `pages()` and `file()` and puts its own files
    in with `write(..., apart=True)`: they are not counted as the build's files."""

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
        self.apart: set[str] = set()  # files placed but not counted as the build's (the search index)
        self._done = False

    def write(self, items: Iterable[Output | Placed | Kept], apart: bool = False) -> None:
        """Place every item: bytes, a file to copy, a file a worker placed, a file kept."""
        for item in items:
            if isinstance(item, Placed):  # a worker wrote it (a second output of one path: its
                rel, written = item.path, item.written  # file was replaced, but the build fails here)
                if item.digest:
                    self.digests[rel] = item.digest
            elif isinstance(item, Kept):
                rel = _output_rel(item.path)
                written = self._keep(rel, item.source)
                if item.digest:
                    self.digests[rel] = item.digest
            else:
                rel = _output_rel(item.path)
                data = item.data if item.data is not None else Path(item.source).read_bytes()  # type: ignore[arg-type]
                written = self.writer.put(rel, data)
            if rel in self.produced or rel in self.apart:
                raise UnsafePath(f"two outputs want the same path '{rel}'")
            if apart:
                self.apart.add(rel)
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

    def file(self, rel: str) -> Path:
        """Where a staged file lies (to be read, never written)."""
        return self.path / _output_rel(rel)

    def carry(self, folder: str) -> None:
        """Keep a folder of the current output as it is (serve's search index between its runs)."""
        prefix = folder + "/"
        for rel in sorted(r for r in self.writer.current if r.startswith(prefix)):
            if self.writer.keep(rel):
                self.apart.add(rel)

    def commit(self) -> WriteReport:
        """Make the stage the output folder; the stage then holds the previous build."""
        report = self.report()
        gone = _prune(self.path, self.writer.spare, set(self.produced) | self.apart)
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
                      if rel not in self.produced and rel not in self.apart and rel.split("/")[0] != SEARCH_DIR)
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
