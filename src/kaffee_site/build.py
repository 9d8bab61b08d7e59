"""Runs the pipeline: load -> parse/link -> render -> write. Used by `build`, `check` and `serve`."""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Iterator

from kaffee_site.reuse.cache import BuildCache, cached_pages
from kaffee_site.errors import Diagnostics, Problem, UsageError
from kaffee_site.pipeline.link import BodyRenderer, SessionParser, link_site, render_bodies_here
from kaffee_site.pipeline.load import Content, load_content, media_source
from kaffee_site.model import Site
from kaffee_site.pipeline.parse import parse_session
from kaffee_site.pipeline.parallel import page_renderer, render_bodies_parallel, render_outputs
from kaffee_site.pipeline.render import Output, support_outputs
from kaffee_site.pipeline.theme import Theme
from kaffee_site.pipeline.search_index import update_search_index
from kaffee_site.pipeline.write import WriteReport, write_output

# Marks a folder as ours, so a build never cleans a folder that holds someone else's files.
OUTPUT_MARKER = ".kaffee-site"


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path = Path("content")
    output_dir: Path = Path("output")
    templates_dir: Path = Path("templates")  # the archive's overrides; missing: the default theme alone
    drafts: bool = False
    cache: bool = False  # keep parsed and rendered work in .kaffee-cache/ next to the output (cache.py)


@dataclass(frozen=True)
class BuildResult:
    site: Site
    report: WriteReport
    warnings: tuple[Problem, ...]
    seconds: float = 0.0  # load to write, without the search index
    search_seconds: float | None = None  # the search index (Pagefind); None when search is off
    cache_stats: dict[str, int] | None = None  # reused and total bodies and pages; None without cache


@dataclass
class Checked:
    """A loaded and linked site together with everything found on the way."""

    site: Site
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    content: Content | None = None  # the loaded files, for checks that want front-matter lines


def load_site(options: BuildOptions, content: Content | None = None, diag: Diagnostics | None = None,
              render_bodies: BodyRenderer = render_bodies_here, cache: BuildCache | None = None,
              session_parser: SessionParser = parse_session) -> Checked:
    """Load, parse and link the content; problems are collected, not raised.

    `serve` passes the content it read itself (problems found reading it already in `diag`),
    a body renderer and a session parser that remember unchanged files; everything else is
    the same path."""
    diag = diag if diag is not None else Diagnostics()
    if content is None:
        content_dir = options.content_dir
        if not content_dir.is_dir():
            raise UsageError(f"{content_dir}: the content folder does not exist")
        content = load_content(content_dir, str(content_dir), diag, cache)
    site = link_site(content, diag, drafts=options.drafts, render_bodies=render_bodies, session_parser=session_parser)
    return Checked(site, diag, content)


def build(options: BuildOptions) -> BuildResult:
    """Build the archive; raises BuildFailed (all problems) and leaves the output untouched on errors."""
    started = time.perf_counter()
    check_folders(options)
    cache = BuildCache(options.output_dir) if options.cache else None
    renderer = cache.body_renderer(render_bodies_parallel) if cache else render_bodies_parallel
    with few_gc_pauses():
        try:
            checked = load_site(options, render_bodies=renderer, cache=cache,
                                session_parser=cache.session_parser(parse_session) if cache else parse_session)
            checked.diagnostics.raise_if_errors()
            theme = Theme(options.templates_dir, checked.site.config.language)
            report = write_output(outputs(checked.site, theme, options, cache), options.output_dir)
            if cache:
                cache.finish_pages()
        finally:
            if cache:
                cache.save()  # what was parsed and rendered stays valid even when the build failed
    seconds = time.perf_counter() - started
    # After the write stage: Pagefind reads the written pages (SearchIndexFailed keeps the old index).
    update_search_index(options.output_dir, checked.site.config.search)
    search_seconds = time.perf_counter() - started - seconds if checked.site.config.search else None
    return BuildResult(checked.site, report, checked.diagnostics.warnings, seconds, search_seconds,
                       cache.stats if cache else None)


@contextmanager
def few_gc_pauses() -> Iterator[None]:
    """Collect cycles rarely while building.

    A build allocates millions of short-lived tokens while it keeps a large model alive;
    with the default thresholds the cycle collector walks that model again and again
    (measured: markdown rendering of 2,000 bodies took twice as long with it). Nothing in a
    build creates garbage cycles worth collecting early, so raise the thresholds, and restore them.
    """
    before = gc.get_threshold()
    gc.set_threshold(200_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def outputs(site: Site, theme: Theme, options: BuildOptions, cache: BuildCache | None = None) -> Iterator[Output]:
    """Every file of the archive: the rendered site, then the files that are not rendered.

    The same files as render_site, on every core (parallel.py); with a cache, pages whose
    inputs did not change are kept as they are in the output folder (cache.py)."""
    if cache is None:
        return chain(render_outputs(site, theme), unrendered_outputs(site, options))
    pages = cached_pages(site, theme, cache, page_renderer(site, theme))
    return chain(pages, support_outputs(site, theme), unrendered_outputs(site, options))


def unrendered_outputs(site: Site, options: BuildOptions) -> Iterator[Output]:
    """Media copied from the content, and the marker that makes the output folder ours."""
    media = (Output(f"media/{rel}", source=media_source(options.content_dir, rel)) for rel in site.media)
    marker = [Output(OUTPUT_MARKER, b"This folder is written by kaffee-site; it removes files it did not make.\n")]
    return chain(media, marker)


def check_folders(options: BuildOptions) -> None:
    """Never let a build clean up a folder that holds sources or someone else's files."""
    output = options.output_dir.resolve()
    for name, folder in (("content", options.content_dir), ("templates", options.templates_dir)):
        if name == "templates" and not folder.is_dir():  # no overrides: the default theme alone
            continue
        source = folder.resolve()
        if output == source or output in source.parents or source in output.parents:
            raise UsageError(f"{options.output_dir}: the output folder must be separate from the {name} folder")
    if output.is_file():
        raise UsageError(f"{options.output_dir}: the output path is a file, not a folder")
    if output.is_dir() and any(output.iterdir()) and not (output / OUTPUT_MARKER).is_file():
        raise UsageError(
            f"{options.output_dir}: refusing to write into a folder that kaffee-site did not create "
            f"(it has files but no {OUTPUT_MARKER}); empty it or choose another --output")
