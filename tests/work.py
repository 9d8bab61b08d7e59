"""Work counted, not time: how many statements (and steps of comprehensions) of kaffee-site's own
code and of difflib (which close-name checks used) run while a function runs.

Tests of cost compare these counts between an input and one twice its size: linear work about
doubles, quadratic work quadruples, whatever the machine's load. Code in C (a regex, str.count)
is one step however long it runs, so the code under test keeps its loops in Python or its
scans out of loops; output sizes are asserted beside the counts.

How: the function runs in a process of its own (one per test session, started on first use) in
which kaffee_site and difflib were compiled with a call to a counter (a C function, so a step
costs tens of nanoseconds) before every statement of every function and in every comprehension's
loop. The tracer used before (sys.settrace) counted lines, but in Python 3.11 it slows every
instruction of every library under it about threefold: a test of 20,000 headings spent most of
its time tracing markdown-it, which it did not count.
"""

from __future__ import annotations

import atexit
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

TESTS = Path(__file__).resolve().parent
COUNTER = "__kaffee_work__"  # the counter's name, in builtins of the counting process
COUNTED = ("kaffee_site", "difflib")  # packages and modules whose code is counted

_process: subprocess.Popen | None = None


def in_counting_process(function: Callable[..., Any], *args: Any) -> Any:
    """function(*args) in the counting process (a function of a module of tests/, arguments and
    result picklable)."""
    process = _counting_process()
    request = pickle.dumps((function.__module__, function.__qualname__, args, dict(os.environ), os.getcwd()))
    process.stdin.write(struct.pack(">Q", len(request)) + request)
    process.stdin.flush()
    head = process.stdout.read(8)
    if len(head) < 8:
        raise RuntimeError(f"the counting process ended (exit code {process.wait()})")
    ok, value = pickle.loads(process.stdout.read(struct.unpack(">Q", head)[0]))
    if not ok:
        raise AssertionError(f"in the counting process:\n{value}")
    return value


def counted(function: Callable[..., Any], *args: Any) -> tuple[Any, int]:
    """In the counting process: function(*args) and the number of steps of counted code it ran."""
    import builtins

    tick = getattr(builtins, COUNTER)
    before = tick()
    result = function(*args)
    return result, tick() - before - 1


def lines_run(function: Callable[..., Any], *args: Any) -> tuple[Any, int]:
    """function(*args) in the counting process, and the number of counted steps it ran (the name
    is the tracer's, which counted lines)."""
    return in_counting_process(counted, function, *args)


def grows_linearly(small: int, large: int, factor: float = 2.0, slack: float = 1.25) -> bool:
    """Whether work `large` for an input `factor` times the size of `small`'s is at most linear
    (with some slack for what does not grow at all)."""
    return large <= small * factor * slack


def _counting_process() -> subprocess.Popen:
    global _process
    if _process is None or _process.poll() is not None:
        _process = subprocess.Popen([sys.executable, "-c", "import work_process; work_process.serve()"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=TESTS,
                                    env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                        [str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])])})
        atexit.register(_stop, _process)
    return _process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
