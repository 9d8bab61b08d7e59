"""Runs the pipeline: load -> parse/link -> render -> write. Used by `build`, `check` and `serve`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Iterator

from kaffee_site.errors import Diagnostics, Problem, UsageError
from kaffee_site.link import link_site
from kaffee_site.load import Content, load_content
from kaffee_site.model import Site
from kaffee_site.render import Output, Theme, render_site
from kaffee_site.write import WriteReport, write_output

# Marks a folder as ours, so a build never cleans a folder that holds someone else's files.
OUTPUT_MARKER = ".kaffee-site"


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path = Path("content")
    output_dir: Path = Path("output")
    templates_dir: Path = Path("templates")
    drafts: bool = False


@dataclass(frozen=True)
class BuildResult:
    site: Site
    report: WriteReport
    warnings: tuple[Problem, ...]
    seconds: float = 0.0


@dataclass
class Checked:
    """A loaded and linked site together with everything found on the way."""

    site: Site
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    content: Content | None = None  # the loaded files, for checks that want front-matter lines


def load_site(options: BuildOptions) -> Checked:
    """Load, parse and link the content; problems are collected, not raised."""
    content_dir = options.content_dir
    if not content_dir.is_dir():
        raise UsageError(f"{content_dir}: the content folder does not exist")
    diag = Diagnostics()
    content = load_content(content_dir, str(content_dir), diag)
    site = link_site(content, diag, drafts=options.drafts)
    return Checked(site, diag, content)


def build(options: BuildOptions) -> BuildResult:
    """Build the archive; raises BuildFailed (all problems) and leaves the output untouched on errors."""
    started = time.perf_counter()
    _check_folders(options)
    checked = load_site(options)
    checked.diagnostics.raise_if_errors()
    theme = Theme(options.templates_dir)
    report = write_output(_outputs(checked.site, theme, options), options.output_dir)
    return BuildResult(checked.site, report, checked.diagnostics.warnings, time.perf_counter() - started)


def _outputs(site: Site, theme: Theme, options: BuildOptions) -> Iterator[Output]:
    media = (Output(f"media/{rel}", source=options.content_dir / "media" / rel) for rel in site.media)
    marker = [Output(OUTPUT_MARKER, b"This folder is written by kaffee-site; it removes files it did not make.\n")]
    return chain(render_site(site, theme), media, marker)


def _check_folders(options: BuildOptions) -> None:
    """Never let a build clean up a folder that holds sources or someone else's files."""
    output = options.output_dir.resolve()
    for name, folder in (("content", options.content_dir), ("templates", options.templates_dir)):
        source = folder.resolve()
        if output == source or output in source.parents or source in output.parents:
            raise UsageError(f"{options.output_dir}: the output folder must be separate from the {name} folder")
    if output.is_file():
        raise UsageError(f"{options.output_dir}: the output path is a file, not a folder")
    if output.is_dir() and any(output.iterdir()) and not (output / OUTPUT_MARKER).is_file():
        raise UsageError(
            f"{options.output_dir}: refusing to write into a folder that kaffee-site did not create "
            f"(it has files but no {OUTPUT_MARKER}); empty it or choose another --output")
