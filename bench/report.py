"""The benchmark's table and verdicts: plain text for the terminal, Markdown for bench/RESULTS.md.

Every target of issue 6 is judged from the measured rows: met, or missed by how much.
Hand-written findings (the profile, what was tried) live in bench/ANALYSIS.md and are
appended to RESULTS.md unchanged, so a re-run never loses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

HERE = Path(__file__).resolve().parent


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


def targets(rows: Sequence, sizes: Sequence[int]) -> str:
    out = []
    for n in sizes:
        k = _wall(rows, n, "kaffee-site clean")
        h = _wall(rows, n, "Hugo clean")
        e = _wall(rows, n, "Eleventy clean")
        p = _wall(rows, n, "Pelican clean")
        out.append(_ratio_target(f"N={n:,} clean build ≤ 1.5× Hugo", k, h, 1.5, "Hugo"))
        out.append(_ratio_target(f"N={n:,} clean build faster than Eleventy", k, e, 1.0, "Eleventy"))
        if k is None or p is None:
            out.append(f"- N={n:,} clean build ≥ 4× faster than Pelican: not measured")
        else:
            verdict = "**met**" if p / k >= 4 else f"**missed** (needs ≤ {p / 4:.2f} s, over by {k - p / 4:.2f} s)"
            out.append(f"- N={n:,} clean build ≥ 4× faster than Pelican: {verdict} (Pelican {p:.2f} s / "
                       f"kaffee-site {k:.2f} s = {p / k:.1f}×)")
        one = _wall(rows, n, "kaffee-site rebuild, one session changed")
        none = _wall(rows, n, "kaffee-site rebuild, nothing changed")
        out.append(_ratio_target(f"N={n:,} rebuild, one session changed ≤ 0.5× Hugo's clean build", one, h, 0.5, "Hugo"))
        out.append(_ratio_target(f"N={n:,} rebuild, nothing changed ≤ 0.35× Hugo's clean build", none, h, 0.35, "Hugo"))
    biggest = max(sizes)
    serve = next((r for r in rows if r.size == biggest and r.label.startswith("kaffee-site serve")), None)
    if serve is None:
        out.append(f"- serve at N={biggest:,}: saved session rewritten within 200 ms: not measured "
                   "(serve not available)")
    else:
        ms = serve.sample.wall * 1000
        out.append(f"- serve at N={biggest:,}: saved session rewritten within 200 ms: "
                   + (f"**met** ({ms:.0f} ms)" if ms <= 200 else f"**missed** ({ms:.0f} ms, over by {ms - 200:.0f} ms)"))
    kaffee_rows = [r for r in rows if r.size == 10000 and r.label.startswith("kaffee-site") and r.sample.ok
                   and "serve" not in r.label]
    if kaffee_rows:
        worst = max(kaffee_rows, key=lambda r: r.sample.peak_mib)
        mib = worst.sample.peak_mib
        single = next((r for r in kaffee_rows if r.label == "kaffee-site one process clean"), None)
        extra = f"; a clean build in one process peaks at {single.sample.peak_mib:.0f} MiB" if single else ""
        out.append("- peak memory at N=10,000 under 400 MiB: "
                   + (f"**met** ({mib:.0f} MiB, highest in '{worst.label}'{extra})" if mib < 400
                      else f"**missed** ({mib:.0f} MiB in '{worst.label}', over by {mib - 400:.0f} MiB{extra})"))
    else:
        out.append("- peak memory at N=10,000 under 400 MiB: not measured")
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
        "# Benchmark results (issue 6)",
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
        "`one process` = the same with `KAFFEE_SITE_JOBS=1`. kaffee-site writes more pages than "
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
