"""Faults: the output folder is always one whole build, the previous one or the new one.

Real processes and real signals: builds are SIGKILLed at random moments, run two at once, meet a
full disk (a small tmpfs), a read-only file system (a tmpfs remounted read-only), links planted
in the output, and a cache that is damaged in every way we could think of.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from kaffee_site.cli import main
from support import ROOT, TEMPLATES, Archive, session_md, tree_snapshot, wait_until

sys.path.insert(0, str(ROOT / "bench"))
from corpus import generate  # noqa: E402  (bench/ is not a package)

STAMP = re.compile(r"Stempel-(\d+)")
# Sessions of the stamped archive: 60 give a build of 578 files (pages, feeds, open data, search
# index), long enough that random kills fall before, during and after the swap (the kill test
# counts them), at 60 % of the CPU of a build of 200, whose fixed costs (Python, Pagefind) stay.
SESSIONS = 60


def _command(content: Path, output: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "kaffee_site", "build", "--content", str(content), "--output", str(output),
            "--templates", str(TEMPLATES), *extra]


def _stamped_archive(root: Path, sessions: int) -> Path:
    """The benchmark's corpus with short bodies (so Pagefind is quick), its title stamped 0."""
    content = root / "content"
    generate(sessions, content)
    for path in (content / "sessions").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        head, _, body = text.partition("\n---\n")
        path.write_text(f"{head}\n---\n{body.strip().split(chr(10) + chr(10))[0]}\n", encoding="utf-8")
    _stamp(content, 0)
    return content


def _stamp(content: Path, number: int) -> None:
    """The stamp goes into the site's title (every page shows it); one session's report says
    whether it is odd or even, so every build makes one part of the search index again (the
    title alone Pagefind never reads), and the index has one of two known sets of files."""
    (content / "site.yaml").write_text(f"title: Archiv Stempel-{number}\nbase_url: https://example.org/k/\n"
                                       "language: de\nseries: Smarter Kaffee\n", encoding="utf-8")
    report = min((content / "sessions").rglob("*.md"))
    head, _, body = report.read_text(encoding="utf-8").partition("\n---\n")
    body = re.sub(r"\n\nVariante \w+\.\n$", "\n", body)
    report.write_text(f"{head}\n---\n{body}\nVariante {_variant(number)}.\n", encoding="utf-8")


@dataclass(frozen=True)
class _Stamped:
    """The module's stamped archive (stamp 0), made once, and its clean build: a first build
    with --no-cache into a fresh folder, the reference every test here compares with."""
    content: Path
    clean: dict[str, bytes]
    seconds: float  # how long that first build took on this machine just now

    def copy(self, root: Path) -> Path:
        shutil.copytree(self.content, root / "content")
        return root / "content"


@pytest.fixture(scope="module")
def stamped(tmp_path_factory) -> _Stamped:
    root = tmp_path_factory.mktemp("stamped")
    content = _stamped_archive(root, SESSIONS)
    started = time.monotonic()
    subprocess.run(_command(content, root / "clean", "--no-cache"), check=True, capture_output=True)
    return _Stamped(content, tree_snapshot(root / "clean"), time.monotonic() - started)


def _variant(number: int) -> str:
    return "ungerade" if number % 2 else "gerade"


