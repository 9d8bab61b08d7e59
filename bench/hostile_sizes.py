"""The small inputs of issue 18 that cost hours, at the sizes of its table: CPU and output size.

    python bench/hostile_sizes.py [--rows headings,topics,...] [--small]

Each row writes an archive into bench/work/hostile/<row>-<size>/ and runs the real command on
it (`check` where the issue timed check, `build --no-cache` where it measured output), in a
process of its own: CPU seconds are the process's and its workers' (RUSAGE_CHILDREN), output
is the bytes of every file written. The kaffee-site run is whichever `python -m kaffee_site`
imports (PYTHONPATH=<an older checkout>/src with --templates <it>/templates measures that one). `--small` runs only the
smaller size of each row (for code where the large one would take many minutes). The tests
in tests/test_hostile_sizes.py assert the same inputs grow linearly in work counted; this
prints figures for RESULTS.md, it judges nothing.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
WORK = HERE / "work" / "hostile"
TEMPLATES: Path | None = None
SITE = "title: Test\nbase_url: https://example.org/kaffee/\nsearch: false\n"


def _session(path: Path, body: str = "Ein Bericht.", **front: str) -> None:
    lines = ["title: Eine Sitzung", "date: 2024-05-16", *(f"{k}: {v}" for k, v in front.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + "\n".join(lines) + "\n---\n" + body + "\n", encoding="utf-8")


def _archive(name: str) -> Path:
    root = WORK / name
    shutil.rmtree(root, ignore_errors=True)
    (root / "content").mkdir(parents=True)
    (root / "content" / "site.yaml").write_text(SITE, encoding="utf-8")
    return root / "content"


def headings(count: int) -> Path:
    content = _archive(f"headings-{count}")
    _session(content / "sessions/2024/2024-05-16-h.md", "## h\n\n" * count)
    return content


def topics(count: int) -> Path:
    content = _archive(f"topics-{count}")
    _session(content / "sessions/2024/2024-05-16-viele.md",
             topics="".join(f"\n  - Neues Thema {i:04d}" for i in range(count)))
    return content


def summary(size: int) -> Path:
    content = _archive(f"summary-{size}")
    words = itertools.cycle(["Verstetigung", "der", "digitalen", "Daseinsvorsorge", "im", "Landkreis"])
    text = " ".join(itertools.islice(words, size // 6))[:size]
    _session(content / "sessions/2024/2024-05-16-lang.md", summary=f'"{text}"',
             topics="".join(f"\n  - Thema {i:03d}" for i in range(150)),
             speakers="".join(f"\n  - name: Person Nummer {i:03d}\n    org: Landkreis {i:03d}" for i in range(150)))
    return content


def names(count: int) -> Path:
    content = _archive(f"names-{count}")
    suffixes = ("".join(t) for t in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=3))
    _session(content / "sessions/2024/2024-05-16-alle.md",
             speakers="".join(f"\n  - name: Anna Mayer{s}" for s in itertools.islice(suffixes, count)))
    return content


def distinct_names(count: int) -> Path:
    content = _archive(f"distinct-names-{count}")
    rng = random.Random(18)
    first = ["Anna", "Bernd", "Clara", "Dieter", "Eva", "Frank", "Gisela", "Heinz", "Ines", "Jan"]
    written: dict[str, None] = {}
    while len(written) < count:
        written.setdefault(f"{rng.choice(first)} {''.join(rng.choices('abcdefghijklmnopqrstuvwxyz', k=9)).capitalize()}")
    for start in range(0, count, 100):  # 100 speakers a session
        _session(content / f"sessions/2024/2024-05-16-s{start:05d}.md",
                 speakers="".join(f"\n  - name: {name}" for name in list(written)[start:start + 100]))
    return content


def anagrams(aliases: int, unknown: int = 150) -> Path:
    content = _archive(f"anagrams-{aliases}")
    rng, letters, found = random.Random(18), list("verstetigungderdigitalendaseinsvorsorgeimlaendlichenraum" * 2), {}
    while len(found) < aliases + unknown:
        rng.shuffle(letters)
        found.setdefault("".join(letters).capitalize())
    written = list(found)
    (content / "topics").mkdir()
    (content / "topics/verstetigung.md").write_text(
        "---\ntitle: Verstetigung\naliases:\n" + "".join(f"  - {n}\n" for n in written[:aliases]) + "---\nDas Thema.\n",
        encoding="utf-8")
    _session(content / "sessions/2024/2024-05-16-neu.md", topics="".join(f"\n  - {n}" for n in written[aliases:]))
    return content


def mentions(count: int) -> Path:
    content = _archive(f"mentions-{count}")
    (content / "topics").mkdir()
    for i in range(count):
        (content / f"topics/thema-{i:04d}.md").write_text(f"---\ntitle: Thema {i:04d}\n---\n", encoding="utf-8")
    filler = " Wir sprachen lange über die Lage in den Landkreisen und über vieles mehr."
    paragraph = "".join(f"Heute ging es um Thema {i:04d}.{filler * 15} " for i in range(count))
    _session(content / "sessions/2024/2024-05-16-m.md", paragraph)
    return content


# row -> (what it writes, command, sizes (small, large))
ROWS: dict[str, tuple[Callable[[int], Path], str, tuple[int, ...]]] = {
    "headings": (headings, "check", (5_000, 10_000, 20_000)),
    "topics": (topics, "build", (600, 1_200)),
    "summary": (summary, "build", (1_000, 1_000_000)),
    "names": (names, "check", (736, 1_086)),
    "distinct-names": (distinct_names, "check", (5_000, 10_000)),
    "anagrams": (anagrams, "check", (200, 400)),
    "mentions": (mentions, "check", (500, 1_000)),
}


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def run(command: str, content: Path) -> str:
    output = content.parent / "output"
    shutil.rmtree(output, ignore_errors=True)
    argv = [sys.executable, "-m", "kaffee_site", command, "--content", str(content), "--output", str(output)]
    if command == "build":
        argv.append("--no-cache")
    if TEMPLATES:  # an older checkout's own theme (an editable install maps the default theme to this one's)
        argv += ["--templates", str(TEMPLATES)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    counted = re.search(r"(\d+) warning\(s\)", done.stdout + done.stderr)
    warnings = counted.group(1) if counted else sum(": warning: " in line for line in done.stderr.splitlines())
    said = f"exit {done.returncode}, CPU {cpu:.2f} s, wall {wall:.1f} s, {warnings} warnings"
    if command == "build":
        index = output / "themen" / "index.html"
        said += f", output {_bytes(output) / 1e6:.1f} MB" + (
            f", themen/index.html {index.stat().st_size / 1e3:.0f} kB" if index.is_file() else "")
    return said


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--small", action="store_true", help="the smallest size of each row only")
    parser.add_argument("--templates", type=Path, help="the theme of the checkout measured (PYTHONPATH=its src)")
    args = parser.parse_args(argv)
    global TEMPLATES
    TEMPLATES = args.templates
    for name in args.rows.split(","):
        make, command, sizes = ROWS[name]
        for size in sizes[:1] if args.small else sizes:
            print(f"{name} {size:,} ({command}): {run(command, make(size))}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
