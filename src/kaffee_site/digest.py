"""One digest and one stat: what everything kept by content is keyed with, and what tells
whether a file may have changed.

`digest` names content: a file's bytes, a record's fields, a rendered page. It is BLAKE2b
(20 bytes, in hex), each part preceded by its length, so no two different lists of parts give
the same input. `Stat` only says whether a file may have changed since its digest was taken:
the same size, modification time and inode is taken as the same bytes; anything else means
reading the file again. Nothing is ever kept by a Stat alone.
"""

from __future__ import annotations

import hashlib
import os

Stat = tuple[int, int, int]  # size, modification time (ns), inode

_SIZE = 20


def digest(*parts: str | bytes) -> str:
    """The digest of text and bytes, in order (hex, 40 characters)."""
    found = hashlib.blake2b(digest_size=_SIZE)
    for part in parts:
        data = part if type(part) is bytes else part.encode("utf-8", "surrogatepass")  # type: ignore[union-attr]
        found.update(len(data).to_bytes(8, "little"))
        found.update(data)
    return found.hexdigest()


def stat_of(info: os.stat_result) -> Stat:
    return info.st_size, info.st_mtime_ns, info.st_ino


def file_stat(path: str | os.PathLike) -> Stat | None:
    """The Stat of a regular file (links not followed); None if there is none."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino) if (info.st_mode & 0o170000) == 0o100000 else None
