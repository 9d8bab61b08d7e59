"""Output files kept by the digest of their bytes, so an empty output folder is filled from the
cache instead of being rendered again (CI: a fresh clone, the cache restored, no output).

Every rendered output and search index file a cached build writes is also given a second name in
`.kaffee-cache/files/`, its digest: a hard link to the very file written into the stage, so
keeping it costs no bytes and no time; where the cache lies on another file system it is a copy.
A later build that keeps an output and finds no file for it in the output folder links it from
here. The index (`files.marshal`) notes each file's Stat when its bytes were last known to match
its name; a file whose Stat differs (restored from a CI cache, or edited in place through the
output's link) is read and digested again before it is used, and removed if it no longer
matches. After a successful build only the files that build placed stay.

The stage's writer (publish/writer.py) and its worker processes call `adopt` and `path`: this object is
plain data that forks carry; only the build's own process keeps the index.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Iterable

from kaffee_site.digest import Stat, digest, file_stat, stat_of
from kaffee_site.reuse.store import read_store, write_store

INDEX = "files.marshal"
FOLDER = "files"


class Blobs:
    def __init__(self, cache_folder: Path, salt: str):
        self.folder = str(cache_folder / FOLDER)
        self.index_path, self.salt = cache_folder / INDEX, salt
        self.index: dict[str, Stat] | None = None  # digest -> Stat; read on first use (the build's process)
        self.placed: set[str] = set()  # digests this run placed or kept
        self.failure: str | None = None  # why a file could not be kept, for the build's warning
        self.removed = 0

    def path(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], key[2:])

    # --- in any process: the writer keeps what it wrote -------------------------------------------

    def adopt(self, key: str, written: str, data: bytes) -> Stat | str:
        """Give the file `written` (whose bytes are `data`, digest `key`) its name here; its Stat,
        or why it could not be kept."""
        target = self.path(key)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                os.link(written, target, follow_symlinks=False)
                return stat_of(os.lstat(target))
            except FileExistsError:
                if os.lstat(target).st_ino != os.lstat(written).st_ino:
                    os.unlink(target)  # an older copy, maybe damaged: this one is known to be right
                    os.link(written, target, follow_symlinks=False)
                return stat_of(os.lstat(target))
        except OSError as err:
            if err.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                return f"{err.filename or target}: {err.strerror or err}"
        return self._copy(target, data)

    def _copy(self, target: str, data: bytes) -> Stat | str:
        """A file system without hard links between the stage and the cache: keep a copy."""
        scratch = f"{target}.{os.getpid()}.tmp"
        try:
            with open(scratch, "wb") as handle:
                handle.write(data)
            os.replace(scratch, target)
            return stat_of(os.lstat(target))
        except OSError as err:
            try:
                os.unlink(scratch)
            except OSError:
                pass
            return f"{err.filename or target}: {err.strerror or err}"

    # --- in the build's process -----------------------------------------------------------------

    def _index(self) -> dict[str, Stat]:
        if self.index is None:
            found = read_store(self.index_path, self.salt)
            self.index = {k: tuple(v) for k, v in found.items()} if found else {}  # type: ignore[misc]
        return self.index

    def noted(self, key: str, found: Stat | str) -> None:
        """What `adopt` gave, in whichever process it ran."""
        if isinstance(found, str):
            self.failure = self.failure or found
        else:
            self._index()[key] = found
            self.placed.add(key)

    def noted_stat(self, key: str) -> Stat | None:
        """The Stat the file `key` had when its bytes were last known to match (a file in the
        output with this Stat is this very file)."""
        return self._index().get(key)

    def mark(self, key: str) -> None:
        """This run places the file `key` (from the current output): it stays."""
        self.placed.add(key)

    def has(self, key: str) -> bool:
        """Whether the file named `key` is here with exactly those bytes (digested again when its
        Stat is not the one noted)."""
        index = self._index()
        path = self.path(key)
        now = file_stat(path)
        if now is None:
            return False
        if index.get(key) != now:
            try:
                with open(path, "rb") as handle:
                    same = digest(handle.read()) == key
            except OSError:
                same = False
            if not same:
                try:
                    os.unlink(path)
                except OSError:
                    pass
                index.pop(key, None)
                return False
            index[key] = now
        self.placed.add(key)
        return True

    def save(self, sweep: bool) -> list[str]:
        """Write the index; with `sweep` (a successful run) remove the files it did not place.
        Returns why the cache is incomplete (none: all kept)."""
        index = self._index()
        self.removed = 0
        if sweep:
            for key in [k for k in index if k not in self.placed]:
                del index[key]
            self._remove_unplaced()
        failure = write_store(self.index_path, self.salt, index)
        return [f for f in (self.failure, failure) if f]

    def _remove_unplaced(self) -> None:
        try:
            folders = os.scandir(self.folder)
        except OSError:
            return
        with folders:
            for folder in folders:
                if not folder.is_dir(follow_symlinks=False):
                    self._unlink(folder.path)
                    continue
                with os.scandir(folder.path) as files:
                    for entry in files:
                        if folder.name + entry.name not in self.placed:
                            self._unlink(entry.path)

    def _unlink(self, path: str) -> None:
        try:
            os.unlink(path)
            self.removed += 1
        except OSError:
            pass

    def size(self, keys: Iterable[str] | None = None) -> int:
        """Bytes of the files kept (as noted in the index)."""
        index = self._index()
        return sum(index[k][0] for k in (keys if keys is not None else index) if k in index)
