"""Forked worker processes that can never leave a build waiting: each has pipes of its own.

multiprocessing.Pool, used here before, shares one task queue between its workers: a lock
taken across processes. A worker killed while it holds that lock (the out-of-memory killer)
blocks every other one; a worker that dies mid-task leaves its result missing and the build
waiting for it forever (the pool forks a replacement and says nothing); an exception that
cannot be unpickled kills the pool's result thread, same end. And its end relies on SIGTERM:
a worker forked from a process with a Python SIGTERM handler (`serve` has one, to stop
cleanly) inherits the handler, and a SIGTERM that reaches a worker before its interpreter ran
after the fork is dropped (CPython clears signals that arrived then, bpo-9535). That worker
then waits for a task on the queue's lock, which Pool.terminate holds for good, and the build
waits for the worker in waitpid: `serve` hung at 10,000 sessions (issue 18).

Here every worker has its own task pipe and result pipe, so no lock spans processes; a dead
worker's result pipe ends at once (EOF), and the build stops with one FaultError naming how
it died. Workers are told to stop by a message and, when the build gives up, killed with
SIGKILL (which nothing can catch or lose), then reaped: no signal handler decides whether a
build ends. Every fork is made by the thread that runs `fork_map`, so PR_SET_PDEATHSIG (which
fires when the forking *thread* ends) ties a worker to the build itself.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import signal
import sys
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe, wait
from typing import Any, Callable, Iterator, Sequence

from kaffee_site.errors import FaultError

POLL = 1.0  # seconds between looks at the workers' exit status while none of them answers
STOP_WAIT = 5.0  # seconds a worker told to stop has to exit before it is killed
PER_WORKER = 2  # chunks queued at one worker: one in work, one waiting (a fair share for the rest)
_PR_SET_PDEATHSIG = 1


@dataclass(eq=False)
class _Worker:
    pid: int
    tasks: Connection  # the build writes (index, chunk), or None: stop
    results: Connection  # the worker writes (index, ok, value) as pickled bytes
    budget: int  # chunks it takes before it is replaced by a fresh fork
    waiting: deque[int] = field(default_factory=deque)  # indexes sent, not answered yet, in order
    stopping: bool = False


def fork_map(func: Callable[[Any], Any], chunks: Sequence[Any], processes: int, life: int,
             prepare: Callable[[], None] = lambda: None) -> Iterator[Any]:
    """func(chunk) for every chunk, yielded in the order of `chunks`, computed by up to
    `processes` forked workers; each worker takes `life` chunks and is then replaced by a fresh
    fork. At most processes * 3 chunks are under way or waiting to be taken, so results never
    pile up while the caller is busy. `prepare()` runs in the build before every fork.

    An exception in `func` is raised here (the worker's traceback as a note); a worker that
    dies raises FaultError. Leaving the iterator early kills the workers."""
    pool = _Pool(func, chunks, processes, max(1, life), prepare)
    try:
        yield from pool.results()
    finally:
        pool.close()


class _Pool:
    def __init__(self, func: Callable[[Any], Any], chunks: Sequence[Any], processes: int, life: int,
                 prepare: Callable[[], None]):
        self.func, self.chunks, self.life, self.prepare = func, chunks, life, prepare
        self.processes = max(1, min(processes, len(chunks)))
        self.window = self.processes * 3
        self.workers: list[_Worker] = []  # with pipes open: the working and those told to stop
        self.exiting: list[int] = []  # retired workers not reaped yet
        self.done: dict[int, Any] = {}
        self.sent = 0  # chunks handed out so far
        self.build = os.getpid()

    def results(self) -> Iterator[Any]:
        for index in range(len(self.chunks)):
            while index not in self.done:
                self._hand_out(index)
                self._collect()
            yield self.done.pop(index)

    def _hand_out(self, first_waiting: int) -> None:
        while self.sent < len(self.chunks) and self.sent - first_waiting < self.window:
            working = [w for w in self.workers if not w.stopping]
            if len(working) < self.processes:  # a replacement starts while its predecessor finishes
                self.workers.append(self._fork())
                working.append(self.workers[-1])
            worker = min(working, key=lambda w: len(w.waiting))
            if len(worker.waiting) >= PER_WORKER:
                return
            worker.waiting.append(self.sent)
            worker.budget -= 1
            self.sent += 1
            stop = worker.budget == 0 or self.sent == len(self.chunks)
            try:
                worker.tasks.send((self.sent - 1, self.chunks[self.sent - 1]))
                if stop:  # it exits after these
                    worker.tasks.send(None)
            except OSError:  # its end of the pipe is gone with it
                raise self._death(worker) from None
            worker.stopping = stop

    def _collect(self) -> None:
        """Wait for one or more answers; reap workers that finished their share."""
        by_pipe = {worker.results: worker for worker in self.workers}
        ready = wait(list(by_pipe), timeout=POLL)
        if not ready:
            for worker in self.workers:
                self._check_alive(worker)
            return
        for pipe in ready:
            worker = by_pipe[pipe]
            try:
                index, ok, value = pickle.loads(pipe.recv_bytes())
            except EOFError:
                raise self._death(worker) from None
            if worker.waiting.popleft() != index:
                raise AssertionError("a worker answered out of turn")
            if not ok:
                raise _rebuilt(value)
            self.done[index] = value
            if worker.stopping and not worker.waiting:
                self._retire(worker)

    def _fork(self) -> _Worker:
        tasks_in, tasks_out = Pipe(duplex=False)
        results_in, results_out = Pipe(duplex=False)
        others = [end for w in self.workers for end in (w.tasks, w.results)]
        self.prepare()
        gc.freeze()  # the cycle collector in a worker would otherwise touch (and copy) every inherited page
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            code = 1
            try:
                for end in (*others, tasks_out, results_in):
                    end.close()
                child_setup(self.build)
                _serve(self.func, tasks_in, results_out)
                code = 0
            finally:
                os._exit(code)
        tasks_in.close()
        results_out.close()  # only the worker holds the writing end: its death is an EOF here
        return _Worker(pid, tasks_out, results_in, self.life)

    def _retire(self, worker: _Worker) -> None:
        """A worker that answered all it was given exits by itself: reaped now or later, not waited for."""
        self.workers.remove(worker)
        worker.tasks.close()
        worker.results.close()
        self.exiting.append(worker.pid)
        self.exiting = [pid for pid in self.exiting if not _exited(pid)]

    def _check_alive(self, worker: _Worker) -> None:
        try:
            pid, status = os.waitpid(worker.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = worker.pid, 0
        if pid:
            worker.pid = 0  # reaped
            raise self._death(worker, status)

    def _death(self, worker: _Worker, status: int | None = None) -> FaultError:
        if status is None and worker.pid:
            status = _reap(worker.pid, STOP_WAIT)
            worker.pid = 0
        return FaultError(f"a worker process of the build died ({_how(status)}) while rendering; "
                          "nothing was published")

    def close(self) -> None:
        """Called when the results are all taken, or when the caller stopped early: workers still
        working are killed, every one is reaped."""
        for worker in self.workers:
            worker.tasks.close()
            worker.results.close()
            if worker.pid:
                _kill(worker.pid)
                self.exiting.append(worker.pid)
        self.workers.clear()
        for pid in self.exiting:
            _reap(pid, STOP_WAIT)
        self.exiting.clear()
        gc.unfreeze()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _exited(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] != 0
    except ChildProcessError:
        return True


def _reap(pid: int, timeout: float) -> int | None:
    """The exit status of `pid`, waiting up to `timeout` seconds, then killing it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return status
        if time.monotonic() > deadline:
            _kill(pid)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.005)


