"""The files the local backend may touch: the archive's kinds of file, inside the content folder,
never through a link.

A path from the editor names a file as the repository does ('content/sessions/2025/x.md', with
site.yaml's `cms.folder` in front). It is taken only when it is one of the archive's own kinds:
a Markdown file in sessions/ (sub-folders allowed), topics/, pages/, people/ or organisations/,
or a picture or PDF in media/. Anything else (an absolute path, '..', a hidden name, site.yaml,
a script) is refused before the disk is asked. The disk is then walked one folder at a time from
the content folder's own descriptor, each step refusing a link (O_NOFOLLOW), so no link, even
one swapped in meanwhile, leads a read or write outside; a file is replaced whole (written beside
it, then renamed over it), so a reader never sees half of it.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from kaffee_site.content.schema import KINDS

ENTRY_FOLDERS = {kind.folder: kind.name for kind in KINDS}  # 'sessions' -> 'session'
MEDIA = "media"
NESTED = {"sessions"}  # sub-folders (by year) allowed
MAX_NESTING = 8  # sessions/<year>/… at most this many folders deep
MEDIA_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".pdf")
MAX_NAME = 200  # characters of one file or folder name
MAX_ENTRY_BYTES = 2 << 20  # a report is a few kilobytes; this is far beyond any
MAX_MEDIA_BYTES = 15 << 20  # as import takes pictures: more than any picture of a report needs
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_READ = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class Refused(Exception):
    """A request the backend does not carry out: the HTTP status and why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Place:
    """A file (or folder) the editor may use: its parts inside the content folder."""

    parts: tuple[str, ...]  # ('sessions', '2025', 'x.md')
    prefix: str  # the content folder in the repository: 'content' ('' at its top)

    @property
    def repo_path(self) -> str:
        """As the editor names it: 'content/sessions/2025/x.md'."""
        return f"{self.prefix}/{self.rel}" if self.prefix else self.rel

    @property
    def kind(self) -> str:
        return "media" if self.parts[0] == MEDIA else ENTRY_FOLDERS[self.parts[0]]

    @property
    def rel(self) -> str:
        return "/".join(self.parts)


def place(repo_path: object, folder: str, *, is_folder: bool = False) -> Place:
    """The Place of a path from the editor, or Refused (400) when it is none of the archive's files."""
    if not isinstance(repo_path, str) or not repo_path:
        raise Refused(400, "a path must be text")
    if len(repo_path) > 1024 or any(ord(ch) < 32 or ch in "\\\x7f" for ch in repo_path):
        raise Refused(400, "the path holds characters no file of the archive has")
    if repo_path.startswith("/") or (len(repo_path) > 1 and repo_path[1] == ":"):
        raise Refused(400, f"'{repo_path}' is an absolute path; the editor names files inside the archive")
    parts = repo_path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise Refused(400, f"'{repo_path}' is not a plain path ('..', '.' and '//' are refused)")
    prefix = tuple(folder.split("/")) if folder else ()
    if tuple(parts[:len(prefix)]) != prefix or len(parts) <= len(prefix):
        raise Refused(400, f"'{repo_path}' lies outside the content folder '{folder or '.'}'")
    inside = tuple(parts[len(prefix):])
    if any(part.startswith(".") or part.endswith("~") or len(part) > MAX_NAME for part in inside):
        raise Refused(400, f"'{repo_path}': hidden names, backups and overlong names are not the archive's")
    top = inside[0]
    if top not in ENTRY_FOLDERS and top != MEDIA:
        raise Refused(400, f"'{repo_path}' is not in one of the archive's folders "
                           f"({', '.join([*ENTRY_FOLDERS, MEDIA])})")
    depth = len(inside) - 1  # files (or folders) below the kind's folder
    if is_folder:
        if depth != 0:
            raise Refused(400, f"'{repo_path}' is not one of the archive's folders")
        return Place(inside, folder)
    deepest = 1 + (MAX_NESTING if top in NESTED else 0)
    if not 1 <= depth <= deepest:
        raise Refused(400, f"'{repo_path}': {top}/ holds " + ("files and year folders" if top in NESTED else
                                                             "files, no folders"))
    name = inside[-1].lower()
    if top == MEDIA and not name.endswith(MEDIA_SUFFIXES):
        raise Refused(400, f"'{repo_path}': media/ takes pictures and PDFs ({', '.join(MEDIA_SUFFIXES)})")
    if top != MEDIA and not name.endswith(".md"):
        raise Refused(400, f"'{repo_path}': {top}/ holds Markdown files (.md)")
    return Place(inside, folder)


