"""Swapping a finished stage in as the output folder, and cleaning up after a killed build.

Linux exchanges two folders in one atomic step (`renameat2` with `RENAME_EXCHANGE`, Linux 3.15,
glibc 2.28), called through ctypes: at every moment the output's name points at one whole
build. Without it (another system, an old kernel, a file system that refuses) the output is
renamed to `.<output>.kaffee-old` and the stage to the output: a kill between the two renames
leaves no output, and `recover` (run by the next build, under the lock) renames the previous
build back.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from pathlib import Path

from kaffee_site.publish.lock import output_lock, real_output, sibling

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM)


def _load_renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


def exchange(first: Path, second: Path) -> bool:
    """Atomically swap two existing paths; False when this system cannot (nothing changed then)."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(second))


def exchange_folders(new: Path, target: Path) -> None:
    """Make `new` the folder at `target`; afterwards `new` holds the previous `target`."""
    if exchange(new, target):
        return
    old = sibling(target, "old")
    os.rename(target, old)  # a kill from here ...
    os.rename(new, target)  # ... to here leaves no output: recover() brings the old one back
    os.rename(old, new)


def recover(output: Path) -> None:
    """Undo what a build killed between the two renames left: the previous build back in place
    (or, if the new one made it, kept as the stage). Called under the output's lock."""
    old = sibling(output, "old")
    if not os.path.lexists(old):
        return
    if old.is_symlink() or not old.is_dir():
        old.unlink()
    elif not os.path.lexists(output):
        os.rename(old, output)
    elif not os.path.lexists(sibling(output, "stage")):
        os.rename(old, sibling(output, "stage"))
    else:
        shutil.rmtree(old)


def recover_now(output_dir: Path) -> None:
    """Before anything else: if a killed build left the output away, put it back (under the lock)."""
    output = real_output(output_dir)
    if os.path.lexists(sibling(output, "old")):
        with output_lock(output):
            recover(output)
