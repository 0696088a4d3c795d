"""LDA at bank scale: the portfolio path (each unit once, FFT where accurate, all cores) against
the pure Monte Carlo path, the speed-up of two workers over one, the bootstrap's cost per refit,
and optionally ``oprisk capital lda`` on a built database. Prints Markdown
(``benchmarks/RESULTS-lda.md`` holds a run).

    PYTHONPATH=src .venv/bin/python benchmarks/lda_scale.py [--quick] [--old-years N]
        [--bank-db URL --year Y [--old-src OTHER/src --old-sims N]]

``--old-years N`` runs the comparison of section 1 at N years (the pure Monte Carlo path takes
minutes at 10⁶ years on a loaded machine) and the portfolio path at 10⁶ years as well.

1. A bank-like model: 56 units (8 business lines × 7 event types), Poisson λ from 1 to 8,600 a
   year (Σλ = 25,000, the 1M-fact bank of ``event_store.py`` over a ten-year window), lognormal
   severities, Gaussian copula (0.05 + 0.15·[same BL] + 0.10·[same ET]), 10⁶ years: the
   portfolio path (:func:`oprisk.capital.lda.portfolio.aggregate_portfolio`, 2 processes) against
   ``aggregate_units`` (pure Monte Carlo, 2 threads) in the same run, as a ratio; the figures of
   both with their standard errors.
2. The portfolio path on 1 and on 2 workers, interleaved (median of the repeats), with the load
   average at the start and end: the speed-up means something only on a quiet machine.
3. The parameter bootstrap: seconds per refit (one replicate on one core: 7 units' resampling,
   refits and a 10⁵-year portfolio).
4. With ``--bank-db``: ``oprisk capital lda --sims 1000000`` on that database (wall time, one run);
   with ``--old-src``, the command of another checkout against this one at ``--old-sims`` years.
   The 1M-fact bank: ``event_store.dataset(250_000)`` appended with ``event_store.run_oprisk``.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from oprisk.capital.lda import aggregate_units, poisson
from oprisk.capital.lda.bootstrap import UnitData, bootstrap_portfolio
from oprisk.capital.lda.portfolio import aggregate_portfolio

QUICK = "--quick" in sys.argv
N_YEARS = 100_000 if QUICK else 1_000_000
REPEATS = 1 if QUICK else 3
A = 0.999
TOTAL_LAMBDA, TOP_LAMBDA = 25_000.0, 8_600.0


def arg(name: str) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


def bank() -> tuple[dict[str, Any], np.ndarray]:
    """56 units, λ geometric from 1 to 8,600 with Σλ = 25,000; seeded lognormal severities."""
    rng = np.random.default_rng(2026)
    t = np.linspace(0.0, 1.0, 56)
    lo, hi = 1.0, 10.0  # λ_k = 8,600^(t_k^p): 1 … 8,600; bisect p for Σλ = 25,000
    for _ in range(100):
        p = (lo + hi) / 2
        lo, hi = (p, hi) if (TOP_LAMBDA ** (t**p)).sum() > TOTAL_LAMBDA else (lo, p)
    lam = TOP_LAMBDA ** (t**p)
    order = rng.permutation(56)
    units, bl, et = {}, [], []
    for k in range(56):
        b, e = divmod(int(order[k]), 7)
        sigma, mu = float(rng.uniform(1.2, 2.4)), float(rng.uniform(8.5, 10.5))
        units[f"BL{b + 1}/ET{e + 1}"] = (
            poisson(float(lam[k])),
            stats.lognorm(s=sigma, scale=math.exp(mu)),
        )
        bl.append(b)
        et.append(e)
    b_, e_ = np.array(bl), np.array(et)
    corr = 0.05 + 0.15 * (b_[:, None] == b_[None, :]) + 0.10 * (e_[:, None] == e_[None, :])
    np.fill_diagonal(corr, 1.0)
    return units, corr


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def section_paths(units: dict[str, Any], corr: np.ndarray, n_old: int) -> list[str]:
    kw = dict(
        copula="gaussian",
        correlation=corr,
        confidence_levels=(A,),
        n_simulations=n_old,
        random_state=7,
    )
    lams = [f.mean for f, _ in units.values()]
    print("old path …", file=sys.stderr)
    t_old, old = timed(lambda: aggregate_units(units, n_workers=2, **kw))
    new_times, new = [], None
    for _ in range(REPEATS):
        t, new = timed(lambda: aggregate_portfolio(units, n_workers=2, **kw))
        new_times.append(t)
    assert new is not None
    t_new = statistics.median(new_times)
    at_full = []
    if n_old != N_YEARS:
        kw["n_simulations"] = N_YEARS
        t_full, full = timed(lambda: aggregate_portfolio(units, n_workers=2, **kw))
        at_full = [
            f"- The portfolio path at {N_YEARS:,} years: **{t_full:.1f} s** (VaR 99.9 % "
            f"{full.var[A] / 1e6:.2f} €m, SE {full.var_se[A] / 1e6:.2f}). The pure Monte Carlo path "
            f"was run at {n_old:,} years only (its cost is linear in the years: "
            f"{n_old * sum(lams) / 1e9:.1f}·10⁹ severity draws here); at {N_YEARS:,} years it "
            f"would take ≈ {t_old * N_YEARS / n_old:.0f} s at this load (extrapolated, not measured), "
            f"≈ {t_old * N_YEARS / n_old / t_full:.0f}× the portfolio path.",
        ]
    z = (new.var[A] - old.var[A]) / math.hypot(new.var_se[A], old.var_se[A])
    z_es = (new.es[A] - old.es[A]) / math.hypot(new.es_se[A], old.es_se[A])
    methods = list(new.methods.values())
    return [
        f"### Bank-like model: 56 units, λ {min(lams):.0f}–{max(lams):,.0f} (Σλ = {sum(lams):,.0f}), "
        f"Gaussian copula, {n_old:,} years",
        "",
        f"Load average at the start: {load()} (2 cores).",
        "",
        "| path | wall (s) | VaR 99.9 % (€m) | SE | ES 99.9 % (€m) | SE | expected loss (€m) |",
        "|---|---|---|---|---|---|---|",
        f"| pure Monte Carlo (`aggregate_units`, 2 threads, 1 run) | {t_old:.1f} | {old.var[A] / 1e6:.2f} | "
        f"{old.var_se[A] / 1e6:.2f} | {old.es[A] / 1e6:.2f} | {old.es_se[A] / 1e6:.2f} | {old.expected_loss / 1e6:.2f} |",
        f"| portfolio path (`aggregate_portfolio`, 2 processes, median of {REPEATS}) | {t_new:.1f} | "
        f"{new.var[A] / 1e6:.2f} | {new.var_se[A] / 1e6:.2f} | {new.es[A] / 1e6:.2f} | "
        f"{new.es_se[A] / 1e6:.2f} | {new.expected_loss / 1e6:.2f} |",
        "",
        f"- **Ratio: the portfolio path is {t_old / t_new:.1f}× faster** than one pure Monte Carlo "
        f"pass (the `capital lda` command before this change made two passes per unit: "
        f"standalone, then the copula, so ≈ {2 * t_old / t_new:.0f}× against the command).",
        f"- Difference of the figures in standard errors: VaR {z:+.2f}, ES {z_es:+.2f}; Σ of the "
        f"lattice units' stated grid errors on VaR: {new.details['grid_error_sum'][A]:,.0f} € "
        f"({new.details['grid_error_sum'][A] / new.var[A]:.1e} of VaR).",
        f"- Units by FFT: {methods.count('fft')}, by Monte Carlo: {methods.count('mc')}; "
        f"expected loss closed form Σλ·E[X] = "
        f"{sum(f.mean * s.mean() for f, s in units.values()) / 1e6:.2f} €m.",
        *at_full,
        "",
    ]


def section_speedup(units: dict[str, Any], corr: np.ndarray) -> list[str]:
    kw = dict(
        copula="gaussian",
        correlation=corr,
        confidence_levels=(A,),
        n_simulations=N_YEARS,
        random_state=7,
    )
    start = load()
    times: dict[int, list[float]] = {1: [], 2: []}
    samples: dict[int, np.ndarray] = {}
    for _ in range(REPEATS):
        for w in (1, 2):
            print(f"{w} worker(s) …", file=sys.stderr)
            t, res = timed(lambda w=w: aggregate_portfolio(units, n_workers=w, **kw))
            times[w].append(t)
            samples[w] = res.sample
    t1, t2 = statistics.median(times[1]), statistics.median(times[2])
    return [
        f"### Two workers against one (portfolio path, same model, median of {REPEATS}, interleaved)",
        "",
        "| workers | wall (s) | runs (s) |",
        "|---|---|---|",
        f"| 1 | {t1:.1f} | {', '.join(f'{t:.1f}' for t in times[1])} |",
        f"| 2 | {t2:.1f} | {', '.join(f'{t:.1f}' for t in times[2])} |",
        "",
        f"Speed-up {t1 / t2:.2f}× (target ≥ 1.7× on a quiet machine); load average at the start "
        f"{start}, at the end {load()}. 1 and 2 workers bit-identical: "
        f"{np.array_equal(samples[1], samples[2])}.",
        "",
    ]


def section_bootstrap() -> list[str]:
    rng = np.random.default_rng(5)
    data = {}
    for k, (lam, mu, sigma) in enumerate(
        [
            (8600, 9.0, 1.6),
            (4000, 9.5, 1.8),
            (2000, 10.0, 2.0),
            (600, 10.5, 2.0),
            (200, 10.0, 2.2),
            (60, 11.0, 2.0),
            (15, 11.5, 1.8),
        ]
    ):
        x = np.exp(rng.normal(mu, sigma, int(lam * 10 * 3)))
        x = x[x >= 20_000][: int(lam * 10 * 0.5)]
        data[f"ET{k + 1}"] = UnitData(x, "lognormal", 10.0, 20_000.0)
    n_rep = 4 if QUICK else 8
    corr = np.full((7, 7), 0.2) + 0.8 * np.eye(7)
    t, res = timed(
        lambda: bootstrap_portfolio(
            data,
            n_replicates=n_rep,
            correlation=corr,
            n_simulations=100_000,
            random_state=3,
        )
    )
    sizes = ", ".join(f"{d.losses.size:,}" for d in data.values())
    return [
        "### Parameter bootstrap (7 units, Gaussian copula, 10⁵ years per refit, 2 processes)",
        "",
        f"Losses per unit: {sizes}. {n_rep} refits in {t:.1f} s wall; **{res.seconds_per_refit:.2f} s "
        f"per refit** (median time of one replicate on one core: resampling, 7 lognormal refits, "
        f"the portfolio); 95 % interval of VaR 99.9 %: {res.lower / 1e6:.1f} – {res.upper / 1e6:.1f} €m "
        f"(Monte Carlo SE per refit {res.mc_se / 1e6:.2f} €m).",
        "",
    ]


def _cli(url: str, year: str, sims: int, src: str | None = None) -> tuple[float, Any]:
    """One ``oprisk capital lda`` run; ``src``: another checkout's ``src`` on PYTHONPATH."""
    code = "import sys; from oprisk.cli import main; sys.argv[0] = 'oprisk'; main()"
    cmd = [sys.executable, "-c", code, "--db", url, "capital", "lda", "--year", year]
    env = dict(os.environ, PYTHONPATH=src) if src else None
    return timed(
        lambda: subprocess.run(
            [*cmd, "--sims", str(sims)], capture_output=True, text=True, check=False, env=env
        )
    )