class ContentFiles:
    """Reading, writing and listing the archive's files in one content folder."""

    def __init__(self, content_dir: Path):
        self.content_dir = content_dir

    def _root(self) -> int:
        try:  # the content folder itself may be a link: the archive chose it
            return os.open(self.content_dir, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
        except OSError as err:
            raise Refused(500, f"the content folder cannot be opened: {err.strerror}") from None

    def _folder(self, parts: tuple[str, ...], create: bool = False) -> int:
        """A descriptor of the folder `parts`, walked from the content folder without following a
        link; missing folders are made when `create`, else FileNotFoundError."""
        fd = self._root()
        try:
            for part in parts:
                try:
                    child = os.open(part, _DIRECTORY, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    try:
                        os.mkdir(part, dir_fd=fd)
                    except FileExistsError:
                        pass  # made meanwhile (or a link put there): opened below, links refused
                    child = os.open(part, _DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd = child
            return fd
        except OSError as err:
            os.close(fd)
            if err.errno in (errno.ELOOP, errno.ENOTDIR):
                raise Refused(403, f"'{'/'.join(parts)}' is a link or not a folder: the editor never "
                                   "goes through links") from None
            raise

    def read(self, target: Place) -> bytes | None:
        """The file's bytes; None when it does not exist."""
        limit = MAX_MEDIA_BYTES if target.kind == "media" else MAX_ENTRY_BYTES
        try:
            folder = self._folder(target.parts[:-1])
        except FileNotFoundError:
            return None
        try:
            fd = os.open(target.parts[-1], _READ, dir_fd=folder)
        except FileNotFoundError:
            return None
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise Refused(403, f"'{target.repo_path}' is a link: the editor never reads through links") from None
            raise
        finally:
            os.close(folder)
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise Refused(403, f"'{target.repo_path}' is not a plain file")
            if info.st_size > limit:
                raise Refused(413, f"'{target.repo_path}' is larger than the editor takes ({limit >> 20} MB)")
            return file.read(limit + 1)[:limit]

    def write(self, target: Place, data: bytes) -> None:
        """Replace (or create) the file whole; its folders are made as needed."""
        folder = self._folder(target.parts[:-1], create=True)
        name = target.parts[-1]
        temporary = f".kaffee-cms-{secrets.token_hex(8)}.tmp"  # hidden: no build reads it
        try:
            self._plain_or_absent(folder, name, target)
            fd = os.open(temporary, _CREATE, 0o666, dir_fd=folder)
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                self._plain_or_absent(folder, name, target)  # a link swapped in meanwhile is not replaced
                os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                try:
                    os.unlink(temporary, dir_fd=folder)
                except OSError:
                    pass
                raise
        finally:
            os.close(folder)

    def delete(self, target: Place) -> None:
        try:
            folder = self._folder(target.parts[:-1])
        except FileNotFoundError:
            return
        try:
            if self._plain_or_absent(folder, target.parts[-1], target):
                os.unlink(target.parts[-1], dir_fd=folder)
        finally:
            os.close(folder)

    @staticmethod
    def _plain_or_absent(folder: int, name: str, target: Place) -> bool:
        """Whether the file is there; Refused when it is a link or no plain file."""
        try:
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            return False
        if stat.S_ISLNK(info.st_mode):
            raise Refused(403, f"'{target.repo_path}' is a link: the editor never writes through links")
        if not stat.S_ISREG(info.st_mode):
            raise Refused(403, f"'{target.repo_path}' is not a plain file")
        return True

    def listing(self, folder: Place, depth: int) -> Iterator[Place]:
        """The archive's files under `folder`, at most `depth` levels down (1: the folder itself),
        in a stable order; links, hidden names and other kinds of file are left out."""
        try:
            fd = self._folder(folder.parts)
        except FileNotFoundError:
            return
        yield from self._walk(fd, folder.parts, folder.prefix, max(0, min(depth, 1 + MAX_NESTING)))

    def _walk(self, fd: int, parts: tuple[str, ...], prefix: str, depth: int) -> Iterator[Place]:
        try:
            names = sorted(os.listdir(fd))
            entries = []
            for name in names:
                try:
                    entries.append((name, os.stat(name, dir_fd=fd, follow_symlinks=False)))
                except OSError:
                    continue
        finally:
            os.close(fd)
        if depth <= 0:
            return
        for name, info in entries:
            if name.startswith(".") or name.endswith("~"):
                continue
            if stat.S_ISREG(info.st_mode):
                try:
                    yield place(Place((*parts, name), prefix).repo_path, prefix)
                except Refused:
                    continue  # not one of the archive's kinds of file
            elif stat.S_ISDIR(info.st_mode) and depth > 1:
                try:
                    child = self._folder((*parts, name))
                except (OSError, Refused):
                    continue
                yield from self._walk(child, (*parts, name), prefix, depth - 1)
