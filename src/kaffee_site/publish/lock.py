"""One writer per output folder at a time: a lock file beside the output folder.

Two builds into the same folder (or a build while `serve` rewrites it) would otherwise stage,
swap and delete each other's files. The lock is a POSIX record lock (`fcntl.lockf`) on
`.<output>.kaffee-lock` in the output's parent folder: the kernel releases it when its holder
ends, however it ends (SIGKILL included), so a lock is never stale. A record lock, unlike
`flock`, belongs to the process and is not inherited by forked children: the render workers of
a killed build, which may live a moment longer, do not hold up the next build. The holder writes
its pid into the file, so a second build can say whom it waits for. The file itself stays:
removing a lock file races with the next process opening it.

Threads of one process share a record lock, so a per-folder thread lock serialises them; within
one thread the lock is re-entrant (a build's own steps may each ask for it).
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from kaffee_site.errors import FaultError

_held = threading.local()
_threads: dict[str, threading.Lock] = {}
_threads_guard = threading.Lock()


def sibling(output_dir: Path, kind: str) -> Path:
    """A file or folder of ours beside the output folder: `.<name>.kaffee-<kind>`."""
    return output_dir.parent / f".{output_dir.name}.kaffee-{kind}"


def real_output(output_dir: Path) -> Path:
    """The folder a build writes: symlinks in the given path resolved, so a link named as
    --output is written through (the user chose it), and the siblings sit beside the real folder."""
    real = output_dir.resolve()
    if real.parent == real:
        raise FaultError(f"{output_dir}: cannot build into the root of the file system")
    return real


@contextmanager
def output_lock(output_dir: Path, waiting: Callable[[str], None] | None = None,
                wait: bool = True) -> Iterator[bool]:
    """Hold the output folder's lock; if another process holds it, tell `waiting` and wait.

    The context gives whether no other process writes the folder. With `wait=False` a folder
    that another process holds is not waited for: the block runs without the lock and gets False
    (serve's single-page writes, which the full rebuild does later). If another thread of this
    process holds it, no other process can, and the block runs at once with True: the lock file
    is then not touched, since closing any descriptor of it would drop that thread's lock."""
    output = real_output(output_dir)
    key = str(output)
    held: dict[str, int] = _held.__dict__.setdefault("counts", {})
    if held.get(key):
        held[key] += 1
        try:
            yield True
        finally:
            held[key] -= 1
        return
    with _threads_guard:
        in_process = _threads.setdefault(key, threading.Lock())
    path = sibling(output, "lock")
    if not in_process.acquire(blocking=wait):
        yield True  # another thread of this process holds the folder: no other process writes it
        return
    try:
        fd, writable = _open(path, output_dir)
        mode = fcntl.LOCK_EX if writable else fcntl.LOCK_SH  # a record lock for writing needs a writable file
        try:
            try:
                fcntl.lockf(fd, mode | fcntl.LOCK_NB)
            except OSError as err:
                if err.errno not in (errno.EACCES, errno.EAGAIN):
                    raise FaultError(f"{output_dir}: cannot lock {path}: {err.strerror}") from None
                if not wait:
                    yield False  # the descriptor is closed below, once the block is done
                    return
                if waiting is not None:
                    waiting(f"waiting for another kaffee-site{_holder(fd)} to finish writing {output_dir} "
                            f"(it holds {path})")
                fcntl.lockf(fd, mode)
            _note_holder(fd)
            held[key] = 1
            try:
                yield True
            finally:
                held.pop(key, None)
        finally:
            os.close(fd)  # releases the lock
    finally:
        in_process.release()


def _open(path: Path, output_dir: Path) -> tuple[int, bool]:
    """The lock file's descriptor, and whether it could be opened for writing."""
    flags = os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | flags, 0o644), True
    except OSError as err:
        if err.errno in (errno.EROFS, errno.EACCES) and path.is_file() and not path.is_symlink():
            try:  # a read-only folder: still lock, so the build fails on the first file it writes
                return os.open(path, os.O_RDONLY | flags), False
            except OSError:
                pass
        raise FaultError(f"{output_dir}: cannot create the lock file {path.name} beside the output folder: "
                         f"{err.strerror}") from None


def _holder(fd: int) -> str:
    """' (pid N)' for the process noted in the lock file, if it is alive; else ''.

    The holder notes its pid only after it got the lock, so for a moment the file still names the
    build before it, which has ended: a pid that is gone is not named."""
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    if not text.isdigit() or len(text) > 9 or int(text) == os.getpid():
        return ""
    try:
        os.kill(int(text), 0)
    except ProcessLookupError:
        return ""
    except OSError:
        pass  # alive, but another user's
    return f" (pid {text})"


def _note_holder(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # only the waiting message needs it
