"""When each content file was last changed, from the git history: the one module that runs git.

A report shows the day of the last commit that touched its file (the committer's time, so the
same history gives the same pages). One `git log` over the content folder answers for every
file at once, newest commit first, and is stopped as soon as every file asked about has been
seen. Without git, outside a repository, in a repository git refuses to read (another owner),
or in a shallow clone (whose oldest commit would claim every file), there is no history and
nothing is shown: an empty answer, never an error. `head()` names the history cheaply, so a
build can tell whether it changed.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

_CHUNK = 1 << 16
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}


@dataclass(frozen=True)
class History:
    head: str  # the commit the history ends with; '' without one
    changed: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # rel -> commit time (s)
    shallow: bool = False  # a shallow clone: no history taken from it
    prefix: str | None = None  # the content folder's path inside the repository ('content/'); None: no repository


NONE = History("")


def _git(folder: Path, *args: str) -> list[str]:
    return ["git", "-C", str(folder), *args]


def head(folder: Path) -> tuple[str, bool, str]:
    """(commit id of HEAD, whether the clone is shallow, the folder's path inside the repository);
    ('', False, '') without a usable repository."""
    try:
        done = subprocess.run(_git(folder, "rev-parse", "HEAD", "--is-shallow-repository", "--show-prefix"),
                              capture_output=True, timeout=30, env={**os.environ, **_ENV})
    except (OSError, subprocess.TimeoutExpired):
        return "", False, ""
    lines = done.stdout.split(b"\n")
    if done.returncode != 0 or len(lines) < 3 or not lines[0]:
        return "", False, ""
    return lines[0].decode("ascii", "replace"), lines[1] == b"true", os.fsdecode(lines[2])


def read_history(folder: Path, rels: Iterable[str], known: History | None = None) -> History:
    """The last change of each of `rels` (paths inside `folder`); `known` is returned as it is
    when the history still ends at the same commit."""
    commit, shallow, prefix = head(folder)
    if not commit:
        return NONE
    if known is not None and known.head == commit and known.prefix == prefix:
        return known
    if shallow:
        return History(commit, shallow=True, prefix=prefix)
    return History(commit, MappingProxyType(_last_changes(folder, set(rels))), prefix=prefix)


def _last_changes(folder: Path, wanted: set[str]) -> dict[str, int]:
    """rel -> time of the newest commit touching it, for the files of `wanted` git knows."""
    found: dict[str, int] = {}
    if not wanted:
        return found
    # -z: names as they are (no quoting); each commit is '<time>\0' then '\n<name>\0<name>\0…'
    command = _git(folder, "log", "--format=%ct", "-z", "--name-only", "--relative", "--no-renames", "--", ".")
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   env={**os.environ, **_ENV})
    except OSError:
        return found
    try:
        tokens = _tokens(process.stdout)
        when, token = None, next(tokens, None)
        while token is not None:
            following = next(tokens, None)
            if following is not None and following.startswith(b"\n") and token.isdigit():
                when, token = int(token), following[1:]  # a commit's time, then its first file
                continue
            name = os.fsdecode(token)
            if when is not None and name in wanted and name not in found:
                found[name] = when
                if len(found) == len(wanted):
                    break  # every file seen: the older history is not read
            token = following
    finally:
        process.kill()
        process.stdout.close()
        process.wait()
    return found


def _tokens(stream) -> Iterable[bytes]:
    """The NUL-separated fields of git's output, read a chunk at a time."""
    rest = b""
    while chunk := stream.read(_CHUNK):
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest
