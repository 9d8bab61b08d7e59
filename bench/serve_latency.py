"""`kaffee-site serve` latency: the time from saving one session to its page being rewritten,
and to the end of the rebuild (every page that depends on the save written).

Starts the real server on a free port of 127.0.0.1, waits for the first build, then saves
one session file several times with a new marker sentence and polls the session's output
file until the marker is in it; the rebuild's end is the line serve prints when it is done
("rebuilt N file(s) …"). Returns None when the package has no serve command yet.
"""

from __future__ import annotations

import queue
import shutil
import socket
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import measure

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5


@dataclass(frozen=True)
class Latency:
    sample: measure.Sample
    note: str
    rebuilt: measure.Sample | None = None  # save -> the rebuild printed that it is done
    rebuilt_note: str = ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, timeout: float, every: float = 0.002) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def _contains(path: Path, marker: bytes) -> bool:
    try:
        return marker in path.read_bytes()
    except OSError:
        return False


def measure_serve(kaffee: Path, content: Path, output: Path, templates: Path, log) -> Latency | None:
    if not (ROOT / "src" / "kaffee_site" / "serve" / "server.py").is_file():
        return None
    help_text = subprocess.run([str(kaffee), "serve", "--help"], capture_output=True, text=True).stdout
    argv = [str(kaffee), "serve", "--content", str(content), "--output", str(output),
            "--port", str(_free_port())]
    if "--templates" in help_text:
        argv += ["--templates", str(templates)]
    shutil.rmtree(output, ignore_errors=True)  # so the page appears only when serve's first build is done
    sessions = sorted((content / "sessions").rglob("*.md"))
    session = sessions[len(sessions) // 3]
    page = output / "sitzungen" / session.stem / "index.html"
    original = session.read_bytes()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.put((time.perf_counter(), line))

    threading.Thread(target=read, daemon=True).start()
    times, ends = [], []
    try:
        started = time.perf_counter()
        if not _wait_for(page.is_file, timeout=600, every=0.05):
            return Latency(measure.Sample(0, 0, 0, 0, False, "serve wrote no page"), "serve did not build")
        log(f"serve: first build after {time.perf_counter() - started:.1f} s")
        time.sleep(1.0)  # let the watcher settle after the first build
        for round_ in range(ROUNDS):
            marker = f"Messmarke{round_}x{time.monotonic_ns()}".encode()
            session.write_bytes(original.rstrip(b"\n") + b"\n\n" + marker + b"\n")
            saved = time.perf_counter()
            if not _wait_for(lambda: _contains(page, marker), timeout=120):
                return Latency(measure.Sample(0, 0, 0, 0, False, "page not rewritten in 120 s"), "timed out")
            times.append(time.perf_counter() - saved)
            ends.append(_rebuilt_after(lines, saved) - saved)
            time.sleep(0.5)
    finally:
        session.write_bytes(original)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    note = f"median of {ROUNDS} saves; each {', '.join(f'{t * 1000:.0f}' for t in times)} ms"
    end_note = f"median of {ROUNDS} saves; each {', '.join(f'{t * 1000:.0f}' for t in ends)} ms"
    return Latency(measure.Sample(statistics.median(times), 0, 0, 0, True), note,
                   measure.Sample(statistics.median(ends), 0, 0, 0, True), end_note)


def _rebuilt_after(lines: queue.Queue, saved: float, timeout: float = 120) -> float:
    """When serve printed that a rebuild after `saved` was done (not one interrupted by newer saves)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            at, line = lines.get(timeout=max(0.01, deadline - time.perf_counter()))
        except queue.Empty:
            break
        if at >= saved and line.startswith("rebuilt") and "the rest follows" not in line:
            return at
    return saved + timeout
