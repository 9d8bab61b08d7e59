"""Clean builds shared within a test process: a clean build's bytes depend on nothing but its
inputs (the content, the theme, the day: SOURCE_DATE_EPOCH), which other tests prove (two clean
builds agree, on another machine, in another folder, whatever the file order and times). A test
that compares with a clean build of inputs another test already built cleanly gets those bytes
instead of building them again; any other input is built as before."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

_BUILT: dict[str, dict[str, bytes]] = {}


def inputs_digest(*folders: Path) -> str:
    """Every file under the folders (path and bytes) and the build's day."""
    digest = hashlib.sha256(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    for folder in folders:
        digest.update(b"\0folder\0")
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return digest.hexdigest()


def clean_bytes(build: Callable[[], dict[str, bytes]], *inputs: Path) -> dict[str, bytes]:
    """`build()` (a clean build's files and bytes), or what it gave for the same inputs before."""
    key = inputs_digest(*inputs)
    if key not in _BUILT:
        _BUILT[key] = build()
    elif os.environ.get("CLEAN_BUILDS_LOG"):
        with open(os.environ["CLEAN_BUILDS_LOG"], "a") as log:
            log.write("shared\n")
    return _BUILT[key]