def section_cli(url: str, year: str, old_src: str | None) -> list[str]:
    start = load()
    t, out = _cli(url, year, 1_000_000)
    tail = [ln for ln in out.stdout.splitlines() if ln.startswith(("LDA", "portfolio"))]
    lines = [
        "### `oprisk capital lda` on the 1M-fact bank",
        "",
        f"`oprisk --db … capital lda --year {year} --sims 1000000`: **{t:.1f} s** wall (exit "
        f"{out.returncode}; load average {start} at the start, {load()} at the end).",
        "",
        "```",
        *tail,
        "```",
        "",
    ]
    if old_src:
        sims = int(arg("--old-sims") or 100_000)
        print("old command …", file=sys.stderr)
        t_old, o_old = _cli(url, year, sims, old_src)
        t_new, o_new = _cli(url, year, sims)
        pick = [ln for ln in o_old.stdout.splitlines() if ln.startswith("portfolio")]
        lines += [
            f"Same database, `--sims {sims}`, the command before this change (`{old_src}` on "
            f"PYTHONPATH; exit {o_old.returncode}) against this one, one run each: "
            f"**{t_old:.1f} s → {t_new:.1f} s ({t_old / t_new:.1f}×)**; load average {load()}.",
            "",
            "```",
            *(f"before: {ln}" for ln in pick),
            *(f"now:    {ln}" for ln in o_new.stdout.splitlines() if ln.startswith("portfolio")),
            "```",
            "",
        ]
    return lines


def main() -> None:
    units, corr = bank()
    out = ["## LDA at bank scale (benchmarks/lda_scale.py)", ""]
    out += section_paths(units, corr, int(arg("--old-years") or N_YEARS))
    out += section_speedup(units, corr)
    out += section_bootstrap()
    url = arg("--bank-db")
    if url:
        out += section_cli(url, arg("--year") or "2024", arg("--old-src"))
    print("\n".join(out))


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv):
        print(__doc__)  # the options are read by hand (arg); --help must not start a run
    else:
        main()
