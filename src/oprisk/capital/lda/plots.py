"""Diagnostic figures (matplotlib is imported only when a plot is drawn).

Every function returns a :class:`matplotlib.figure.Figure`; amounts are labelled with ``unit``
(e.g. ``"EUR"``) and heavy-tailed axes are logarithmic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import loss_array
from .severity import SeverityFit


def _figure() -> tuple[Any, Any]:
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        pass  # leave an interactive backend alone
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4.5), layout="constrained")
    return fig, fig.add_subplot()


def _sample(fit: Any, losses: Any) -> tuple[np.ndarray, Any]:
    x = loss_array(losses)
    model = fit.truncated() if isinstance(fit, SeverityFit) else fit
    lo = getattr(fit, "threshold", 0.0)
    hi = getattr(fit, "upper", np.inf)
    x = np.sort(x[(x >= lo) & (x < hi)])
    return x, model


def qq_plot(fit: Any, losses: Any, *, unit: str = "EUR") -> Any:
    """Empirical against fitted (truncated) quantiles on log-log axes, with the 45° line."""
    x, model = _sample(fit, losses)
    p = (np.arange(1, x.size + 1) - 0.5) / x.size
    q = np.asarray(model.ppf(p), dtype=float)
    fig, ax = _figure()
    ax.loglog(q, x, ".", ms=3)
    lim = [min(q.min(), x.min()), max(q.max(), x.max())]
    ax.plot(lim, lim, "k--", lw=1)
    ax.set_xlabel(f"fitted quantile ({unit})")
    ax.set_ylabel(f"empirical quantile ({unit})")
    ax.set_title(f"QQ plot — {getattr(fit, 'family', 'model')}")
    return fig


def pp_plot(fit: Any, losses: Any) -> Any:
    """Empirical against fitted (truncated) probabilities."""
    x, model = _sample(fit, losses)
    p = (np.arange(1, x.size + 1) - 0.5) / x.size
    fig, ax = _figure()
    ax.plot(np.asarray(model.cdf(x), dtype=float), p, ".", ms=3)
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.set_xlabel("fitted probability F_H(x)")
    ax.set_ylabel("empirical probability")
    ax.set_title(f"PP plot — {getattr(fit, 'family', 'model')}")
    return fig


def fit_plot(fit: Any, losses: Any, *, unit: str = "EUR") -> Any:
    """Empirical and fitted survival functions above the threshold (log-log)."""
    x, model = _sample(fit, losses)
    emp = 1 - (np.arange(1, x.size + 1) - 0.5) / x.size
    grid = np.geomspace(x.min(), x.max(), 200)
    fig, ax = _figure()
    ax.loglog(x, emp, ".", ms=3, label="empirical")
    ax.loglog(grid, np.asarray(model.sf(grid), dtype=float), "-", label="fitted")
    ax.set_xlabel(f"loss ({unit})")
    ax.set_ylabel("P(X > x | X ≥ threshold)")
    ax.set_title(f"Survival above the threshold — {getattr(fit, 'family', 'model')} (log-log)")
    ax.legend()
    return fig


def mean_excess_plot(losses: Any, *, unit: str = "EUR", min_exceed: int = 10) -> Any:
    """Mean excess e(u) with ±2 SE bands; linear with positive slope above a GPD threshold."""
    from .splice import mean_excess

    df = mean_excess(losses, min_exceed=min_exceed)
    fig, ax = _figure()
    ax.plot(df["threshold"], df["mean_excess"], "o-", ms=3)
    ax.fill_between(
        df["threshold"],
        df["mean_excess"] - 2 * df["se"],
        df["mean_excess"] + 2 * df["se"],
        alpha=0.2,
    )
    ax.set_xscale("log")
    ax.set_xlabel(f"threshold u ({unit})")
    ax.set_ylabel(f"mean excess E[X − u | X > u] ({unit})")
    ax.set_title("Mean excess with ±2 SE (rising and linear above a GPD tail threshold)")
    ax.ticklabel_format(axis="y", style="plain")
    ax.yaxis.set_major_formatter(_thousands())
    return fig


def aggregate_plot(result: Any, *, unit: str = "EUR") -> Any:
    """Survival function of the annual aggregate loss with VaR markers (log-log)."""
    fig, ax = _figure()
    if result.sample is not None:
        s = result.sample
        p = 1 - np.arange(1, s.size + 1) / (s.size + 1)
        step = max(1, s.size // 20000)
        ax.loglog(s[::step], p[::step], "-", label=f"{result.method}")
    elif result.pmf is not None:
        xs = np.arange(result.pmf.size) * result.grid_step
        ax.loglog(
            xs[1:], np.clip(1 - np.cumsum(result.pmf)[1:], 1e-12, None), "-", label=result.method
        )
    for a, v in result.var.items():
        ax.axvline(v, ls=":", color="grey")
        ax.annotate(f"VaR {a:.1%}", (v, 1 - a), fontsize=8)
    ax.set_xlabel(f"annual loss ({unit})")
    ax.set_ylabel("P(S > s)")
    ax.set_title("Annual aggregate loss: exceedance probability")
    ax.legend()
    return fig


def _thousands() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}")
