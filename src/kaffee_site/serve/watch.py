"""The file watcher of `serve`: passes content and template changes on, ignores the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler

from kaffee_site.options import BuildOptions


class Listener(Protocol):
    """What the watcher tells of a change: the dev server (server.py, which imports this module)."""

    options: BuildOptions

    def changed(self, paths: list[Path]) -> None: ...


class Watch(FileSystemEventHandler):
    """Passes content and template changes on; editor scratch files and the output are ignored."""

    def __init__(self, dev: Listener):
        self.dev = dev
        self.output = dev.options.output_dir.resolve()
        self.roots = [dev.options.content_dir.resolve(), dev.options.templates_dir.resolve()]

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or \
                (event.is_directory and event.event_type == "modified"):
            return
        paths = [Path(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        relevant = [p for p in paths if not self._ignored(p)]
        if relevant:
            self.dev.changed(relevant)

    def _ignored(self, path: Path) -> bool:
        resolved = path.resolve()
        if ignored_name(path.name) or resolved == self.output or self.output in resolved.parents:
            return True
        for root in self.roots:  # inside a hidden folder (.git, .kaffee-cache) or __pycache__
            if root in resolved.parents:
                return any(ignored_name(part) or part == "__pycache__"
                           for part in resolved.relative_to(root).parts[:-1])
        return False


class WatchForFolder(FileSystemEventHandler):
    """Watches the parent of a folder that does not exist yet (an archive's templates/) for it to
    appear; the server then watches the folder itself (schedule is not called from here: this
    runs on the observer's own thread)."""

    def __init__(self, dev: Listener, folder: Path):
        self.dev = dev
        self.folder = folder.resolve()

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [Path(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        if any(p.resolve() == self.folder for p in paths) and self.folder.is_dir():
            self.dev.changed([self.folder])


def ignored_name(name: str) -> bool:
    """Hidden files (.swp, .#lock, .kaffee-cache), backups (x~), vim's probe file 4913, '#autosave#'."""
    return (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".kaffee-tmp"))
            or name == "4913")