def _how(status: int | None) -> str:
    if status is None:
        return "it stopped answering"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
        cause = "; the machine may have run out of memory" if number == signal.SIGKILL else ""
        return f"killed by signal {number}, {name}{cause}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


# --- in the worker ---------------------------------------------------------------------------

def child_setup(build: int) -> None:
    """In a process forked by `build`: die with it, leave Ctrl-C to it, end on SIGTERM whatever
    handler the build has (a Python handler inherited would keep a process alive)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != build:  # the build died before the line above took effect
        os._exit(0)


def _serve(func: Callable[[Any], Any], tasks: Connection, results: Connection) -> None:
    while True:
        try:
            message = tasks.recv()
        except EOFError:
            return
        if message is None:
            return
        index, chunk = message
        try:
            answer = (index, True, func(chunk))
        except BaseException as err:  # noqa: BLE001 - every failure goes to the build, which raises it
            answer = (index, False, _portable(err))
        results.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


@dataclass(frozen=True)
class _Failure:
    error: BaseException | None  # the exception itself, when it survives pickling
    kind: str
    text: str  # the worker's traceback


def _portable(err: BaseException) -> _Failure:
    text = "".join(traceback.format_exception(err))
    try:
        copy = pickle.loads(pickle.dumps(err, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - an exception that cannot travel is described instead
        copy = None
    return _Failure(copy, f"{type(err).__module__}.{type(err).__qualname__}", text)


def _rebuilt(failure: _Failure) -> BaseException:
    error = failure.error if failure.error is not None else RuntimeError(f"{failure.kind} in a worker process")
    if not isinstance(error, FaultError):
        error.add_note("in a worker process:\n" + failure.text)
    return error
