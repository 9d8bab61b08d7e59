"""`kaffee-site serve` starts on a large archive: does it start, answer and stop, every time?

    python bench/serve_starts.py [--sessions 10000] [--tries 5] [--seed 1]

Issue 18: at 10,000 sessions (`search: false`) serve hung 3 of 3 starts before the build's
workers became forks with pipes of their own (forks.py). Each try here starts the real server
on a free port with an empty output folder (serve keeps its cache in memory, so every start is
a whole first build), and records when the port first answers (the "being built" page, 503),
when the archive's front page is served (200), and how long serve takes to exit after SIGTERM;
a try fails if any of these does not come within its deadline or serve prints a traceback.
The corpus is corpus.py's, generated into bench/work/serve-starts-<N>/ with search turned off.
Printed, not judged: the figures go into RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

WORK = HERE / "work"
FIRST_ANSWER = 60.0  # seconds until the port answers at all
ARCHIVE = 1800.0  # seconds until the front page is the archive (a whole build at 10,000 on a busy machine)
EXIT = 30.0  # seconds serve has to exit after SIGTERM


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(port: int) -> int | None:
    """The HTTP status of GET / (None: no answer within 5 s)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code
    except (OSError, urllib.error.URLError):
        return None


def _until(predicate, deadline: float, every: float = 0.1) -> bool:
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def one_start(kaffee: Path, content: Path, output: Path) -> tuple[bool, str]:
    shutil.rmtree(output, ignore_errors=True)
    port = _free_port()
    errors = output.parent / "serve-starts.err"
    with open(errors, "wb") as stderr:
        proc = subprocess.Popen([str(kaffee), "serve", "--content", str(content), "--output", str(output),
                                 "--port", str(port)], stdout=subprocess.DEVNULL, stderr=stderr)
    started = time.monotonic()
    figures, served = [], False
    try:
        statuses: list[int] = []
        if not _until(lambda: statuses.append(_status(port)) or statuses[-1] is not None,
                      started + FIRST_ANSWER):
            figures.append(f"no answer within {FIRST_ANSWER:.0f} s")
        else:
            figures.append(f"first answer {time.monotonic() - started:.1f} s ({statuses[-1]})")
            served = _until(lambda: _status(port) == 200, started + ARCHIVE, every=1.0)
            figures.append(f"archive served {time.monotonic() - started:.1f} s" if served
                           else f"the archive not served within {ARCHIVE:.0f} s")
    finally:
        stopping = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=EXIT)
            figures.append(f"exit {time.monotonic() - stopping:.1f} s after SIGTERM (code {proc.returncode})")
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            figures.append(f"did not exit within {EXIT:.0f} s of SIGTERM")
    printed = errors.read_text(errors="replace")
    clean = served and "Traceback" not in printed and "did not exit" not in figures[-1]
    return clean, "; ".join(figures) + ("" if clean else f"; stderr: {printed[-400:]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    kaffee = Path(sys.executable).with_name("kaffee-site")
    folder = WORK / f"serve-starts-{args.sessions}"
    content = folder / "content"
    if not (content / "site.yaml").is_file():
        corpus.generate(args.sessions, content, seed=args.seed)
        site = (content / "site.yaml").read_text(encoding="utf-8")
        (content / "site.yaml").write_text(site.replace("search: true", "search: false")
                                           if "search:" in site else site + "search: false\n", encoding="utf-8")
    print(f"{args.sessions} sessions, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
    good = 0
    for number in range(1, args.tries + 1):
        ok, said = one_start(kaffee, content, folder / "output")
        good += ok
        print(f"try {number}: {'ok' if ok else 'FAILED'}: {said} (load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"{good} of {args.tries} starts answered and served the archive")
    return 0 if good == args.tries else 1


if __name__ == "__main__":
    raise SystemExit(main())
