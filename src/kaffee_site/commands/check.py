"""`kaffee-site check`: everything the build rejects, plus what an editor should look at.

Errors make a broken or wrong archive: whatever the build rejects, internal links and images
that lead nowhere, images without alt text, two sessions of a series with the same number.
Warnings are probably mistakes in an archive that still works (see review/). The problems
beyond the build come from the one review `serve` runs after every save too, so the two
never disagree. Nothing is written anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from kaffee_site.engine import Engine
from kaffee_site.errors import Diagnostics, Problem, TemplateProblem, printable
from kaffee_site.options import BuildOptions
from kaffee_site.review import Review


def check(options: BuildOptions, published: Iterable[Path] = ()) -> Diagnostics:
    """Load, link, review and render the archive in memory and collect every problem.

    `published`: files listing addresses the archive published (`urls.json` of the live
    archive), besides those the output folder and the build cache know."""
    engine = Engine(options)
    review = Review(options, published)
    checked = engine.load()
    diag, site = checked.diagnostics, checked.site
    theme = engine.current_theme(site.config)
    for problem in review(checked, theme).problems:
        diag.add(problem)
    try:  # every output, so a template that fails on any page is found
        for _ in engine.outputs(site, theme, encode=False):  # pictures: their paths, nothing encoded
            pass
    except TemplateProblem as err:
        diag.add(err.problem)
    return diag


# --- GitHub Actions annotations -----------------------------------------------------------

def github_annotations(problems: Iterable[Problem], root: Path | None = None) -> list[str]:
    """`::error file=…,line=…,title=…::message` lines; paths relative to `root` when below it."""
    return [_annotation(problem, root) for problem in problems]


def _annotation(problem: Problem, root: Path | None) -> str:
    path = problem.path
    if root is not None and Path(path).is_absolute():
        try:
            path = Path(path).relative_to(root).as_posix()
        except ValueError:
            pass
    props = [f"file={_escape_property(printable(path, keep_newlines=False))}"]
    if problem.line:
        props.append(f"line={problem.line}")
    props.append(f"title={_escape_property('kaffee-site check')}")
    # the log viewer renders ANSI sequences: controls from the content go in as escapes
    message = printable(problem.message) + (f"\nhint: {printable(problem.hint)}" if problem.hint else "")
    return f"::{problem.severity} {','.join(props)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    """Per the Actions toolkit: '%', CR and LF are escaped in a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Property values also escape ':' and ',', which separate the properties."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
