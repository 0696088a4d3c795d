"""The Markdown report of ``benchmarks/scale.py``: a table per size and database, the target
ratios, and the growth factors between the smallest and the largest size measured."""

from __future__ import annotations

from typing import Any

#: (what, numerator, denominator, target): the ratios the report checks
TARGETS = [
    ("capital sa / losses() full", "capital sa --year 2025", "losses() full", 2.0),
    ("export all / export c17.01", "export all", "export c17.01", 1.5),
    ("losses() BL3 in 2025 / losses() full", "losses() BL3 in 2025", "losses() full", 0.2),
    ("losses() full / raw read (cursor)", "losses() full", "raw read (cursor)", None),
]


def _fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _secs(run: dict[str, Any], name: str) -> float | None:
    op = run["ops"].get(name) or {}
    return op.get("seconds")


def report(runs: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = ["# Scale benchmark (`benchmarks/scale.py`)", "",
             f"Machine: {meta['machine']}; load average at the start {meta['load']}; "
             f"commit {meta['commit']}; {meta['date']}.", "",
             "Times are medians of the runs shown (one run when a run takes longer than "
             f"{meta['cheap']:.0f} s); peak RSS is the child process's `VmHWM` (it includes "
             "the interpreter and oprisk's imports, ~the `before` column). The machine is "
             "shared: compare the ratios, which are measured in the same run.", ""]  # fmt: skip
    for run in sorted(runs, key=lambda r: (r["facts_asked"], r["database"])):
        reused = " (a database built earlier from the same register; loads not timed here)"
        lines += [f"## {run['database']}, {run['facts'] or run['facts_asked']:,} facts "
                  f"({run['rows']:,} register rows){reused if run.get('reused') else ''}"
                  + (f", code at {run['commit']}" if run.get("commit") else ""), "",
                  "| operation | seconds | runs | peak RSS MB | RSS before MB | notes |",
                  "|---|---:|---:|---:|---:|---|"]  # fmt: skip
        for name, op in run["ops"].items():
            notes = op.get("error") or ", ".join(
                f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                for k, v in op.items()
                if k not in ("seconds", "runs", "peak_mb", "before_mb")
            )
            lines.append(f"| {name} | {_fmt(op.get('seconds'))} | {op.get('runs', '')} | "
                         f"{_fmt(op.get('peak_mb'), 0)} | {_fmt(op.get('before_mb'), 0)} | {notes} |")  # fmt: skip
        lines += ["", "| ratio | value | target |", "|---|---:|---|"]
        for what, num, den, target in TARGETS:
            a, b = _secs(run, num), _secs(run, den)
            value = a / b if a and b else None
            ok = (
                "" if target is None or value is None else ("met" if value <= target else "NOT met")
            )
            lines.append(f"| {what} | {_fmt(value)} | {'≤ ' + str(target) + ' ' + ok if target else ''} |")  # fmt: skip
        full = run["ops"].get("losses() full") or {}
        if "frame_mb" in full:
            grown = full["peak_mb"] - full["before_mb"]
            lines.append(f"| losses() peak RSS growth / its frame ({grown:.0f} / {full['frame_mb']:.0f} MB) "
                         f"| {_fmt(grown / full['frame_mb'])} | ≤ 2 {'met' if grown <= 2 * full['frame_mb'] else 'NOT met'} |")  # fmt: skip
        cap = run["ops"].get("capital sa --year 2025") or {}
        if "peak_mb" in cap:
            lines.append(f"| capital sa peak RSS, MB | {cap['peak_mb']:.0f} | < 1024 {'met' if cap['peak_mb'] < 1024 else 'NOT met'} |")  # fmt: skip
        lines.append("")
    for kind in sorted({r["database"] for r in runs}):
        mine = sorted((r for r in runs if r["database"] == kind), key=lambda r: r["facts_asked"])
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        lines += [f"## Growth on {kind}: {small['facts_asked']:,} → {large['facts_asked']:,} facts "
                  f"(× {large['facts_asked'] / small['facts_asked']:.0f})", "",
                  "| operation | small s | large s | growth |", "|---|---:|---:|---:|"]  # fmt: skip
        for name in large["ops"]:
            a, b = _secs(small, name), _secs(large, name)
            lines.append(
                f"| {name} | {_fmt(a)} | {_fmt(b)} | {_fmt(b / a if a and b else None, 1)} |"
            )
        lines.append("")
    return "\n".join(lines)
