"""`kaffee-site build`: the archive built once into the output folder, with the build cache.

Whether nothing changed since the last cached build is asked once, by cli.py, of the manifest
(reuse/manifest.py) before this module and the engine are even imported; `build` notes the
manifest the next build compares with.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from kaffee_site.engine import Engine
from kaffee_site.errors import Problem
from kaffee_site.model import Site
from kaffee_site.options import BuildOptions
from kaffee_site.publish.exchange import recover_now
from kaffee_site.publish.folders import check_folders
from kaffee_site.publish.stage import WriteReport, faults_as_errors
from kaffee_site.reuse.addresses import remember_addresses
from kaffee_site.reuse.manifest import Manifest, cache_folder, manifest_for


@dataclass(frozen=True)
class BuildResult:
    site: Site | None  # None when nothing changed since the last cached build (nothing was loaded)
    report: WriteReport
    warnings: tuple[Problem, ...]
    seconds: float = 0.0  # load to write, without the search index
    search_seconds: float | None = None  # the search index (Pagefind); None when search is off or not run
    cache_stats: dict[str, int] | None = None  # reused and total bodies and pages; None without cache


def build(options: BuildOptions, waiting: Callable[[str], None] | None = None,
          manifest: Manifest | None = None) -> BuildResult:
    """Build the archive once; raises BuildFailed (all problems) and leaves the output untouched on
    errors. One build at a time per output folder (`waiting` hears if this one waits); the output
    changes in one step from the previous build to the new one, search index included (publish/stage.py).

    A cached build notes the manifest the next one compares with (`manifest`, when the caller
    has asked it already)."""
    started = time.perf_counter()
    check_folders(options)
    with faults_as_errors(options.output_dir):  # a full disk or a vanished folder: one clear line
        recover_now(options.output_dir)  # even a build that fails finds the previous output in place
        if manifest is None and options.cache:
            manifest = manifest_for(options)
        if manifest is not None:
            manifest.forget()
        engine = Engine(options)
        checked, report, _ = engine.run(search=True, waiting=waiting)
        seconds = time.perf_counter() - started - (engine.search_seconds or 0.0)
        stats = engine.cache.stats if options.cache else None
        unsaved = list(engine.unsaved)
        if options.cache:  # what this build published, known to the next one even without this output
            unsaved += remember_addresses(options.output_dir)
        if manifest is not None:
            unsaved += manifest.remember(checked.diagnostics.warnings, report.total, stats)
    warnings = checked.diagnostics.warnings + _unsaved_cache(options, unsaved)
    return BuildResult(checked.site, report, warnings, seconds, engine.search_seconds, stats)


def _unsaved_cache(options: BuildOptions, failures: list[str]) -> tuple[Problem, ...]:
    """A cache that cannot be saved never fails a build (its output is whole), but says so once."""
    if not failures:
        return ()
    folder = cache_folder(options.output_dir)
    return (Problem(str(folder), None, f"the build cache could not be saved ({failures[0]}); the output is "
                    "complete, the next build starts without the work this one did",
                    f"free disk space or make {folder} a writable folder, or build with --no-cache", "warning"),)
