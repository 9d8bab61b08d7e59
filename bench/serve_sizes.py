"""`kaffee-site serve` latency at several archive sizes: save one session -> its page rewritten.

    python bench/serve_sizes.py [--sizes 1000,4000] [--seed 1]

For each size it generates the corpus with corpus.py into bench/work/serve-<N>/, starts the
real server and takes the median of several saves with serve_latency.measure_serve (the same
measurement `make bench` runs). Printed, not judged: the figures go into the report by hand.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import serve_latency  # noqa: E402

WORK = HERE / "work"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000", help="comma-separated numbers of sessions")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    kaffee = Path(sys.executable).with_name("kaffee-site")
    for size in (int(s) for s in args.sizes.split(",")):
        folder = WORK / f"serve-{size}"
        shutil.rmtree(folder, ignore_errors=True)
        corpus.generate(size, folder / "content", seed=args.seed)
        latency = serve_latency.measure_serve(kaffee, folder / "content", folder / "output",
                                              HERE.parent / "templates", lambda line: print(f"  {line}"))
        if latency is None:
            print(f"{size} sessions: no serve command")
        elif not latency.sample.ok:
            print(f"{size} sessions: failed ({latency.sample.error})")
        else:
            print(f"{size} sessions: {latency.sample.wall * 1000:.0f} ms median ({latency.note})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
