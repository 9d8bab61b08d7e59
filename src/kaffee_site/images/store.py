"""The files made from pictures, kept by content in the build cache (`.kaffee-cache/images/`).

A made file is stored under its key (plan.file_key: a digest of the source's bytes, the
settings that made it and the encoder's version), so a stored file is valid wherever and
whenever it is found: in a rebuild, in `serve`, in a CI run that restored the cache into a fresh
clone (new paths, new modification times). Beside the files lie what each source is
(`<digest>.probe`, so a cached build opens no picture) and the digests of the media files by
their stat (`seen.json`, so a cached build hashes no unchanged photo again).

Each file holds a checksum of its bytes before them: a file cut short, bit-rotted or changed by
hand is a miss, never published. Nothing here can fail a build: a folder that cannot be read or
written is a miss, and the files are made in memory. After a complete build the folder keeps
what some output folder's last build used (`used-<output id>`) and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

_SUM = 16  # bytes of BLAKE2b before the data
_KEEP = ("seen.json",)


def _checksum(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=_SUM).digest()


class ImageStore:
    """Made files by key in `folder`, or in memory when there is none (--no-cache, serve)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._memory: dict[str, bytes] = {}
        self.used: set[str] = set()  # names this run read or wrote
        self.failure: str | None = None

    # made files
    def get(self, name: str) -> bytes | None:
        self.used.add(name)
        if self.folder is None:
            return self._memory.get(name)
        try:
            raw = (self.folder / name).read_bytes()
        except OSError:
            return None
        data = raw[_SUM:]
        return data if len(raw) >= _SUM and _checksum(data) == raw[:_SUM] else None

    def put(self, name: str, data: bytes) -> None:
        self.used.add(name)
        if self.folder is None:
            self._memory[name] = data
            return
        self._write(name, _checksum(data) + data)

    # what a source is, and the digests of media files by stat (plain JSON values)
    def record(self, name: str) -> Any:
        raw = self.get(name)
        try:
            return json.loads(raw) if raw is not None else None
        except ValueError:
            return None

    def put_record(self, name: str, value: Any) -> None:
        self.put(name, json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8"))

    def _write(self, name: str, raw: bytes) -> None:
        assert self.folder is not None
        tmp = self.folder / f"{name}.{os.getpid()}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(raw)
            os.replace(tmp, self.folder / name)
        except OSError as err:
            self.failure = f"{getattr(err, 'filename', None) or self.folder}: {err.strerror or err}"
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass

    def finish(self, output_id: str) -> list[str]:
        """After a complete build: note what it used, drop what no output folder's last build used.
        Returns why the folder could not be kept up to date (nothing when it was)."""
        if self.folder is None:
            self._memory = {k: v for k, v in self._memory.items() if k in self.used}
            return []
        if not self.used and not self.folder.is_dir():
            return []  # an archive without pictures: no folder for them
        listed = "\n".join(sorted(self.used)).encode("utf-8")
        if self.get(f"used-{output_id}") != listed:  # (a cached build changes nothing here)
            self._write(f"used-{output_id}", _checksum(listed) + listed)
        if self.failure is None:
            self._prune()
        failure, self.failure = self.failure, None
        self.used = set()
        return [failure] if failure else []

    def _prune(self) -> None:
        assert self.folder is not None
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        wanted = set(_KEEP)
        for name in names:
            if name.startswith("used-"):
                wanted.add(name)
                listed = self.get(name)
                if listed is None:
                    return  # a list we cannot read: keep everything rather than lose its files
                wanted.update(listed.decode("utf-8", "replace").split("\n"))
        for name in names:
            if name not in wanted and not name.endswith(".tmp"):
                try:
                    os.unlink(self.folder / name)
                except OSError:
                    pass
