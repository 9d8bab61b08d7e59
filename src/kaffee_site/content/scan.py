"""Which files under the content folder a build reads, found without ever leaving that folder.

A merged pull request decides what is in `content/`, and CI publishes what the build reads, so
the listing is the gate: a symbolic link is followed only when its target, fully resolved, lies
inside the content folder and on no hidden path (`.git/config` may hold a CI token); any other
link (outside, broken, looping) is an error naming the link, and nothing behind it is read.
A folder or file that cannot be read is an error too, never silently left out of the archive.

Names are NFC-normalised (macOS writes `ö` as `o` + combining diaeresis), so a file is known
by the same name whichever system saved it; the path to read stays the one on disk.
"""

from __future__ import annotations

import errno
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kaffee_site.errors import Problem

LINK_HINT = "replace the link with the file itself, or point it at a file inside the content folder"


@dataclass(frozen=True)
class Entry:
    """One file the build may read."""

    path: Path  # where to read it: the file, or the target of a link that stays inside
    rel: str  # NFC path inside the content folder, forward slashes: where the editor put it


@dataclass
class Walk:
    """Lists files under one content folder, collecting the problems met on the way."""

    content_dir: Path
    display_root: str
    problems: list[Problem]

    def __post_init__(self) -> None:
        self.real_root = os.path.realpath(self.content_dir)

    def error(self, rel: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(display_path(self.display_root, rel), None, message, hint))

    def file(self, rel: str) -> Path | None:
        """The path to read for a single file (site.yaml), None when it is absent or refused."""
        path = self.content_dir / rel
        if not os.path.lexists(path):
            return None
        real = self._target(path, rel)
        if real is None or not os.path.isfile(real):
            return None
        return Path(real)

    def files(self, folder: str, suffix: str | None, recursive: bool) -> list[Entry]:
        """Files under `folder` (relative to the content folder) ending in `suffix`, sorted by parts."""
        start = self.content_dir / folder
        if not os.path.lexists(start):
            return []
        real = self._target(start, folder)
        if real is None or not os.path.isdir(real):
            return []
        found: dict[str, Entry] = {}
        stack = [(folder, str(start), frozenset({self.real_root, real}))]  # a link back up would loop
        while stack:
            rel_dir, path_dir, ancestors = stack.pop()
            for entry in self._entries(rel_dir, path_dir):
                rel = f"{rel_dir}/{unicodedata.normalize('NFC', entry.name)}"
                target, mode = self._kind(entry, rel)
                if mode is None:
                    continue
                if stat.S_ISDIR(mode):
                    if recursive:
                        real_dir = os.path.realpath(target)
                        if real_dir in ancestors:
                            self.error(rel, "the symbolic link leads back into a folder that contains it",
                                       LINK_HINT)
                        else:
                            stack.append((rel, target, ancestors | {real_dir}))
                elif suffix is None or entry.name.endswith(suffix):
                    if not stat.S_ISREG(mode):
                        self.error(rel, "this is neither a file nor a folder", "remove it from the content folder")
                    elif self._readable(target, rel):
                        self._add(found, Entry(Path(target), rel))
                elif suffix == ".md" and near_markdown(entry.name):
                    stem = entry.name[:entry.name.rfind(".")]
                    self.error(rel, f"'{entry.name}' is not read: only files ending in '.md' are",
                               f"rename it to '{stem}.md', or move it out of the content folder")
        return sorted(found.values(), key=lambda e: e.rel.split("/"))

    def _entries(self, rel_dir: str, path_dir: str) -> list[os.DirEntry]:
        try:
            with os.scandir(path_dir) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as err:
            self.error(rel_dir, f"cannot read the folder: {err.strerror}",
                       "make it readable (chmod a+rx) or move it out of the content folder")
            return []
        kept = []
        for entry in listed:
            if entry.name.startswith(".") or entry.name.endswith("~"):
                continue  # hidden files, editor swap and backup files
            if _undecodable(entry.name):
                self.error(f"{rel_dir}/{entry.name}", "the file name is not valid UTF-8",
                           "rename the file; addresses are made from file names")
                continue
            kept.append(entry)
        return kept

    def _target(self, path: Path, rel: str) -> str | None:
        """The real path behind `path`, or None (with an error) when a link in it leaves the folder."""
        try:
            real = os.path.realpath(path, strict=True)
        except OSError as err:
            if err.errno == errno.ELOOP:
                self.error(rel, "the symbolic link loops", LINK_HINT)
            else:
                self.error(rel, f"the symbolic link leads nowhere (to {_link_text(path)})", LINK_HINT)
            return None
        inside = os.path.relpath(real, self.real_root)
        if inside == ".." or inside.startswith(".." + os.sep) or os.path.isabs(inside):
            self.error(rel, f"the symbolic link leads outside the content folder (to {_link_text(path)})", LINK_HINT)
            return None
        if any(part.startswith(".") for part in Path(inside).parts if part != "."):
            self.error(rel, f"the symbolic link leads to a hidden file or folder (to {_link_text(path)})", LINK_HINT)
            return None
        return real

    def _kind(self, entry: os.DirEntry, rel: str) -> tuple[str, int | None]:
        """(path to read, its file type); a link is followed only as far as `_target` allows."""
        if not entry.is_symlink():  # the type comes with the listing: no system call per file
            if entry.is_dir(follow_symlinks=False):
                return entry.path, stat.S_IFDIR
            return entry.path, stat.S_IFREG if entry.is_file(follow_symlinks=False) else 0
        target = self._target(Path(entry.path), rel)
        if target is None:
            return entry.path, None
        try:
            return target, stat.S_IFMT(os.stat(target).st_mode)
        except OSError as err:
            self.error(rel, f"cannot read the file: {err.strerror}")
            return target, None

    def _readable(self, path: str, rel: str) -> bool:
        """Open and close: a file the build would fail to copy is reported now, with its name."""
        try:
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        except OSError as err:
            self.error(rel, f"cannot read the file: {err.strerror}", "make it readable (chmod a+r)")
            return False
        return True

    def _add(self, found: dict[str, Entry], entry: Entry) -> None:
        other = found.get(entry.rel)
        if other is None:
            found[entry.rel] = entry
        elif other.path != entry.path:
            self.error(entry.rel, "two files have this name once their Unicode is normalised",
                       "one of them writes an accented letter as letter + accent (as macOS does); keep one")


