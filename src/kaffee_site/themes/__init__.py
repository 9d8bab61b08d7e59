"""Themes that ship with kaffee-site: `default` is the repository's templates/ folder (see pyproject.toml).

This module imports nothing heavy: a build that finds nothing changed asks it where the default
theme lives without loading Jinja (reuse/manifest.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from kaffee_site.errors import TemplateProblem

DEFAULT_PACKAGE = "kaffee_site.themes.default"


def default_theme_folder() -> Path:
    """Where the packaged default theme lives: in the wheel, or the repository's templates/.

    find_spec does not import the package, so no __pycache__ appears among the templates."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise TemplateProblem(DEFAULT_PACKAGE, None, "the default theme is missing from this installation",
                              "reinstall kaffee-site")
    return Path(next(iter(spec.submodule_search_locations)))