def _one_build(output: Path, listings: dict[str, set[str]]) -> int:
    """The stamp of the one build the output holds; fails on a mix, a missing file or a torn index.

    One walk: every file is listed, and every page (HTML, feed, calendar, open data) is read
    for the build stamps it carries. `listings` holds the files of a whole build of each variant
    (the index files are named by their contents): the first whole build seen of a variant adds
    its own, which must match the other variant's outside the index."""
    listed, seen = set(), set()
    for folder, _, names in os.walk(output):
        for name in names:
            full = os.path.join(folder, name)
            listed.add(os.path.relpath(full, output))
            if name.endswith((".html", ".xml", ".json", ".ics", ".csv")):
                with open(full, encoding="utf-8") as handle:
                    seen.update(int(n) for n in STAMP.findall(handle.read()))
    assert len(seen) == 1, f"pages of builds {sorted(seen)} mixed in the output"
    stamp = seen.pop()
    files = listings.get(_variant(stamp))
    if files is None:
        pages = {rel for rel in listed if not rel.startswith("pagefind/")}
        assert all(pages == {rel for rel in other if not rel.startswith("pagefind/")} for other in listings.values())
        files = listings[_variant(stamp)] = listed
    assert listed == files, f"missing {sorted(files - listed)[:5]}, extra {sorted(listed - files)[:5]}"
    entry = json.loads((output / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    for language in entry["languages"].values():  # the index's entry names its own meta file
        assert (output / "pagefind" / f"pagefind.{language['hash']}.pf_meta").is_file()
    return stamp


def _locked(lock: Path) -> bool:
    """Whether a build holds the output's lock (it does from staging to the swap)."""
    with open(lock, "rb") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        return False


def _no_process_writes_into(folder: Path) -> None:
    """Within half a second no process names `folder` on its command line."""
    needle = str(folder).encode()
    deadline = time.monotonic() + 0.5
    while True:
        alive = []
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and needle in (proc / "cmdline").read_bytes():
                    alive.append(proc.name)
            except OSError:
                pass
        if not alive:
            return
        assert time.monotonic() < deadline, f"processes {alive} still work in {folder}"
        time.sleep(0.02)


@dataclass
class _Kills:
    old: int = 0  # the kill left the previous build in place
    new: int = 0  # the kill came after the swap: the new build is whole
    staging: int = 0  # kills while the build held the output's lock (staging, indexing, swapping)


def _build_here(content: Path, output: Path, *extra: str) -> None:
    """A build in this process, for a reference the test compares with (not what it tests)."""
    code, err = _in_process(_command(content, output, *extra)[3:])
    assert code == 0, err


def _in_process(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(args)
    return code, err.getvalue()


def _timed_build(content: Path, output: Path) -> float:
    started = time.monotonic()
    subprocess.run(_command(content, output), check=True, capture_output=True)
    return time.monotonic() - started


def _kill_builds(root: Path, content: Path, kills: int, seed: int, clean: dict[str, bytes]) -> _Kills:
    """Build `content` into root/output, then start `kills` builds with new stamps and SIGKILL each
    at a random moment between Python's start and just after its swap; after every kill the output
    must hold exactly one whole build, the previous one or the killed one. At the end the first
    content is built again and must equal both the first build and `clean` (no-cache) byte for byte.

    How long a build takes is measured on the builds themselves: the first (an empty cache, so
    a little longer), then every build that finished before its kill came."""
    output = root / "output"
    whole = _timed_build(content, output)
    files: dict[str, set[str]] = {}
    assert _one_build(output, files) == 0 and len(files[_variant(0)]) > 500
    first = tree_snapshot(output)
    rng = random.Random(seed)
    current, found_so_far, recent = 0, _Kills(), []
    for number in range(1, kills + 1):
        if len(recent) >= 6 and "new" not in recent[-6:]:  # the machine got slower: measure a build again
            _stamp(content, number + 2000)
            whole, current, recent = _timed_build(content, output), number + 2000, []
        _stamp(content, number)
        started = time.monotonic()
        build = subprocess.Popen(_command(content, output), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:  # from starting Python to after the swap
            build.wait(timeout=rng.uniform(0.05, whole * 1.1))
            whole = time.monotonic() - started  # it ended before its kill came: a build takes this long now
        except subprocess.TimeoutExpired:
            found_so_far.staging += _locked(root / ".output.kaffee-lock")
            build.send_signal(signal.SIGKILL)
            build.wait()
        _no_process_writes_into(root / ".output.kaffee-stage")  # Pagefind dies with its build
        printed = build.communicate(timeout=10)[1]  # until its workers, too, have gone
        # nothing but the summary of a build that finished before the kill (no worker's traceback)
        assert all(line.startswith(b"cache: ") for line in printed.splitlines()), \
            f"kill {number}: the killed build printed {printed[-300:]!r}"
        found = _one_build(output, files)
        assert found in (current, number), f"kill {number}: the output holds build {found}"
        recent.append("new" if found == number else "old")
        setattr(found_so_far, recent[-1], getattr(found_so_far, recent[-1]) + 1)
        current = found
    _stamp(content, 0)  # the first build's content again: after the kills, the same bytes
    finished = subprocess.run(_command(content, output), capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert _one_build(output, files) == 0
    final = tree_snapshot(output)  # the stages the kills left behind, reused, left nothing stale
    assert final == first and final == clean
    assert sorted(p.name for p in root.iterdir()) == [".kaffee-cache", ".output.kaffee-lock",
                                                      ".output.kaffee-stage", "content", "output"]
    assert not list((root / ".output.kaffee-stage").rglob("*.kaffee-tmp"))  # scratch of killed builds gone
    return found_so_far


def test_a_build_killed_at_any_moment_leaves_the_previous_or_the_new_build(tmp_path: Path, stamped: _Stamped):
    """50 kills over builds of 60 sessions: two archives are killed side by side, so both cores
    work while a build waits for its turn to be killed (a build alone keeps about 1.4 of them busy)."""
    with ThreadPoolExecutor(2) as pool:
        loops = [pool.submit(_kill_builds, tmp_path / name, stamped.copy(tmp_path / name), 25, seed, stamped.clean)
                 for name, seed in (("a", 9), ("b", 10))]
        results = [loop.result() for loop in loops]
    old, new, staging = (sum(getattr(r, name) for r in results) for name in ("old", "new", "staging"))
    assert old + new == 50
    assert old >= 3 and new >= 3, results  # kills fell before and after the swap
    assert staging >= 10, results  # and many while a stage was being written or indexed


# --- an interrupted first build, two builds at once ---------------------------------------------

def test_an_interrupted_first_build_never_blocks_the_next(tmp_path: Path, stamped: _Stamped):
    """Six first builds killed at moments spread over how long a first build of this archive
    takes on this machine (measured just now), from Python's start to past the swap."""
    content = stamped.copy(tmp_path)
    output = tmp_path / "output"
    rng = random.Random(3)
    for delay in sorted(rng.uniform(0.1, 1.1) * stamped.seconds for _ in range(6)):
        first = subprocess.Popen(_command(content, output), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        first.send_signal(signal.SIGKILL)
        first.wait()
        if output.exists():  # then it is a whole build (the kill came after the swap): start over
            assert (output / ".kaffee-site").is_file(), f"killed after {delay:.2f} s: a partial output folder"
            shutil.rmtree(output)
    result = subprocess.run(_command(content, output), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert tree_snapshot(output) == stamped.clean


def test_two_builds_at_once_take_turns_and_give_one_clean_build(tmp_path: Path, stamped: _Stamped):
    """The second build starts while the first holds the output's lock. The first is held still
    (SIGSTOP) from then until the second says it waits, so the second always arrives while the
    lock is held, whatever the machine's speed; then the first goes on and they take turns."""
    content = stamped.copy(tmp_path)
    output = tmp_path / "output"
    _stamp(content, 3)
    subprocess.run(_command(content, output), check=True, capture_output=True)
    _stamp(content, 1)
    first = subprocess.Popen(_command(content, output), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = tmp_path / ".output.kaffee-lock"
    deadline = time.monotonic() + 60
    while not (_locked(lock) and lock.read_text() == f"{first.pid}\n") and first.poll() is None \
            and time.monotonic() < deadline:  # held, and its holder's pid written (the message names it)
        time.sleep(0.005)
    first.send_signal(signal.SIGSTOP)
    try:
        assert first.poll() is None, "the first build ended before it was seen holding the lock"
        _stamp(content, 0)  # the second build reads this (the clean build's content); the first has read stamp 1
        second = subprocess.Popen(_command(content, output), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        said: list[str] = []
        reader = threading.Thread(target=lambda: said.extend(second.stderr), daemon=True)
        reader.start()
        wait_until(lambda: said or second.poll() is not None, "the second build says it waits", timeout=60)
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert second.wait(timeout=120) == 0
    reader.join(timeout=10)
    assert said and said[0] == (f"waiting for another kaffee-site (pid {first.pid}) to finish writing "
                                f"{output} (it holds {tmp_path / '.output.kaffee-lock'})\n"), said
    assert first.returncode == 0
    assert tree_snapshot(output) == stamped.clean  # the second build, whole
    for stream in (first.stdout, first.stderr, second.stdout, second.stderr):
        stream.close()


def test_a_build_waiting_on_a_holder_that_has_not_noted_itself_names_no_ended_build(archive: Archive):
    """A holder notes its pid only once it has the lock: until then the lock file names the build
    before it, which has ended. The waiting build names nobody rather than that ended process."""
    archive.write("sessions/a.md", session_md())
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock = archive.root / ".output.kaffee-lock"
    lock.write_text(ended.stdout)  # what the ended build noted
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1], 'r+'); "
                               "fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()", str(lock)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        build = subprocess.Popen([sys.executable, "-m", "kaffee_site", *archive.args("build")],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=archive.root)
        said = build.stderr.readline()
    finally:
        holder.stdin.close()  # the holder ends: the waiting build goes on
        holder.wait(timeout=30)
    assert build.wait(timeout=120) == 0, build.stderr.read()
    assert said == f"waiting for another kaffee-site to finish writing {archive.output} (it holds {lock})\n"
    build.stdout.close()
    build.stderr.close()


def test_a_build_killed_between_the_two_renames_of_the_fallback_gets_its_output_back(archive: Archive,
                                                                                    monkeypatch):
    """Where renameat2 cannot exchange folders, two renames do; a kill between them leaves the
    previous build beside the output, and the next build puts it back first."""
    from kaffee_site.publish import exchange as swap

    monkeypatch.setattr(swap, "_renameat2", None)  # as on a system without renameat2
    archive.write("sessions/a.md", session_md("A"))
    assert archive.build() == 0
    before = tree_snapshot(archive.output)
    archive.output.rename(archive.root / ".output.kaffee-old")  # the first rename, then the kill
    archive.write("sessions/b.md", session_md("B", date="2024-13-01"))  # this build fails
    assert archive.build() == 1
    assert tree_snapshot(archive.output) == before
    archive.write("sessions/b.md", session_md("B", date="2024-10-01"))
    assert archive.build() == 0
    assert "sitzungen/b/index.html" in tree_snapshot(archive.output)
    assert not (archive.root / ".output.kaffee-old").exists()


# --- links in the output ----------------------------------------------------------------------------

def test_links_found_in_the_output_are_replaced_never_followed(archive: Archive, tmp_path: Path):
    archive.write("sessions/a.md", session_md("A", slug="a"))
    archive.write("media/handout.pdf", b"%PDF-1.4\n")
    _build_here(archive.content, archive.output)  # the previous build (set-up: in this process)
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "folder" / "index.html").write_text("outside, must stay")
    (outside / "file.html").write_text("outside file, must stay")
    out = archive.output
    shutil.rmtree(out / "sitzungen")
    (out / "sitzungen").symlink_to(outside / "folder")  # a folder the build writes into
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(outside / "file.html")  # a page the build writes
    (out / "media" / "handout.pdf").unlink()
    (out / "media" / "handout.pdf").symlink_to(outside / "file.html")  # a media file, unchanged bytes
    (out / "stray").symlink_to(outside)  # something the build does not make
    (tmp_path / ".output.kaffee-stage").symlink_to(outside)  # even where the stage goes
    before = tree_snapshot(outside)
    archive.write("sessions/b.md", session_md("B", "2024-10-01", slug="b"))
    result = archive.run("build")
    assert result.returncode == 0, result.stderr
    assert tree_snapshot(outside) == before and sorted(p.name for p in outside.iterdir()) == ["file.html", "folder"]
    links = [p for p in out.rglob("*") if p.is_symlink()]
    assert links == []
    assert (out / "sitzungen" / "a" / "index.html").is_file() and (out / "sitzungen" / "b" / "index.html").is_file()
    assert (out / "media" / "handout.pdf").read_bytes() == b"%PDF-1.4\n"
    assert not (out / "stray").exists()
    fresh = Archive(tmp_path / "fresh")
    shutil.copytree(archive.content, fresh.content)
    _build_here(fresh.content, fresh.output)
    assert tree_snapshot(out) == tree_snapshot(fresh.output)


# --- the build cache can never fail a build or change its output ---------------------------------

def _cache_stores(root: Path) -> list[Path]:
    stores = sorted((root / ".kaffee-cache").glob("*.marshal"))
    assert len(stores) >= 3
    return stores


def _flip_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def _tamper(path: Path) -> None:
    """What an attacker or a bad disk block could do and marshal would still read: same lengths."""
    path.write_bytes(path.read_bytes().replace(b"Milchkaffee", b"Gift-Kaffee"))


def _into_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "x").write_text("a store that is a folder")


DAMAGE = {
    "a file where the cache folder goes": None,
    "garbage in every store": lambda p: p.write_bytes(os.urandom(3000)),
    "a flipped bit in every store": _flip_bit,
    "every store cut in half": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "tampered entries that still read": _tamper,
    "every store a folder": _into_folder,
}


def _milchkaffee(archive: Archive, title: str) -> None:
    for n in range(12):
        archive.write(f"sessions/s{n}.md", session_md(f"Sitzung {n}", f"2024-0{n % 9 + 1}-1{n % 9}", topics="[Verstetigung]",
                                                      body=f"Ein Bericht über Milchkaffee, Nummer {n}."))
    archive.write("site.yaml", f"title: {title}\n")


@pytest.fixture(scope="module")
def undamaged(tmp_path_factory) -> dict[str, bytes]:
    """The clean build (--no-cache) of what every damaged-cache case builds last: one for all."""
    fresh = Archive(tmp_path_factory.mktemp("undamaged"))
    _milchkaffee(fresh, "Archiv zwei")
    _build_here(fresh.content, fresh.output, "--no-cache")
    return tree_snapshot(fresh.output)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_cache_is_a_miss_and_the_output_equals_no_cache(archive: Archive, tmp_path: Path, damage: str,
                                                                  undamaged: dict[str, bytes]):
    _milchkaffee(archive, "Archiv eins")
    _build_here(archive.content, archive.output)  # fills the cache the damage then spoils
    if DAMAGE[damage] is None:
        shutil.rmtree(tmp_path / ".kaffee-cache")
        (tmp_path / ".kaffee-cache").write_text("not a folder")
    else:
        for store in _cache_stores(tmp_path):
            DAMAGE[damage](store)
    archive.write("site.yaml", "title: Archiv zwei\n")  # every page renders again, the bodies could come from the cache
    result = archive.run("build")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1].startswith("cache: ")
    unsaved = [line for line in result.stderr.splitlines() if "could not be saved" in line]
    if DAMAGE[damage] is None:  # the cache cannot be saved: a warning that names the file, and why
        folder = tmp_path / ".kaffee-cache"
        assert unsaved == [f"{folder}: warning: the build cache could not be saved ({folder}: File exists); "
                           "the output is complete, the next build starts without the work this one did"]
    else:  # a damaged store is replaced by a good one without a word
        assert unsaved == []
    assert tree_snapshot(archive.output) == undamaged
    again = archive.run("build")  # and the cache that replaced the damaged one works
    assert again.returncode == 0 and tree_snapshot(archive.output) == undamaged


# --- the machine: full disk, read-only, a path under a file, content that vanishes -------------------

@pytest.fixture
def disk(tmp_path: Path):
    """A small tmpfs of its own: mount(size) mounts it at tmp_path/disk. Needs root with
    CAP_SYS_ADMIN (CI runs as root in a container that allows it); otherwise the test is skipped."""
    point = tmp_path / "disk"
    point.mkdir()
    mounted = []

    def mount(size: str) -> Path:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system of `folder` until only about `leave` bytes are free."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    with open(folder / "filler", "wb") as handle:
        handle.write(b"\0" * max(free - leave, 0))


def _new_bytes(old: Path, new: Path) -> tuple[int, int]:
    """The space (in 4 KiB blocks) the files of `new` take that `old` does not hold with the same
    bytes: (pages and feeds, search index)."""
    before, after = tree_snapshot(old), tree_snapshot(new)
    changed = [rel for rel, data in after.items() if before.get(rel) != data]
    blocks = {rel: -(-(new / rel).stat().st_size // 4096) * 4096 for rel in changed}
    index = sum(size for rel, size in blocks.items() if rel.startswith("pagefind/"))
    return sum(blocks.values()) - index, index


def _small_archive(root: Path, sessions: int = 30) -> Archive:
    archive = Archive(root)
    for n in range(sessions):
        archive.write(f"sessions/s{n:02d}.md", session_md(f"Sitzung {n}", f"2023-{n % 12 + 1:02d}-0{n % 9 + 1}",
                                                         topics="[Verstetigung, Open Data]",
                                                         body=f"Bericht {n} über Förderprogramme. " * 40))
    archive.write("site.yaml", "title: Archiv eins\n")
    return archive


def _build_into(archive: Archive, output: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(_command(archive.content, output, *extra), capture_output=True, text=True)


def test_a_full_disk_while_pages_are_written_is_one_line_and_keeps_the_output(tmp_path: Path, disk):
    archive = _small_archive(tmp_path / "site")
    output = disk("8m") / "output"
    _build_here(archive.content, output)  # the previous build (set-up: in this process)
    before = tree_snapshot(output)
    archive.write("site.yaml", "title: Archiv zwei\n")  # every page changes
    _fill(output.parent, 16 * 1024)
    result = _build_into(archive, output)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.endswith(": No space left on device (the disk is full); the output folder was not changed\n")
    assert result.stderr.startswith(str(output))  # it names the file of the output it was writing
    assert tree_snapshot(output) == before
    (output.parent / "filler").unlink()
    assert _build_into(archive, output).returncode == 0
    assert _one_title(output) == "Archiv zwei"


def test_a_full_disk_while_the_search_index_is_written_keeps_the_output(tmp_path: Path, disk):
    archive = _small_archive(tmp_path / "site")
    output = disk("8m") / "output"
    _build_here(archive.content, output)  # the previous build (set-up: in this process)
    before = tree_snapshot(output)
    archive.write("sessions/s00.md", session_md("Sitzung 0", "2023-01-01", topics="[Verstetigung, Open Data]",
                                                body="Ein kurzer neuer Bericht."))  # a few small pages change
    # Unchanged files are links (no space), so the build needs room for the changed files only:
    # a build of the same edit elsewhere shows how much the pages and the index take. The disk
    # keeps room for the pages and half the new index files.
    reference = tmp_path / "reference"
    shutil.copytree(output, reference / "output")
    _build_here(archive.content, reference / "output")
    pages, index = _new_bytes(output, reference / "output")
    assert index >= 3 * 4096, "the edit must change some of the index"
    _fill(output.parent, pages + index // 2)
    result = _build_into(archive, output)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
    # Pagefind itself exits with 0 and leaves cut-off files: the build checks what it wrote
    assert result.stderr == ("the search index (pagefind) is incomplete: the disk is full (0 KiB free); "
                             "the output folder was not changed\n")
    assert tree_snapshot(output) == before
    (output.parent / "filler").unlink()
    assert _build_into(archive, output).returncode == 0
    assert "Ein kurzer neuer Bericht." in (output / "sitzungen" / "s00" / "index.html").read_text("utf-8")


def test_a_cache_on_a_full_disk_is_a_warning_and_the_output_equals_no_cache(tmp_path: Path):
    archive = _small_archive(tmp_path / "site")
    cache = tmp_path / "build" / ".kaffee-cache"  # the cache folder of build/output: a 16 KiB tmpfs
    cache.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(cache)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        output = tmp_path / "build" / "output"
        for title in ("Archiv eins", "Archiv zwei"):
            archive.write("site.yaml", f"title: {title}\n")
            result = _build_into(archive, output)
            assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
            warning = result.stderr.splitlines()[0]
            assert warning.startswith(f"{cache}: warning: the build cache could not be saved ({cache}/"), warning
            assert warning.endswith(": No space left on device); the output is complete, the next build starts "
                                    "without the work this one did")
            assert result.stderr.splitlines()[1] == (f"    hint: free disk space or make {cache} a writable folder, "
                                                     "or build with --no-cache")
            fresh = tmp_path / "fresh" / "output"
            _build_here(archive.content, fresh, "--no-cache")
            assert tree_snapshot(output) == tree_snapshot(fresh)
            shutil.rmtree(fresh.parent)
        assert not list(cache.rglob("*.tmp"))  # no half-written store is left behind
    finally:
        subprocess.run(["umount", "-l", str(cache)], capture_output=True)


def test_a_read_only_output_is_one_line_and_keeps_the_output(tmp_path: Path, disk):
    archive = _small_archive(tmp_path / "site", sessions=5)
    output = disk("8m") / "output"
    _build_here(archive.content, output)  # the previous build (set-up: in this process)
    before = tree_snapshot(output)
    archive.write("site.yaml", "title: Archiv zwei\n")
    remount = subprocess.run(["mount", "-o", "remount,ro", str(output.parent)], capture_output=True, text=True)
    assert remount.returncode == 0, remount.stderr
    result = _build_into(archive, output)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.endswith(": Read-only file system; the output folder was not changed\n")
    assert tree_snapshot(output) == before


def test_an_output_path_under_a_file_is_a_usage_error(archive: Archive, tmp_path: Path):
    archive.write("sessions/a.md", session_md("A"))
    (tmp_path / "notes.txt").write_text("a file")
    result = archive.run("build", "--output", str(tmp_path / "notes.txt" / "output"))
    assert result.returncode == 2
    assert result.stderr == (f"kaffee-site: {tmp_path / 'notes.txt' / 'output'}: the output path lies under "
                             f"{tmp_path / 'notes.txt'}, which is a file, not a folder\n")
    assert (tmp_path / "notes.txt").read_text() == "a file"


def test_a_content_folder_that_vanishes_mid_build_is_one_line_and_keeps_the_output(tmp_path: Path,
                                                                                   stamped: _Stamped):
    content = stamped.copy(tmp_path)
    for n in range(20):  # files copied as they are (raster pictures are converted: images/)
        (content / "media" / f"blatt-{n}.pdf").parent.mkdir(exist_ok=True)
        (content / "media" / f"blatt-{n}.pdf").write_bytes(b"%PDF-1.4\n" + bytes([n]) * 1000)
    output = tmp_path / "output"
    subprocess.run(_command(content, output), check=True, capture_output=True)
    before = tree_snapshot(output)
    _stamp(content, 1)
    build = subprocess.Popen(_command(content, output), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not _locked(tmp_path / ".output.kaffee-lock") and build.poll() is None:
        time.sleep(0.002)
    build.send_signal(signal.SIGSTOP)  # held still in its stage, so the folder is gone before it goes on
    try:
        assert build.poll() is None, "the build ended before it was seen holding the lock"
        shutil.rmtree(content)  # the pages are rendering; the media are copied last
    finally:
        build.send_signal(signal.SIGCONT)
    _, err = build.communicate(timeout=120)
    assert build.returncode == 1
    assert len(err.splitlines()) == 1, err
    assert re.fullmatch(rf"{re.escape(str(content))}/media/blatt-\d+\.pdf: No such file or directory; "
                        r"the output folder was not changed\n", err), err
    assert tree_snapshot(output) == before


def _one_title(output: Path) -> str:
    titles = {re.search(r'class="site-title"[^>]*>([^<]*)<', p.read_text("utf-8")).group(1)
              for p in output.rglob("index.html")}
    assert len(titles) == 1, titles
    return titles.pop()


def test_an_output_folder_that_is_a_mount_point_is_written_in_place(tmp_path: Path, disk):
    """A mount point cannot be swapped (Docker volumes are one): the files are moved in one by one."""
    archive = _small_archive(tmp_path / "site", sessions=6)
    output = disk("8m")
    _build_here(archive.content, output)  # the previous build (set-up: in this process)
    (output / "stray.html").write_text("not ours")
    (output / "sitzungen" / "s00").rename(output / "sitzungen" / "moved")
    (tmp_path / "outside").mkdir()
    (output / "themen").rename(output / "themen-old")
    (output / "themen").symlink_to(tmp_path / "outside")
    archive.write("site.yaml", "title: Archiv zwei\n")
    archive.write("sessions/s05.md", session_md("Neu", "2024-05-05", body="Milchschaum"))
    result = _build_into(archive, output)
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "outside").iterdir()) == []
    fresh = tmp_path / "fresh" / "output"
    _build_here(archive.content, fresh)
    # Pagefind's index depends on the order the file system lists files in (tmpfs and ext4 differ),
    # so it is compared by its parts: whole, and naming the pages of this build
    pages, fresh_pages = ({k: v for k, v in tree_snapshot(o).items() if not k.startswith("pagefind/")}
                          for o in (output, fresh))
    assert pages == fresh_pages
    entry = json.loads((output / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    assert entry["languages"]["de"]["page_count"] == 8
    assert (output / "pagefind" / f"pagefind.{entry['languages']['de']['hash']}.pf_meta").is_file()
    assert not [p for p in output.rglob("*") if p.is_symlink()]
    assert sorted(p.name for p in output.parent.iterdir() if p.name.startswith(".disk.")) == [".disk.kaffee-lock"]
