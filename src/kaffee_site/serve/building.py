"""While `serve`'s first build runs, a forked process answers every request: "building".

The first build runs in serve's only thread, so that it may fork workers on every core
(render/parallel.py): forking a process that runs other threads can copy a lock one of them
holds. So the answers during that build come from a process of its own, forked before the
build (small and quick to fork then) from the same listening socket: every request gets a page
in the archive's language that says the archive is being built and reloads itself every
second (503 with Retry-After, so no tool takes it for the archive). When the build is done the
process stops accepting, answers what it accepted, and exits; connections that arrive meanwhile
wait in the socket's queue for serve's own HTTP thread. Same address, same host check, same
time limits as ever (http.py). It dies with serve (PR_SET_PDEATHSIG) and is killed if it does
not stop in time.
"""

from __future__ import annotations

import os
import select
import signal
import threading
import time

from kaffee_site.forks import child_setup
from kaffee_site.serve.http import building_server

STOP_WAIT = 3.0  # seconds the answering process has to finish the answers under way


class BuildingAnswers:
    """A forked process answering `http`'s requests with `page`, until stop()."""

    def __init__(self, http, page: bytes):
        self.pid = 0
        self._stop = -1
        stop_read, stop_write = os.pipe()
        serve = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: requests wait in the socket's queue, as they did before
            os.close(stop_read)
            os.close(stop_write)
            return
        if pid == 0:  # the answering process: never returns
            code = 1
            try:
                os.close(stop_write)
                _answer(http, page, stop_read, serve)
                code = 0
            finally:
                os._exit(code)
        os.close(stop_read)
        self.pid, self._stop = pid, stop_write

    def stop(self) -> None:
        """Let the process answer what it accepted and end (killed if it takes too long)."""
        if self.pid:
            os.close(self._stop)  # its end of the pipe sees EOF: stop
            _reap(self.pid)
            self.pid = 0


def _answer(http, page: bytes, stop: int, serve: int) -> None:
    child_setup(serve)  # Ctrl-C is serve's; serve ends this process
    server = building_server(http, page)

    def watch() -> None:
        select.select([stop], [], [])
        server.shutdown()

    threading.Thread(target=watch, daemon=True).start()
    server.serve_forever(poll_interval=0.05)
    server.finish_open(STOP_WAIT - 1)


def _reap(pid: int) -> None:
    deadline = time.monotonic() + STOP_WAIT
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return
        time.sleep(0.01)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
