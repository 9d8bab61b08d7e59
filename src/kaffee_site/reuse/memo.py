"""The one memo table: work kept by the digest of everything it was made from.

Every entry is `key -> plain value`, the key a digest (digest.py) of all the entry's inputs and
of the kind of work, so an entry can never be taken for another input: front matter by a file's
bytes, a parsed session by its file, place and site.yaml, a rendered body by its text and the
names it links to, related sessions by what ranking reads, a template's references and compiled
code by its source, what Pagefind reads of a page by the page's bytes, an index part by its
pages. The tool's own version salts every file (store.py), so an upgrade starts afresh.

On disk the table is split by kind into a few files each (`memo-body-3.marshal`), read only
when an entry of theirs is asked for: a build that renders one body reads one sixteenth of the
bodies. After a successful build the table keeps what that build used or `keep()` named (what
the kept Site still stands on) and drops the rest, so it never grows past what one build of the
archive needs; after a failed one it only adds. Without a folder (`serve`, `--no-cache`) the
table lives in memory alone, pruned the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from kaffee_site.reuse.store import read_store, write_store

# files per kind (its entries are spread by the key's first hex digit); other kinds have one
_SPLIT = {"body": 16, "front_matter": 4, "session": 4, "view": 4, "code": 2}


class _Shard:
    __slots__ = ("path", "data", "used", "dirty", "loaded")

    def __init__(self, path: Path | None):
        self.path, self.data, self.used, self.dirty, self.loaded = path, {}, set(), False, path is None


class Memo:
    def __init__(self, folder: Path | None, salt: str = ""):
        self.folder, self.salt = folder, salt
        self._shards: dict[str, _Shard] = {}
        self.removed = 0  # entries dropped by the last save

    def _shard(self, kind: str, key: str, load: bool = True) -> _Shard:
        parts = _SPLIT.get(kind, 1)
        name = f"{kind}-{int(key[0], 16) % parts:x}" if parts > 1 else kind
        shard = self._shards.get(name)
        if shard is None:
            shard = self._shards[name] = _Shard(self.folder / f"memo-{name}.marshal" if self.folder else None)
        if load and not shard.loaded:
            shard.loaded = True
            found = read_store(shard.path, self.salt)  # type: ignore[arg-type]
            shard.data = found if found is not None else {}
            shard.dirty = found is None and shard.path.exists()  # type: ignore[union-attr]  # damaged: replace it
        return shard

    def get(self, kind: str, key: str) -> Any:
        """The value kept under `key`, or None."""
        shard = self._shard(kind, key)
        value = shard.data.get(key)
        if value is not None:
            shard.used.add(key)
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        """Keep `value` (plain data: see store.pack) under `key`."""
        shard = self._shard(kind, key)
        shard.data[key] = value
        shard.used.add(key)
        shard.dirty = True

    def drop(self, kind: str, key: str) -> None:
        """Forget an entry that turned out not to decode."""
        shard = self._shard(kind, key)
        if shard.data.pop(key, None) is not None:
            shard.dirty = True

    def keep(self, kind: str, keys: Iterable[str]) -> None:
        """Entries still needed though this run did not ask for them (the kept Site's bodies).
        A file none of whose entries was asked for is not read: it stays as it is."""
        for key in keys:
            self._shard(kind, key, load=False).used.add(key)

    def count(self, kind: str) -> int:
        """Entries of `kind` this run has read or made (files not asked for are not counted)."""
        return sum(len(shard.data) for name, shard in self._shards.items()
                   if shard.loaded and name.split("-")[0] == kind)

    def begin(self) -> None:
        """A new run: only what it uses (or keeps) stays after a successful save."""
        for shard in self._shards.values():
            shard.used = set()

    def save(self, sweep: bool) -> list[str]:
        """Write what changed; with `sweep` (a successful run) drop what the run did not use.
        Returns why files could not be written (none: all saved)."""
        failures, self.removed = [], 0
        for shard in self._shards.values():
            if sweep and shard.loaded:
                unused = shard.data.keys() - shard.used
                if unused:
                    self.removed += len(unused)
                    shard.data = {k: v for k, v in shard.data.items() if k in shard.used}
                    shard.dirty = True
            if shard.dirty and shard.path is not None:
                failure = write_store(shard.path, self.salt, shard.data)
                if failure:
                    failures.append(failure)
                    continue
            shard.dirty = False
        if sweep and self.folder is not None:
            self._remove_untouched()
        return failures

    def _remove_untouched(self) -> None:
        """Files a successful run neither asked nor kept anything of hold nothing it needs."""
        try:
            found = list(self.folder.glob("memo-*.marshal"))  # type: ignore[union-attr]
        except OSError:
            return
        for path in found:
            if path.name[len("memo-"):-len(".marshal")] not in self._shards:
                try:
                    path.unlink()
                except OSError:
                    pass
