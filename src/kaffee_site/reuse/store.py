"""Plain data for the build cache (cache.py): its store files and the codecs into them.

marshal keeps only plain values (text, numbers, tuples, lists, dicts), so nothing in a cache
file can run code when it is read; a checksum guards each file (Store). Records are written as tagged tuples and rebuilt only as
the dataclasses of markdown.py, errors.py and model.py; anything else cannot be cached (and
is then simply computed again).
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import os
import shutil
from datetime import date
from datetime import time as dt_time
from pathlib import Path
from types import MappingProxyType
from typing import Any

from kaffee_site.errors import Problem


MAGIC = b"kaffee-cache 2\n"
_DIGEST = 32


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST).digest()


class Store:
    """One marshal file holding a dict; read once, written only when it changed.

    The file is MAGIC, a BLAKE2b checksum of the rest, then the marshal data: a file that was
    cut short, bit-rotted, tampered with or written by something else fails the checksum and is
    never unmarshalled; it is a miss like an empty store. Nothing about the cache can fail a build:
    a store that cannot be read or saved (a file where the folder should be, a full disk) is
    simply not used."""

    def __init__(self, path: Path, salt: str):
        self.path, self.salt = path, salt
        self.data: dict = {}
        self.used: set = set()
        self.dirty = False
        self.failure: str | None = None  # why the last save failed, for the build's warning
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError:
            self.dirty = os.path.lexists(path)  # unreadable: replace it on the next save
            return
        loaded = _verified(raw)
        if loaded is None:
            self.dirty = True
            return
        salt_read, data = loaded
        if salt_read == salt and isinstance(data, dict):
            self.data = data

    def get(self, key: str) -> Any:
        value = self.data.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.used.add(key)
        self.dirty = True

    def drop(self, key: str) -> None:
        if self.data.pop(key, None) is not None:
            self.dirty = True

    def save(self) -> bool:
        """Keep what this build used (old entries go), atomically; False if it could not be saved."""
        if not self.dirty:
            return True
        data = {k: v for k, v in self.data.items() if k in self.used}
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            payload = marshal.dumps((self.salt, data))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(MAGIC + _checksum(payload) + payload)
            if self.path.is_dir() and not self.path.is_symlink():
                shutil.rmtree(self.path)  # a folder where our store goes (the cache folder is ours): replace it
            os.replace(tmp, self.path)
            self.dirty, self.failure = False, None
            return True
        except (OSError, ValueError) as err:
            self.failure = f"{getattr(err, 'filename', None) or self.path}: {getattr(err, 'strerror', None) or err}"
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            return False


def _verified(raw: bytes) -> tuple | None:
    """The (salt, data) in a store file, or None when its checksum or contents do not hold."""
    head = len(MAGIC) + _DIGEST
    if not raw.startswith(MAGIC) or len(raw) < head:
        return None
    payload = raw[head:]
    if _checksum(payload) != raw[len(MAGIC):head]:
        return None
    try:
        loaded = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return loaded if isinstance(loaded, tuple) and len(loaded) == 2 else None


_PLAIN = frozenset({str, int, float, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


# --- bodies as plain data ------------------------------------------------------------------

# The record types by name, filled on first use: the Store alone (manifest.py) must not import
# the model or the Markdown module.
_TYPES: dict[str, type] = {}
_RECORDS: dict[str, type] = {}


def _dataclasses_of(module: Any) -> list[type]:
    return [value for value in vars(module).values()
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__]


def _registered() -> None:
    from kaffee_site import model
    from kaffee_site.markdown import body as markdown

    _TYPES.update({cls.__name__: cls for cls in (markdown.Body, Problem, *_dataclasses_of(markdown))})
    _RECORDS.update(_TYPES)
    _RECORDS.update({cls.__name__: cls for cls in _dataclasses_of(model)})


def encode(value: Any) -> Any:
    """A body as tuples and strings: a record is (type name, fields...), a tuple becomes a list."""
    if not _TYPES:
        _registered()
    if dataclasses.is_dataclass(value) and type(value).__name__ in _TYPES:
        return (type(value).__name__, *(encode(getattr(value, f.name)) for f in dataclasses.fields(value)))
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    if value is None or isinstance(value, (str, bytes, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decode(value: Any) -> Any:
    if not _TYPES:
        _registered()
    kind = type(value)
    if kind is tuple:  # plain fields are taken as they are: most of a body is text
        return _TYPES[value[0]](*[decode(v) if type(v) in _CONTAINERS else v for v in value[1:]])
    if kind is list:
        return tuple([decode(v) if type(v) in _CONTAINERS else v for v in value])
    return value


_CONTAINERS = frozenset({tuple, list})


# --- parsed sessions as plain data -----------------------------------------------------------
# Every container is a tagged tuple, so YAML lists in `extra` stay lists and tuples stay tuples.



def pack(value: Any) -> Any:
    if not _RECORDS:
        _registered()
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple:
        return ("T", *(pack(v) for v in value))
    if kind is list:
        return ("L", *(pack(v) for v in value))
    if kind is dict or kind is MappingProxyType:
        return ("M" if kind is dict else "P", *((pack(k), pack(v)) for k, v in value.items()))
    if kind is date:
        return ("Y", value.isoformat())
    if kind is dt_time:
        return ("H", value.isoformat())
    if kind.__name__ in _RECORDS and _RECORDS[kind.__name__] is kind:
        return ("D", kind.__name__, *(pack(getattr(value, name)) for name in _field_names(kind)))
    raise TypeError(f"cannot cache a {kind.__name__}")


def unpack(value: Any) -> Any:
    if type(value) is not tuple:
        return value
    tag = value[0]
    if tag == "T":
        return tuple(unpack(v) for v in value[1:])
    if tag == "L":
        return [unpack(v) for v in value[1:]]
    if tag == "M" or tag == "P":
        mapping = {unpack(k): unpack(v) for k, v in value[1:]}
        return mapping if tag == "M" else MappingProxyType(mapping)
    if tag == "Y":
        return date.fromisoformat(value[1])
    if tag == "H":
        return dt_time.fromisoformat(value[1])
    if tag == "D":
        if not _RECORDS:
            _registered()
        return _RECORDS[value[1]](*(unpack(v) for v in value[2:]))
    raise ValueError(f"unknown tag {tag!r}")
