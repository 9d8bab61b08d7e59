"""The addresses the last build published (outputs/addresses.py writes them as `urls.json`
into the output, and so onto the live archive), kept beside the build cache too;
`check` and `serve` read them back (review/addresses.py).

The copy in the cache is made by `build` alone, and only the copy is read, never the output
folder's file: `serve` writes the output as a preview, and what an editor tries there is not
published until a build says so. A fresh CI clone knows them from the restored cache, or from
the live archive's `urls.json`, which the workflow fetches and hands to `check --published`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from kaffee_site.errors import UsageError
from kaffee_site.outputs.addresses import FILE, read_addresses
from kaffee_site.reuse.manifest import cache_folder, output_id

Addresses = dict[str, dict[str, Any]]


def record_path(output_dir: Path) -> Path:
    return cache_folder(output_dir) / f"urls-{output_id(output_dir)}.json"


def remember_addresses(output_dir: Path) -> list[str]:
    """Copy the output's `urls.json` into the cache; why it could not be saved, if it could not."""
    target = record_path(output_dir)
    temporary = target.with_name(target.name + ".tmp")
    try:
        data = (output_dir / FILE).read_bytes()
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError as err:
        try:
            temporary.unlink(missing_ok=True)  # a full disk leaves no half-written copy behind
        except OSError:
            pass
        return [f"{target}: {err.strerror or err}"]
    return []


def last_built(output_dir: Path) -> Addresses:
    """The addresses the last `build` into `output_dir` published (the cache's copy); none when
    there is no copy or it is damaged."""
    try:
        return read_addresses(record_path(output_dir).read_bytes()) or {}
    except OSError:
        return {}


def given_addresses(given: Iterable[Path]) -> Addresses:
    """The addresses of `urls.json` files given by name (`check --published`, e.g. the live
    archive's); a file that cannot be read, or is no such list, is a UsageError."""
    found: Addresses = {}
    for path in given:
        try:
            addresses = read_addresses(path.read_bytes())
        except OSError as err:
            raise UsageError(f"{path}: cannot read the published addresses: {err.strerror or err}") from None
        if addresses is None:
            raise UsageError(f"{path}: this is not a {FILE} written by kaffee-site (nor '{{}}', for none)")
        found.update(addresses)
    return found
