"""The cache's files and the one codec into them.

A store file is MAGIC, a BLAKE2b checksum of the rest, then marshal data `(salt, dict)`. The salt
is the tool's own version (code_salt: its source, its libraries, Python); a file cut short,
bit-rotted, tampered with, written by another version or by something else fails the check and
is read as empty. marshal keeps only plain values, so nothing read from the cache can run code.
Nothing about the cache can fail a build: a store that cannot be read or saved is not used, and
a save that fails says why (`failure`) for the build's one warning.

Records travel through one codec: `pack` turns the dataclasses of this package (the model, bodies,
problems, settings) into tuples that begin with `...` and the type's name, and `unpack` turns them
back; plain tuples, lists and dicts stay what they are, so YAML data keeps its types.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import importlib.metadata
import marshal
import os
import shutil
import sys
from datetime import date
from datetime import time as dt_time
from pathlib import Path
from types import MappingProxyType
from typing import Any

import kaffee_site
from kaffee_site.digest import digest

MAGIC = b"kaffee-cache 3\n"
_CHECKSUM = 32
_FORMAT = 4  # the layout of what the stores hold; a new one starts every cache afresh
# The libraries whose output a cached entry holds (distribution names): an upgrade starts afresh.
_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "Jinja2", "PyYAML", "Pillow")


@functools.lru_cache(maxsize=1)
def code_salt() -> str:
    """kaffee-site's version and source, the libraries it renders with, the Python running it."""
    package = Path(kaffee_site.__file__).parent
    source = hashlib.blake2b(digest_size=20)
    # the Python source, and the scripts a build copies out of the package (cms/admin.js)
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.js")]):
        source.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            versions.append("-")
    return digest(str(_FORMAT), kaffee_site.__version__, source.hexdigest(), sys.version, str(marshal.version),
                  *versions)


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_CHECKSUM).digest()


def read_store(path: Path, salt: str) -> dict | None:
    """The dict in a store file; None when there is none or it is damaged or foreign."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    head = len(MAGIC) + _CHECKSUM
    if not raw.startswith(MAGIC) or len(raw) < head or _checksum(memoryview(raw)[head:]) != raw[len(MAGIC):head]:
        return None
    try:
        loaded = marshal.loads(memoryview(raw)[head:])
    except (EOFError, ValueError, TypeError):
        return None
    if type(loaded) is not tuple or len(loaded) != 2 or loaded[0] != salt or type(loaded[1]) is not dict:
        return None
    return loaded[1]


def write_store(path: Path, salt: str, data: dict) -> str | None:
    """Write a store atomically; None when saved, else why not ('path: reason')."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        payload = marshal.dumps((salt, data))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(MAGIC + _checksum(payload) + payload)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)  # a folder where our store goes (the cache folder is ours): replace it
        os.replace(tmp, path)
        return None
    except (OSError, ValueError) as err:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return f"{getattr(err, 'filename', None) or path}: {getattr(err, 'strerror', None) or err}"


# --- the codec ------------------------------------------------------------------------------

_MARK = ...  # a packed record or tagged value begins with it: YAML and the model never hold one
_PLAIN = frozenset({str, int, float, bool, type(None), bytes})
_CONTAINERS = frozenset({tuple, list, dict})
_FIELDS: dict[type, tuple[str, ...]] = {}
_NAMES: dict[type, str] = {}
_TYPES: dict[str, type] = {}


def field_names(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def _name(kind: type) -> str:
    name = _NAMES.get(kind)
    if name is None:
        if not (dataclasses.is_dataclass(kind) and kind.__module__.startswith("kaffee_site.")):
            raise TypeError(f"cannot cache a {kind.__name__}")
        name = _NAMES[kind] = f"{kind.__module__}:{kind.__qualname__}"
        _TYPES[name] = kind
    return name


def _type(name: str) -> type:
    """The record type a packed name stands for: only a dataclass of this package."""
    kind = _TYPES.get(name)
    if kind is None:
        module, _, qualname = name.partition(":")
        if not module.startswith("kaffee_site.") or "." in qualname:
            raise ValueError(f"not a record type: {name}")
        kind = getattr(importlib.import_module(module), qualname, None)
        if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
            raise ValueError(f"not a record type: {name}")
        _TYPES[name] = kind
    return kind


def pack(value: Any) -> Any:
    """`value` as plain data for marshal; raises TypeError for what cannot be kept."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple:
        return value if all(type(v) in _PLAIN for v in value) else tuple([pack(v) for v in value])
    if kind is list:
        return [pack(v) for v in value]
    if kind is dict:
        return {pack(k): pack(v) for k, v in value.items()}
    if kind is MappingProxyType:
        return (_MARK, "P", {pack(k): pack(v) for k, v in value.items()})
    if kind is date:
        return (_MARK, "Y", value.isoformat())
    if kind is dt_time:
        return (_MARK, "H", value.isoformat())
    return (_MARK, _name(kind), *[pack(getattr(value, name)) for name in field_names(kind)])


def unpack(value: Any) -> Any:
    """The value `pack` was given; raises ValueError, TypeError or KeyError for data it did not write."""
    kind = type(value)
    if kind is tuple:
        if value and value[0] is _MARK:
            return _tagged(value)
        return tuple([unpack(v) if type(v) in _CONTAINERS else v for v in value])
    if kind is list:
        return [unpack(v) if type(v) in _CONTAINERS else v for v in value]
    if kind is dict:
        return {(unpack(k) if type(k) in _CONTAINERS else k): (unpack(v) if type(v) in _CONTAINERS else v)
                for k, v in value.items()}
    return value


def _tagged(value: tuple) -> Any:
    tag = value[1]
    if tag == "P":
        return MappingProxyType(unpack(value[2]))
    if tag == "Y":
        return date.fromisoformat(value[2])
    if tag == "H":
        return dt_time.fromisoformat(value[2])
    kind = _type(tag)
    fields = [unpack(v) if type(v) in _CONTAINERS else v for v in value[2:]]
    if len(fields) != len(field_names(kind)):
        raise ValueError(f"{tag}: {len(fields)} fields")
    return kind(*fields)