# Other ways of naming a Markdown file: a file saved so is meant to be read, and would be left
# out of the archive without a word.
_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkdn", ".mkd", ".mdwn", ".mdtxt", ".mdtext"})


def near_markdown(name: str) -> bool:
    """'x.MD', 'x.markdown', 'x.Md': a Markdown file whose name the build does not read."""
    dot = name.rfind(".")
    return dot > 0 and name[dot:] != ".md" and name[dot:].lower() in _MARKDOWN_SUFFIXES


def read_inside(path: Path | str, real_root: str, limit: int = -1) -> bytes:
    """The bytes of a file the scan listed, read only if what is opened still lies inside the
    content folder, on no hidden path.

    The scan checked every link, but a file can be swapped for a link between the scan and the
    read (a race on a shared runner): the check is made again on the file actually opened (the
    kernel's name for the open descriptor), so nothing outside is read even then. `real_root` is
    the content folder's os.path.realpath, resolved once by the caller for all its reads."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        try:
            opened = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # no /proc (not Linux): resolve the name, which is what the scan did
            opened = os.path.realpath(path)
        inside = os.path.relpath(opened, real_root)
        if (inside == ".." or inside.startswith(".." + os.sep) or os.path.isabs(inside)
                or any(part.startswith(".") for part in Path(inside).parts if part != ".")):
            raise OSError(errno.EPERM, "it was replaced by a link that leads outside the content folder while "
                          "the build ran; nothing behind it was read", str(path))
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "it is no longer a regular file", str(path))
        with open(fd, "rb", closefd=False) as handle:
            return handle.read(limit)  # `limit`: at most that many bytes (-1: all)
    finally:
        os.close(fd)


def display_path(display_root: str, rel: str) -> str:
    """How messages name a content file: the content folder as given, then the path inside it."""
    return f"{display_root.rstrip('/')}/{rel}" if display_root not in ("", ".") else rel


def _undecodable(name: str) -> bool:
    """Python carries bytes that are not UTF-8 as lone surrogates (PEP 383)."""
    return any("\udc80" <= ch <= "\udcff" for ch in name)


def _link_text(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "a link further along its path"
