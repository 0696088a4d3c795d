"""The ICAAP run on the demo bank; prints Markdown (``benchmarks/RESULTS-icaap.md`` holds a run).

    .venv/bin/python benchmarks/icaap.py [--quick] [--db sqlite:///path/demo.db]

Builds the demo bank (``oprisk demo``: internal losses, 5 approved scenarios, 400 external
losses, 8 control assessments) unless ``--db`` names one, then times ``db.capital.icaap`` (four
stages, every business line × event type unit with internal losses or a scenario, Gaussian copula)
against a baseline of the same run: ``db.capital.lda`` on the same units of measure (bl-et, one
stage, the same Monte Carlo engine and copula), so the ratio says what the four stages and the
extra fits cost on top of one LDA. Medians of repeats; 10⁶ years once each (the full run), 10⁵
years three times, and 10⁵ years on two workers; 10⁶ years with ``engine="portfolio"`` (each
unit's lattice distribution where accurate) on two workers. Since the LDA portfolio path was merged
``db.capital.lda`` uses it, so the baseline is no longer the same engine as ``engine="mc"``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from oprisk.api import connect
from oprisk.demo.run import run_demo

QUICK = "--quick" in sys.argv
FULL = 100_000 if QUICK else 1_000_000
SMALL = 20_000 if QUICK else 100_000
REPEATS = 3


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    warnings.simplefilter("ignore")
    if "--db" in sys.argv:
        url = sys.argv[sys.argv.index("--db") + 1]
    else:
        out = Path(tempfile.mkdtemp()) / "demo"
        print("building the demo bank …", file=sys.stderr)
        run_demo(None, out, 2026, echo=lambda *_: None)
        url = f"sqlite:///{out / 'demo.db'}"
    db = connect(url)
    bank = float(db.capital.sa(2025, profile="basel").result.bi)
    kw = dict(year=2025, bank_size=bank, seed=2026)

    def icaap(n: int, workers: int = 1, engine: str = "mc") -> Any:
        return db.capital.icaap(sims=n, n_workers=workers, engine=engine, **kw)

    def lda(n: int) -> Any:
        return db.capital.lda(2025, uom="bl-et", n_simulations=n, random_state=2026, families=("lognormal",),
                              min_losses=10, copula="gaussian", correlation=0.2)  # fmt: skip

    rows = []
    for label, n, reps, workers, engine in (
        (f"{SMALL:,} years", SMALL, REPEATS, 1, "mc"),
        (f"{SMALL:,} years, 2 workers", SMALL, REPEATS, 2, "mc"),
        (f"{FULL:,} years, engine='portfolio', 2 workers", FULL, 1, 2, "portfolio"),
        (f"{FULL:,} years", FULL, 1, 1, "mc"),
    ):
        print(f"{label} …", file=sys.stderr)
        t_icaap, run = timed(lambda n=n, w=workers, e=engine: icaap(n, w, e), reps)
        t_lda, base = timed(lambda n=n: lda(n), reps) if workers == 1 else (float("nan"), None)
        rows.append((label, reps, t_icaap, t_lda, run, base))

    print("# ICAAP run on the demo bank (`benchmarks/icaap.py`)\n")
    print(f"Database: {db}; bank size (BI) EUR {bank:,.0f}; "
          f"{len(rows[-1][4].models)} units with internal losses or a scenario; 4 stages.\n")  # fmt: skip
    print("| run | repeats | `db.capital.icaap` s | `db.capital.lda` (bl-et, 1 stage) s | ratio |")
    print("|---|---|---|---|---|")
    for label, reps, ti, tl, _, _ in rows:
        ratio = f"{ti / tl:.2f}" if tl == tl else "–"
        lda_s = f"{tl:.1f}" if tl == tl else "–"
        print(f"| {label} | {reps} | {ti:.1f} | {lda_s} | {ratio} |")
    full = rows[-1][4]
    print(f"\nAttribution at {FULL:,} years (EUR m):\n")
    t = full.summary()
    print("| stage | VaR 99.9 % | change | ES 99.9 % |")
    print("|---|---|---|---|")
    for r in t.itertuples():
        print(
            f"| {r.label} | {r.var / 1e6:,.1f} | {r.var_change / 1e6:+,.1f} | {r.es / 1e6:,.1f} |"
        )
    base = rows[-1][5]
    print(f"\nLDA baseline portfolio VaR 99.9 % at {FULL:,} years: EUR {base.portfolio_var / 1e6:,.1f}m "
          f"({len(base.units)} units with ≥ 10 losses).")  # fmt: skip


if __name__ == "__main__":
    main()
