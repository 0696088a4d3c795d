"""Reference VaR, ES and mean of compound loss models, computed without oprisk's code.

    .venv/bin/python tests/data/lda/make_references.py            # grids and 10⁷-year Monte Carlo
    .venv/bin/python tests/data/lda/make_references.py --no-mc    # grids only (keeps stored MC)

Writes ``references.json`` next to this file. Three independent computations per model (see
README.md for what each is trusted for):

1. **Closed-form mean** E[S] = E[N]·E[X].
2. **Bracketing grids** (stochastic bounds): the severity rounded *down* to a lattice of step h
   (X_lo = h⌊X/h⌋ ≤ X) and *up* (X_up = h⌈X/h⌉ ≥ X). Their compound sums bound S in the usual
   stochastic order, so VaR_α(S_lo) ≤ VaR_α(S) ≤ VaR_α(S_up) and the same for ES. The lattice
   probabilities below the grid end L come from a zero-padded FFT without any tilt (length 2·m,
   severity mass ≥ L removed: a wrapped sum needs two losses near L, see README); ES uses
   ES_α = (E[S_·] − ∫_0^α VaR_u du)/(1 − α) with E[S_·] = E[N]·E[X_·] from the closed-form partial
   moments of the severity beyond L.
3. **Monte Carlo**, 10⁷ seeded years with plain numpy draws (inverse transforms for GPD and Burr).

Nothing here imports oprisk.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
from scipy import special, stats

HERE = Path(__file__).resolve().parent
OUT = HERE / "references.json"
LEVELS = (0.99, 0.999)
GRID_POINTS = 1 << 23  # lattice points below the grid end; the FFT has twice as many (padding)
SPAN = 4.3  # grid end / VaR_99.9 %
MC_YEARS = 10_000_000
MC_SEED = 20260501
MC_DRAWS = 1 << 22  # severity draws per Monte Carlo chunk (memory bound)

# --- the models -------------------------------------------------------------------------------

MODELS: dict[str, dict] = {
    "poisson5_lognormal_10_2": {"freq": ["poisson", 5.0], "sev": ["lognormal", 10.0, 2.0]},
    "poisson25_lognormal_10_2": {"freq": ["poisson", 25.0], "sev": ["lognormal", 10.0, 2.0]},
    "poisson50_lognormal_10_2": {"freq": ["poisson", 50.0], "sev": ["lognormal", 10.0, 2.0]},
    "poisson500_lognormal_10_1.5": {"freq": ["poisson", 500.0], "sev": ["lognormal", 10.0, 1.5]},
    "negbin10_3_lognormal_10_2": {"freq": ["negbin", 10.0, 3.0], "sev": ["lognormal", 10.0, 2.0]},
    "negbin20_2_lognormal_9_1.5": {"freq": ["negbin", 20.0, 2.0], "sev": ["lognormal", 9.0, 1.5]},
    "poisson10_burr_1.2_1.5_40000": {
        "freq": ["poisson", 10.0],
        "sev": ["burr", 1.2, 1.5, 40_000.0],
    },
    "poisson10_gpd_0.3_100000": {"freq": ["poisson", 10.0], "sev": ["gpd", 0.3, 100_000.0]},
    "poisson10_gpd_0.7_100000": {"freq": ["poisson", 10.0], "sev": ["gpd", 0.7, 100_000.0]},
}


def severity(spec: list) -> tuple:
    """(scipy distribution, E[X; X > x] as a function, E[X²] finite?) of a severity spec."""
    kind = spec[0]
    if kind == "lognormal":
        mu, s = spec[1], spec[2]
        dist = stats.lognorm(s, scale=math.exp(mu))

        def partial(x: float) -> float:
            if x <= 0:
                return math.exp(mu + s * s / 2)
            return math.exp(mu + s * s / 2) * stats.norm.sf((math.log(x) - mu - s * s) / s)

        return dist, partial, True
    if kind == "gpd":
        xi, beta = spec[1], spec[2]
        dist = stats.genpareto(xi, scale=beta)

        def partial(x: float) -> float:
            # E[X; X > x] = S(x)·(x + e(x)) with the mean excess e(x) = (β + ξx)/(1 − ξ)
            return float(dist.sf(x)) * (x + (beta + xi * x) / (1 - xi))

        return dist, partial, xi < 0.5
    if kind == "burr":
        c, d, scale = spec[1], spec[2], spec[3]
        dist = stats.burr12(c, d, scale=scale)
        a, b = d - 1 / c, 1 + 1 / c

        def partial(x: float) -> float:
            # y = 1/(1 + (x/s)^c) maps (x, ∞) to (0, y_x): s·d·B(a, b)·I_{y_x}(a, b)
            y = 1.0 / (1.0 + (x / scale) ** c)
            return scale * d * special.beta(a, b) * special.betainc(a, b, y)

        return dist, partial, c * d > 2
    raise ValueError(kind)


def pgf(freq: list, z: np.ndarray) -> np.ndarray:
    if freq[0] == "poisson":
        return np.exp(freq[1] * (z - 1))
    lam, r = freq[1], freq[2]
    return (1 + lam / r * (1 - z)) ** (-r)


# --- bracketing grids ---------------------------------------------------------------------------


def _lattice_measures(g: np.ndarray, h: float, mean: float) -> dict:
    c = np.cumsum(g)
    xs = np.arange(g.size) * h
    cm = np.cumsum(xs * g)
    out = {}
    for a in LEVELS:
        k = int(np.searchsorted(c, a))
        if k >= g.size:
            raise RuntimeError("grid ends below VaR")
        var = k * h
        below = cm[k - 1] if k else 0.0
        integral = below + var * (a - (c[k - 1] if k else 0.0))  # ∫_0^α VaR_u du
        out[a] = (var, (mean - integral) / (1 - a))
    return out


def bracket(model: dict, span: float, m: int, padding: int = 2) -> dict:
    """VaR and ES bounds at every level from the lower and upper discretisations on [0, span)."""
    dist, partial, _ = severity(model["sev"])
    freq = model["freq"]
    lam = freq[1]
    h = span / m
    cdf = dist.cdf(np.arange(m + 1) * h)
    cell = np.diff(cdf)  # P(kh < X ≤ (k+1)h)
    lower = cell.copy()  # rounded down: mass of (kh, (k+1)h] at kh
    lower[0] += cdf[0]
    upper = np.empty(m)  # rounded up: mass of ((k−1)h, kh] at kh
    upper[0] = cdf[0]
    upper[1:] = cell[:-1]
    xs = np.arange(m) * h
    sf_end = float(dist.sf(m * h))
    # E[X_lo] ≥ its lattice part + E[X; X > mh] − h·S(mh); E[X_up] ≤ … + E[X; X > (m−1)h] + h·S
    mean_lower = lam * (float(np.dot(xs, lower)) + partial(m * h) - h * sf_end)
    mean_upper = lam * (
        float(np.dot(xs, upper)) + partial((m - 1) * h) + h * float(dist.sf((m - 1) * h))
    )
    res = {}
    for name, p, mean in (("lower", lower, mean_lower), ("upper", upper, mean_upper)):
        n = padding * m
        g = np.fft.irfft(pgf(freq, np.fft.rfft(p, n)), n)[:m]
        res[name] = _lattice_measures(g, h, mean)
    return {
        "step": h,
        "grid_end": span,
        "points": m,
        "fft_length": padding * m,
        "levels": {
            str(a): {
                "var_lower": res["lower"][a][0],
                "var_upper": res["upper"][a][0],
                "es_lower": float(res["lower"][a][1]),
                "es_upper": float(res["upper"][a][1]),
            }
            for a in LEVELS
        },
    }


def grid_reference(model: dict) -> dict:
    dist, partial, _ = severity(model["sev"])
    lam = model["freq"][1]
    # a rough, generous first span: 20× the single-loss quantile and 20× the mean
    span0 = 20 * max(float(dist.isf(1e-3 / lam)), lam * partial(0.0))
    rough = bracket(model, span0, 1 << 20)
    var_up = rough["levels"]["0.999"]["var_upper"]
    fine = bracket(model, SPAN * var_up, GRID_POINTS)
    # wrap-around check: the same fine grid with 4× instead of 2× zero padding, at 2^21 points
    two = bracket(model, SPAN * var_up, 1 << 21, padding=2)["levels"]["0.999"]
    four = bracket(model, SPAN * var_up, 1 << 21, padding=4)["levels"]["0.999"]
    fine["padding_check"] = {
        k: abs(four[k] - two[k]) / abs(two[k]) for k in ("var_lower", "es_lower")
    }
    return fine


# --- Monte Carlo ------------------------------------------------------------------------------


def draw_severity(spec: list, rng: np.random.Generator, n: int) -> np.ndarray:
    kind = spec[0]
    if kind == "lognormal":
        return rng.lognormal(spec[1], spec[2], n)
    u = 1.0 - rng.random(n)  # (0, 1]
    if kind == "gpd":
        xi, beta = spec[1], spec[2]
        return beta / xi * (u ** (-xi) - 1)
    c, d, scale = spec[1], spec[2], spec[3]
    return scale * (u ** (-1 / d) - 1) ** (1 / c)


def monte_carlo(model: dict, years: int, seed: int) -> dict:
    freq, spec = model["freq"], model["sev"]
    _, _, finite_variance = severity(spec)
    per = max(1000, MC_DRAWS // math.ceil(freq[1]))
    chunks = np.random.SeedSequence(seed).spawn(-(-years // per))
    s = np.empty(years)
    for i, child in enumerate(chunks):
        rng = np.random.default_rng(child)
        lo, hi = i * per, min(years, (i + 1) * per)
        if freq[0] == "poisson":
            n = rng.poisson(freq[1], hi - lo)
        else:
            r = freq[2]
            n = rng.negative_binomial(r, r / (r + freq[1]), hi - lo)
        x = draw_severity(spec, rng, int(n.sum()))
        year = np.repeat(np.arange(hi - lo), n)
        s[lo:hi] = np.bincount(year, weights=x, minlength=hi - lo)
    mean, sd = float(s.mean()), float(s.std(ddof=1))
    s.sort()
    out: dict = {
        "years": years,
        "seed": seed,
        "mean": mean,
        "mean_se": sd / math.sqrt(years) if finite_variance else None,
        "levels": {},
    }
    for a in LEVELS:
        k = min(math.floor(years * a), years - 1)
        band = math.sqrt(years * a * (1 - a))
        lo_i, hi_i = math.floor(years * a - band), math.ceil(years * a + band)
        tail = s[k:]
        es = float(tail.mean())
        es_se = math.sqrt((float(tail.var(ddof=1)) + a * (es - s[k]) ** 2) / (years * (1 - a)))
        out["levels"][str(a)] = {
            "var": float(np.quantile(s, a)),
            "var_se": float(s[hi_i] - s[lo_i]) / 2,
            "es": es,
            "es_se": es_se if finite_variance else None,
        }
    return out


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-mc", action="store_true", help="keep the stored Monte Carlo")
    parser.add_argument("--years", type=int, default=MC_YEARS)
    args = parser.parse_args()
    stored = json.loads(OUT.read_text())["models"] if OUT.exists() else {}
    out: dict = {}
    for name, model in MODELS.items():
        t0 = time.perf_counter()
        _, partial, finite_variance = severity(model["sev"])
        entry = {
            **model,
            "mean": model["freq"][1] * partial(0.0),
            "severity_variance_finite": finite_variance,
            "grid": grid_reference(model),
        }
        if args.no_mc:
            if name in stored and "mc" in stored[name]:
                entry["mc"] = stored[name]["mc"]
        else:
            entry["mc"] = monte_carlo(model, args.years, MC_SEED)
        out[name] = entry
        print(f"{name}: {time.perf_counter() - t0:.1f} s", flush=True)
    OUT.write_text(
        json.dumps({"generator": "tests/data/lda/make_references.py", "models": out}, indent=1)
        + "\n"
    )


if __name__ == "__main__":
    main()
