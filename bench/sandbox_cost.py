"""What Jinja's sandbox costs the default theme: every page of the bench corpus rendered in one
process, sandboxed and trusted (`template_sandbox: false`), alternating.

    python bench/sandbox_cost.py [--size 1000] [--runs 8] [--seed 1]

The corpus is generated with corpus.py into bench/work/sandbox-<N>/ and loaded once; each run
renders all its pages with one theme and takes the process time, so other jobs on a shared
machine disturb it less than a whole build's wall time. Printed, not judged: the figures go
into the README and bench/ANALYSIS.md by hand.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

from kaffee_site.engine import load_site  # noqa: E402
from kaffee_site.options import BuildOptions  # noqa: E402
from kaffee_site.render.render import plan_pages, render_page  # noqa: E402
from kaffee_site.render.theme import Theme  # noqa: E402

WORK = HERE / "work"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="number of sessions")
    parser.add_argument("--runs", type=int, default=8, help="renders of every page per theme")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    folder = WORK / f"sandbox-{args.size}"
    shutil.rmtree(folder, ignore_errors=True)
    corpus.generate(args.size, folder / "content", seed=args.seed)
    (folder / "theme").mkdir()  # the default theme alone
    site = load_site(BuildOptions(folder / "content", folder / "output", folder / "theme")).site
    specs = plan_pages(site)
    themes = {flag: Theme(None, site.config.language, sandboxed=flag) for flag in (True, False)}
    for theme in themes.values():  # compiled, and the sandbox's verdicts known, before timing
        for spec in specs[:50]:
            render_page(site, theme, spec)
    times: dict[bool, list[float]] = {True: [], False: []}
    for run in range(args.runs):
        for flag in (True, False) if run % 2 == 0 else (False, True):
            start = time.process_time()
            for spec in specs:
                render_page(site, themes[flag], spec)
            times[flag].append(time.process_time() - start)
    ratios = [a / b for a, b in zip(times[True], times[False])]
    print(f"{args.size} sessions, {len(specs)} pages, {args.runs} runs each (process time, s)")
    for flag, name in ((True, "sandboxed"), (False, "trusted")):
        print(f"{name:10} median {statistics.median(times[flag]):.2f}  runs", " ".join(f"{t:.2f}" for t in times[flag]))
    print(f"sandboxed / trusted, per pair: median {statistics.median(ratios):.3f}"
          f" (from {min(ratios):.3f} to {max(ratios):.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
