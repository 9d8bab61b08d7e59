"""What one build is asked to do: the folders and switches of `build`, `check` and `serve`.

Its own small module, so that a build which finds nothing changed (reuse/manifest.py) can
answer without importing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path = Path("content")
    output_dir: Path = Path("output")
    templates_dir: Path = Path("templates")  # the archive's overrides; missing: the default theme alone
    drafts: bool = False
    future: bool = False  # include reports dated after today
    today: date | None = None  # None: ask clock.today() at each run (serve across midnight)
    cache: bool = False  # keep the engine's stores in .kaffee-cache/ next to the output (reuse/cache.py)
    strict: bool = False  # warnings fail the build too (build --strict)
