"""Measuring one command: wall time, CPU time, peak memory; and describing the machine.

CPU time and `ru_maxrss` come from `os.wait4` on the child, which on Linux include every
descendant it waited for, so Hugo's threads and kaffee-site's worker processes count.
`ru_maxrss` is the peak of the largest single process; with worker processes the memory in
use at one moment is their sum, so a sampler also adds up the proportional set size (PSS:
pages shared by forked workers counted once, not once per process) of the whole process tree
every few milliseconds (`tree_mib`), and targets are judged on the larger of the two.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds, children included
    maxrss_mib: float  # ru_maxrss: the largest single process
    tree_mib: float  # sampled sum over the process tree (0 if too short to sample)
    ok: bool
    error: str = ""
    output: str = ""  # the last few KB the command printed
    excluded: bool = False  # some processes (Pagefind) were left out: judge memory by the sampled sum

    @property
    def peak_mib(self) -> float:
        return self.tree_mib if self.excluded else max(self.maxrss_mib, self.tree_mib)


def _children(pid: int) -> list[int]:
    found = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process so far (its own threads, not its children)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _tree_rss_kib(root: int, exclude: str | None = None, excluded_cpu: dict | None = None) -> int:
    """PSS of the tree; processes named `exclude` are left out, their CPU noted in excluded_cpu."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if exclude and _comm(pid).startswith(exclude):
            if excluded_cpu is not None:
                excluded_cpu[pid] = max(excluded_cpu.get(pid, 0.0), _cpu_seconds(pid))
            continue
        total += _pss_kib(pid)
        todo += _children(pid)
    return total


def run(argv: Sequence[str], cwd: Path | None = None, env: dict | None = None,
        sample_every: float = 0.02, exclude: str | None = None) -> Sample:
    """Run a command to the end, its output into a temporary file.

    `exclude` leaves processes of that name (and their children) out of the sampled memory, and
    their CPU time (as last sampled, up to `sample_every` short) out of the CPU figure."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = [0]
        excluded_cpu: dict[int, float] = {}
        done = threading.Event()

        def sampler() -> None:
            while not done.wait(sample_every):
                peak[0] = max(peak[0], _tree_rss_kib(proc.pid, exclude, excluded_cpu))

        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        thread.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        out.seek(0)
        printed = out.read()[-3000:].decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime - sum(excluded_cpu.values())
    return Sample(wall, cpu, usage.ru_maxrss / 1024, peak[0] / 1024,
                  proc.returncode == 0, printed if proc.returncode else "", printed, bool(exclude))


def median(samples: Sequence[Sample]) -> Sample:
    """Each figure's median over the runs (the runs are of one command, so this is fair)."""
    ok = [s for s in samples if s.ok]
    if not ok:
        return samples[-1]
    return Sample(statistics.median(s.wall for s in ok), statistics.median(s.cpu for s in ok),
                  statistics.median(s.maxrss_mib for s in ok), statistics.median(s.tree_mib for s in ok),
                  True, excluded=ok[0].excluded)


def machine() -> dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"cpus": str(os.cpu_count()), "cpu": model, "ram": ram,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version()}
