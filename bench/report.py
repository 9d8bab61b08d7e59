"""The benchmark's table and verdicts: plain text for the terminal, Markdown for bench/RESULTS.md.

Every target of issue 21 is judged from the measured rows: met, or missed by how much.
Hand-written findings (the profile, what was tried) live in bench/ANALYSIS.md and are
appended to RESULTS.md unchanged, so a re-run never loses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

HERE = Path(__file__).resolve().parent
CI_ROW = "kaffee-site CI: fresh clone, cache restored, empty output, one session changed (search on)"
CI_HUGO_ROW = "Hugo clean, alternating with the CI rows"


@dataclass(frozen=True)
class Context:
    date: str
    machine: dict
    versions: dict
    minutes: float
    load: tuple
    runs: int
    seed: int


def _row(row) -> dict:
    s = row.sample
    per = f"{s.wall * 1000 / row.size:.2f}" if row.label.endswith("clean") else ""
    return {"N": f"{row.size:,}", "what": row.label, "wall s": f"{s.wall:.3f}" if s.ok else "failed",
            "CPU s": f"{s.cpu:.2f}", "peak MiB": f"{s.peak_mib:.0f}", "ms/session": per,
            "pages": str(row.pages or ""), "note": row.note}


def table(rows: Sequence) -> str:
    lines = [_row(r) for r in rows]
    if not lines:
        return "(nothing measured)"
    heads = list(lines[0])
    widths = {h: max(len(h), *(len(line[h]) for line in lines)) for h in heads}
    out = ["| " + " | ".join(h.ljust(widths[h]) for h in heads) + " |",
           "|" + "|".join("-" * (widths[h] + 2) for h in heads) + "|"]
    out += ["| " + " | ".join(line[h].ljust(widths[h]) for h in heads) + " |" for line in lines]
    return "\n".join(out)


def _wall(rows, size: int, label: str) -> float | None:
    row = next((r for r in rows if r.size == size and r.label == label), None)
    return row.sample.wall if row and row.sample.ok else None


def _ratio_target(name: str, value: float | None, reference: float | None, limit: float, ref_name: str) -> str:
    if value is None or reference is None:
        return f"- {name}: not measured"
    ratio = value / reference
    bound = limit * reference
    if value <= bound:
        return f"- {name}: **met** ({value:.2f} s = {ratio:.2f}× {ref_name} {reference:.2f} s; limit {limit}×)"
    return (f"- {name}: **missed** ({value:.2f} s = {ratio:.2f}× {ref_name} {reference:.2f} s; limit {limit}× "
            f"= {bound:.2f} s, over by {value - bound:.2f} s, i.e. {value / bound:.1f}× too slow)")


def _ms_target(name: str, row, limit_ms: float) -> str:
    if row is None or not row.sample.ok:
        return f"- {name}: not measured"
    ms = row.sample.wall * 1000
    return f"- {name}: " + (f"**met** ({ms:.0f} ms)" if ms <= limit_ms else
                            f"**missed** ({ms:.0f} ms, over by {ms - limit_ms:.0f} ms)")


def targets(rows: Sequence, sizes: Sequence[int]) -> str:
    """The targets of issue 21, each met or missed by how much."""
    out = []
    for n in sizes:
        h = _wall(rows, n, "Hugo clean")
        one = _wall(rows, n, "kaffee-site rebuild, one session changed (search on)")
        none = _wall(rows, n, "kaffee-site rebuild, nothing changed (search on)")
        ci, ci_hugo = _wall(rows, n, CI_ROW), _wall(rows, n, CI_HUGO_ROW)
        out.append(_ratio_target(f"N={n:,} CI (fresh clone, cache restored, empty output, one session changed) "
                                 "≤ 0.5× Hugo's clean build in the same rounds", ci, ci_hugo, 0.5, "Hugo"))
        out.append(_ratio_target(f"N={n:,} rebuild, one session changed ≤ 0.5× Hugo's clean build", one, h, 0.5, "Hugo"))
        out.append(_ratio_target(f"N={n:,} rebuild, nothing changed ≤ 0.1× Hugo's clean build", none, h, 0.1, "Hugo"))
    biggest = max(sizes)
    page = next((r for r in rows if r.size == biggest and r.label == "kaffee-site serve: save → page rewritten"), None)
    every = next((r for r in rows if r.size == biggest
                  and r.label == "kaffee-site serve: save → every dependent page written"), None)
    out.append(_ms_target(f"serve at N={biggest:,}: saved page served changed within 200 ms (median of 5 saves)",
                          page, 200))
    out.append(_ms_target(f"serve at N={biggest:,}: every dependent page written within 1 s", every, 1000))
    clean = [r for r in rows if r.size == 10000 and r.label in ("kaffee-site clean", "kaffee-site one process clean")
             and r.sample.ok]
    if clean:
        worst = max(clean, key=lambda r: r.sample.peak_mib)
        mib = worst.sample.peak_mib
        out.append("- peak memory of a clean build at N=10,000 under 400 MiB: "
                   + (f"**met** ({mib:.0f} MiB, highest in '{worst.label}')" if mib < 400
                      else f"**missed** ({mib:.0f} MiB in '{worst.label}', over by {mib - 400:.0f} MiB)"))
    else:
        out.append("- peak memory of a clean build at N=10,000 under 400 MiB: not measured")
    for n in sizes:
        k, e = _wall(rows, n, "kaffee-site clean"), _wall(rows, n, "Eleventy clean")
        out.append(_ratio_target(f"N={n:,} clean build, search off, faster than Eleventy", k, e, 1.0, "Eleventy"))
    small, large = _wall(rows, 1000, "kaffee-site clean"), _wall(rows, 10000, "kaffee-site clean")
    if small and large:
        ratio = large / small
        out.append("- linear, 10,000 run ≤ 11× the 1,000 run: "
                   + (f"**met** ({ratio:.1f}×)" if ratio <= 11 else f"**missed** ({ratio:.1f}×)"))
    else:
        out.append("- linear, 10,000 run ≤ 11× the 1,000 run: not measured (needs both sizes)")
    return "\n".join(out)


def markdown(ctx: Context, table_text: str, verdicts: str, notes: Sequence[str]) -> str:
    m = ctx.machine
    lines = [
        "# Benchmark results (issues 10 and 21)",
        "",
        f"Measured on {ctx.date} by `make bench` (`bench/run.py`), {ctx.runs} alternating runs per build, "
        f"medians; corpus seed {ctx.seed}; this run took {ctx.minutes:.0f} min "
        "(rows merged from earlier runs are listed under Notes).",
        "",
        f"- Machine: {m['cpus']} CPUs ({m['cpu']}), {m['ram']} RAM, {m['os']}, Python {m['python']}",
        f"- Load average (1 min) at start {ctx.load[0][0]:.1f}, at end {ctx.load[1][0]:.1f} "
        "(other jobs on a shared machine make single figures noisy; the alternating runs keep ratios fair)",
        "- Versions: " + "; ".join(f"{k}: {v}" for k, v in ctx.versions.items()),
        "",
        "Wall and CPU in seconds; CPU includes child processes (Hugo's threads, kaffee-site's "
        "workers). Peak memory: the larger of the biggest process's `ru_maxrss` and the sum of PSS "
        "over the process tree sampled every 20 ms (forked workers' shared pages counted once). "
        "kaffee-site builds run Pagefind at their end: its time (printed by the build) is taken off "
        "the wall time and shown as its own row, its sampled CPU and memory are left out. "
        "`clean` = empty output folder and no cache (`kaffee-site build --no-cache`); "
        "`one process` = the same with `KAFFEE_SITE_JOBS=1`. `CI` = a fresh copy of the content (new "
        "files, new modification times) with the cache the last CI build saved restored and no output "
        "folder, one session's text changed, Pagefind's time included, run alternately with Hugo's "
        "clean build. kaffee-site writes more pages than "
        "the peers (people, organisations, list pages, feeds, calendars, data files).",
        "",
        table_text,
        "",
        "## Targets",
        "",
        verdicts,
        "",
    ]
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    return _with_analysis("\n".join(lines))


MARKER = "<!-- below: bench/ANALYSIS.md, copied in by bench/report.py -->"


def _with_analysis(measured: str) -> str:
    analysis = HERE / "ANALYSIS.md"
    if not analysis.is_file():
        return measured
    return f"{measured.rstrip()}\n\n{MARKER}\n\n{analysis.read_text(encoding='utf-8').rstrip()}\n"


def refresh(results: Path) -> None:
    """Copy the current ANALYSIS.md into RESULTS.md under the measured part, which stays as it is."""
    text = results.read_text(encoding="utf-8")
    measured = text.split(MARKER)[0] if MARKER in text else text.split("## What the profile shows")[0]
    results.write_text(_with_analysis(measured), encoding="utf-8")


if __name__ == "__main__":  # python bench/report.py: after editing ANALYSIS.md, without measuring again
    refresh(HERE / "RESULTS.md")
