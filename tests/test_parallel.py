"""Worker processes: they place the pages they render themselves, and die with their build."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from support import TEMPLATES, Archive, session_md, tree_snapshot, wait_until
from test_cache import TOPICS, sessions



def _archive(archive: Archive, count: int) -> Archive:
    archive.write("site.yaml", "title: Test\nbase_url: https://example.org/kaffee/\nsearch: false\n")
    for rel, text in {**TOPICS, **sessions(count)}.items():
        archive.write(rel, text)
    return archive


# Run in a process of its own: the build forks workers only when it is the process's one thread
# (parallel.workers), and threads of earlier tests (serve's, a pool's) may still be ending here.
_WORKERS_PLACE = """
import sys
from pathlib import Path
from kaffee_site.engine import Engine
from kaffee_site.options import BuildOptions
from kaffee_site.parallel import page_renderer
from kaffee_site.render.render import plan_pages, render_page
from kaffee_site.publish.stage import Stage
from kaffee_site.publish.writer import StagedOutput

content, output, templates = map(Path, sys.argv[1:4])
engine = Engine(BuildOptions(content, output, templates))
site = engine.load().site
theme = engine.current_theme(site.config)
specs = plan_pages(site)
stage = Stage(output)
try:
    results = [result for result, _ in page_renderer(site, theme, stage.writer)(specs, False)]
    assert [type(r) for r in results] == [StagedOutput] * len(specs), "page bytes came back from the workers"
    assert [r.path for r in results] == [spec.path for spec in specs], "not in the order of the plan"
    for spec in specs:  # each file in the stage is the page this process renders
        assert (stage.path / spec.path).read_bytes() == render_page(site, theme, spec).data, spec.path
finally:
    stage.discard()
print(len(specs), "pages placed by the workers")
"""


def test_workers_put_their_pages_into_the_stage_and_send_back_only_paths(archive: Archive):
    _archive(archive, 12)
    done = subprocess.run([sys.executable, "-c", _WORKERS_PLACE, str(archive.content), str(archive.output),
                           str(TEMPLATES)], capture_output=True, text=True, env={**os.environ, "KAFFEE_SITE_JOBS": "2"})
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"(\d+) pages placed by the workers\n", done.stdout) and int(done.stdout.split()[0]) > 30


def test_cached_builds_in_workers_equal_a_clean_build_in_one_process(archive: Archive, tmp_path: Path):
    """The workers write and record what each page read; a cached rebuild after an edit is
    still byte for byte the clean one-process build."""
    _archive(archive, 30)
    parallel = {"KAFFEE_SITE_JOBS": "2"}
    assert archive.run("build", env=parallel).returncode == 0
    archive.write("sessions/2024/2024-01-08-sitzung-2.md", session_md(
        "Sitzung 2 neu", "2024-01-08", "Ganz neu über *Verstetigung*.", number=2, topics="\n  - Verstetigung"))
    again = archive.run("build", env=parallel)
    assert again.returncode == 0, again.stderr
    written, unchanged = map(int, re.search(r"\((\d+) written, (\d+) unchanged", again.stdout).groups())
    assert written > 1 and unchanged > 50  # some pages rendered again in the workers, most kept
    cached = tree_snapshot(archive.output)
    shutil.rmtree(archive.output)
    clean = archive.run("build", "--no-cache", env={"KAFFEE_SITE_JOBS": "2"})
    assert clean.returncode == 0, clean.stderr
    assert cached == tree_snapshot(archive.output)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found |= {int(c) for c in handle.read().split()}
    except OSError:
        pass
    return found


def _workers(pid: int) -> set[int]:
    """The build's own forked workers among its children: they run the parent's command line
    (the build also runs `git` to learn when each file last changed)."""
    def command(child: int) -> bytes:
        try:
            with open(f"/proc/{child}/cmdline", "rb") as handle:
                return handle.read()
        except OSError:
            return b""
    own = command(pid)
    return {child for child in _children(pid) if own and command(child) == own}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_build_killed_while_workers_render_leaves_no_worker_and_prints_nothing(archive: Archive, tmp_path: Path):
    _archive(archive, 150)
    stage = tmp_path / ".output.kaffee-stage"
    errors = tmp_path / "stderr.txt"
    for attempt in range(3):  # the kill must fall while the workers render pages
        shutil.rmtree(archive.output, ignore_errors=True)
        shutil.rmtree(stage, ignore_errors=True)
        with open(errors, "wb") as stderr:
            build = subprocess.Popen([sys.executable, "-m", "kaffee_site", *archive.args("build", "--no-cache")],
                                     stdout=subprocess.DEVNULL, stderr=stderr,
                                     env={**os.environ, "KAFFEE_SITE_JOBS": "2"}, cwd=archive.root)
        try:
            wait_until(lambda: stage.is_dir() and sum(1 for _ in stage.rglob("index.html")) >= 20,
                       "the build writes pages", timeout=120)
            workers = _children(build.pid)
        finally:
            build.send_signal(signal.SIGKILL)
            build.wait()
        if len(workers) >= 2:
            break
    assert len(workers) >= 2, "the build ran no workers"
    killed = time.monotonic()
    wait_until(lambda: not any(_alive(pid) for pid in workers), "the workers end", timeout=30)
    assert time.monotonic() - killed < 2  # they die with the build, not after their next chunk
    time.sleep(0.2)
    assert errors.read_text() == ""  # no BrokenPipeError traceback, nothing at all


# In a process of its own, as above. Each output says which process made it.
_WORKERS_RENEWED = """
import os
from kaffee_site.outputs.kind import PageSpec
from kaffee_site import parallel

