"""`serve` never hangs at its start, and a build never waits for a worker that is gone (issue 18).

At 10,000 sessions `serve` hung 3 of 3 times: the pool's workers inherited serve's SIGTERM
handler, and a SIGTERM that reaches a freshly forked worker before its interpreter runs is
dropped, so the worker waited on a lock its pool held for good (forks.py says more).
A build of 10,000 sessions replaces its workers hundreds of times; KAFFEE_SITE_WORKER_LIFE=1
replaces them after every item, so a small archive meets as many replacements in seconds.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from support import Archive, wait_until
from test_cache import TOPICS, sessions

PAGE = "/kaffee/sitzungen/2024-01-01-sitzung-1/"
# serve pinned to one core: a fresh worker then waits for its turn, as on a loaded machine
_ONE_CORE = ("import os, runpy, sys; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
             "sys.argv = ['kaffee-site', *sys.argv[1:]]; runpy.run_module('kaffee_site', run_name='__main__')")


def _archive(archive: Archive, count: int) -> Archive:
    archive.write("site.yaml", "title: Test\nbase_url: https://example.org/kaffee/\nsearch: false\n")
    for rel, text in {**TOPICS, **sessions(count)}.items():
        archive.write(rel, text)
    return archive


class Served:
    """`kaffee-site serve` as a real process; its output lines arrive in `lines` as they are printed."""

    def __init__(self, archive: Archive, env: dict[str, str], one_core: bool = False):
        prefix = [sys.executable, "-c", _ONE_CORE] if one_core else [sys.executable, "-m", "kaffee_site"]
        self.process = subprocess.Popen([*prefix, *archive.args("serve", "--port", "0")], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, cwd=archive.root,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1", **env})
        self.lines: queue.Queue[str] = queue.Queue()
        self.said: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((m for line in self.said if (m := re.search(pattern, line))), None)
            if found:
                return found
            try:
                self.said.append(self.lines.get(timeout=0.2))
            except queue.Empty:
                pass
        raise AssertionError(f"serve did not print /{pattern}/ within {timeout:.0f} s; it said:\n" + "".join(self.said))

    @property
    def port(self) -> int:
        return int(self.wait_for(r"http://127\.0\.0\.1:(\d+)/", 60).group(1))

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -9
        finally:
            while not self.lines.empty():
                self.said.append(self.lines.get())


def _get(port: int, path: str, host: str | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host} if host else {})
        answer = connection.getresponse()
        return answer.status, answer.read().decode("utf-8")
    finally:
        connection.close()


def test_serve_starts_while_its_workers_are_replaced_after_every_item(archive: Archive):
    """Fails on the code before the fix: the first build never ends (the parent waits in waitpid for
    a worker that waits on the pool's queue lock), nothing is served, and workers that did end
    printed KeyboardInterrupt tracebacks."""
    _archive(archive, 40)
    served = Served(archive, {"KAFFEE_SITE_JOBS": "2", "KAFFEE_SITE_WORKER_LIFE": "1"}, one_core=True)
    try:
        served.wait_for(r"^built \d+ file", timeout=120)
        status, page = _get(served.port, PAGE)
        assert status == 200 and "Sitzung 1" in page
    finally:
        code = served.stop()
    assert code == 0
    assert "Traceback" not in "".join(served.said)


_HOLD_LOCK = ("import fcntl, os, sys\n"
              "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
              "fcntl.lockf(fd, fcntl.LOCK_EX)\n"
              "print('held', flush=True)\n"
              "sys.stdin.read()\n")


def test_serve_answers_while_its_first_build_runs_and_the_page_follows_when_done(archive: Archive):
    """The first build waits here for the output's lock (another build holds it): meanwhile every
    request gets a page in the archive's language that says so and reloads itself; once the
    build is done the same address serves the archive."""
    _archive(archive, 3)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(archive.root / ".output.kaffee-lock")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    served = None
    try:
        assert holder.stdout.readline() == "held\n"
        served = Served(archive, {})
        port = served.port
        for path in (PAGE, "/", "/kaffee/nichts/", "/__kaffee__/events?v=x"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path)
            answer = connection.getresponse()
            page = answer.read().decode("utf-8")
            assert answer.status == 503 and answer.getheader("Retry-After") == "1", path
            assert answer.getheader("Connection") == "close"
            assert '<html lang="de">' in page and '<meta http-equiv="refresh" content="1">' in page
            assert "Das Archiv wird gebaut" in page
            connection.close()
        status, refused = _get(port, PAGE, host="evil.example")
        assert status == 403 and "DNS rebinding" in refused  # the host rule holds while building too
        assert not any(line.startswith("built") for line in served.said)
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    try:
        served.wait_for(r"^built \d+ file", timeout=120)
        status, page = _get(port, PAGE)
        assert status == 200 and "Sitzung 1" in page and "Das Archiv wird gebaut" not in page
    finally:
        code = served.stop()
    assert code == 0
    assert "Traceback" not in "".join(served.said)
