"""Work counted, not time: how many lines of kaffee-site's own code, of the theme's templates and
of difflib (which close-name checks used) run while a function runs.

Tests of cost compare these counts between an input and one twice its size: linear work about
doubles, quadratic work quadruples, whatever the machine's load. Code in C (a regex, str.count)
is one line however long it runs, so the code under test keeps its loops in Python or its
scans out of loops; output sizes are asserted beside the counts.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any, Callable

import kaffee_site
from support import TEMPLATES

WATCHED = (str(Path(kaffee_site.__file__).parent), str(TEMPLATES), difflib.__file__)


def lines_run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """function(*args, **kwargs) and the number of watched lines it ran."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(WATCHED) else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        result = function(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return result, count


def grows_linearly(small: int, large: int, factor: float = 2.0, slack: float = 1.25) -> bool:
    """Whether work `large` for an input `factor` times the size of `small`'s is at most linear
    (with some slack for what does not grow at all)."""
    return large <= small * factor * slack
