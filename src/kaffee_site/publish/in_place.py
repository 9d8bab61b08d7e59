"""Writing into a live output folder file by file, where a whole-folder swap cannot be had.

An output folder that is a mount point (a Docker volume, say) cannot be renamed; there the
finished stage lives inside it and each file that differs is moved into place: every file is
whole at every moment, the build as a whole is not. `serve`'s quick pages go the same way. On
the way to each file, anything that is not a real folder (a symbolic link above all) is removed,
so nothing is ever written through a link.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path


def commit_in_place(output: Path, stage: Path, staged: dict[str, int], skip: str) -> None:
    """Move each staged file (relative path -> inode) that differs into `output`, then remove
    everything there that is not staged (the stage itself, `skip`, aside)."""
    root, base = str(output), str(stage)
    for rel, inode in staged.items():
        target = os.path.join(root, rel)
        try:
            if os.lstat(target).st_ino == inode:
                continue  # the unchanged file, linked into the stage
        except OSError:
            pass
        clear_way(root, rel)
        os.replace(os.path.join(base, rel), target)
    for folder, dirs, files in os.walk(root, topdown=False):
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        if rel_folder.split("/")[0] == skip:
            continue
        prefix = "" if rel_folder == "." else rel_folder + "/"
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            if prefix + name not in staged:
                os.unlink(os.path.join(folder, name))
        if prefix and not os.listdir(folder):
            os.rmdir(folder)


def clear_way(root: str, rel: str) -> None:
    """Every folder on the way to `rel` becomes a real folder: a link or a file there is removed,
    so nothing is written through a link; a folder where the file goes is removed too."""
    path = root
    for part in rel.split("/")[:-1]:
        path = os.path.join(path, part)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            os.mkdir(path)
            continue
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(path)
            os.mkdir(path)
    target = os.path.join(root, rel)
    if os.path.isdir(target) and not os.path.islink(target):
        shutil.rmtree(target)