parallel.WORKER_LIFE = 10
specs = [PageSpec(f"p{i}.txt", "", producer=lambda site, i=i: f"{i} {os.getpid()}".encode()) for i in range(200)]
made = [output.data.decode().split() for output, _ in parallel.page_renderer(None, None)(specs, False)]
assert [int(i) for i, _ in made] == list(range(200)), "not in the order of the plan"
pids = [int(pid) for _, pid in made]
assert os.getpid() not in pids, "rendered here, not in workers"
print(len(set(pids)), max(pids.count(pid) for pid in set(pids)))
"""


def test_workers_are_replaced_by_fresh_forks_so_none_copies_the_whole_site():
    """A worker copies every page of the build's memory it touches; after WORKER_LIFE items a
    fresh fork takes over (chunks are never larger than that: 10 items a chunk here, one a worker)."""
    done = subprocess.run([sys.executable, "-c", _WORKERS_RENEWED], capture_output=True, text=True,
                          env={**os.environ, "KAFFEE_SITE_JOBS": "2"})
    assert done.returncode == 0, done.stderr
    processes, most = map(int, done.stdout.split())
    assert processes >= 20 and most <= 10


def test_a_worker_killed_mid_build_ends_the_build_at_once_with_one_message(archive: Archive):
    """With multiprocessing's pool the build waited forever for the dead worker's chunk (the
    pool forked a replacement and said nothing). Now its result pipe ends: one message, exit 1,
    the last output as it was, no worker left."""
    _archive(archive, 150)
    code, err = archive.build_quietly("--no-cache")  # the last output (in this process: not what is tested)
    assert code == 0, err
    before = tree_snapshot(archive.output)
    build = subprocess.Popen([sys.executable, "-m", "kaffee_site", *archive.args("build", "--no-cache")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "KAFFEE_SITE_JOBS": "2"}, cwd=archive.root)
    try:
        # Once pages are in the stage, the newest fork renders pages with chunks still to come; the
        # oldest may be a body worker that answered all it was given and is exiting (killing it
        # changes nothing, and under load it lives long enough to be picked: the test then failed)
        stage = archive.root / ".output.kaffee-stage"
        wait_until(lambda: stage.is_dir() and sum(1 for _ in stage.rglob("index.html")) >= 20,
                   "the build writes pages", timeout=120)
        victim = wait_until(lambda: max(_workers(build.pid), default=None), "a worker", timeout=120)
        os.kill(victim, signal.SIGKILL)
        out, err = build.communicate(timeout=60)  # a deadline against the old hang, not a timing
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    assert build.returncode == 1
    lines = [line for line in err.splitlines() if "warning" not in line and "hint:" not in line]
    assert lines == ["a worker process of the build died (killed by signal 9, SIGKILL; the machine may "
                     "have run out of memory) while rendering; nothing was published"], err
    assert tree_snapshot(archive.output) == before
    assert not _children(build.pid)


def test_a_template_error_in_a_worker_is_reported_with_its_line(archive: Archive, tmp_path: Path):
    """The error a worker raised could not be unpickled by the pool's result thread, which died:
    the build waited forever. Now it comes back whole, as in a build in one process."""
    _archive(archive, 20)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "session.html").write_text("<p>\n{{ 1 / 0 }}\n", encoding="utf-8")
    args = archive.args("build", "--no-cache")
    args[args.index("--templates") + 1] = str(templates)
    runs = [subprocess.run([sys.executable, "-m", "kaffee_site", *args], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "KAFFEE_SITE_JOBS": jobs}, cwd=archive.root) for jobs in ("2", "1")]
    assert [run.returncode for run in runs] == [1, 1]
    assert "session.html:2: ZeroDivisionError: division by zero" in runs[0].stderr
    assert runs[0].stderr == runs[1].stderr
