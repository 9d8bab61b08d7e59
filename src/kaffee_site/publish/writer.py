"""The stage's writer: puts files into a stage folder, in the build's process or in a worker.

A file whose bytes did not change is a hard link to the current output's (same inode, no bytes
copied); a changed file is written under a temporary name beside its target and renamed into
place, because a file in the stage may be a link to one in the output. Nothing is written
through a symbolic link, and no path leads outside the stage (`safe_relative`).
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from kaffee_site.digest import Stat, digest, stat_of
from kaffee_site.errors import KaffeeError
from kaffee_site.outputs.kind import Output

STAGING = ".kaffee-staging"  # the stage inside an output folder that is a mount point


class UnsafePath(KaffeeError):
    """An output path would land outside the output folder."""


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


def output_rel(path: str) -> str:
    """The stage path of an output; refused where the writer keeps its own files."""
    rel = _plain(path)
    if rel.split("/")[0] == STAGING or rel.endswith(".kaffee-tmp"):
        raise UnsafePath(f"two outputs want the same path '{rel}'")
    return rel


@dataclass(frozen=True)
class StagedOutput:
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
class KeptOutput:
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
    digest; with `keyed` its digest and Stat come back in its StagedOutput."""

    def __init__(self, root: Path, output: Path, current: dict[str, int], spare: dict[str, int],
                 folders: set[str], blobs: Any = None, keyed: bool = False):
        self.root, self.output = str(root), str(output)
        self.current, self.spare = current, spare
        self.blobs, self.keyed = blobs, keyed or blobs is not None
        self._made = {self.root, *(os.path.join(self.root, f) for f in folders)}

    def place(self, output: Output) -> StagedOutput:
        """Put a rendered output (bytes) into the stage, in whichever process holds this writer."""
        rel, data = output_rel(output.path), output.data
        written = self.put(rel, data)  # type: ignore[arg-type]
        if not self.keyed:
            return StagedOutput(rel, written)
        staged = os.path.join(self.root, rel)
        key = digest(data)  # type: ignore[arg-type]
        blob = self.blobs.adopt(key, staged, data) if self.blobs is not None else None
        return StagedOutput(rel, written, key, stat_of(os.lstat(staged)), blob)

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
