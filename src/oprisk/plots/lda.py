"""LDA figures: severity fit diagnostics and the annual aggregate loss distribution.

Each takes the objects of :mod:`oprisk.capital.lda` (a ``SeverityFit`` or any distribution with
``ppf``/``cdf``/``sf``, an ``AggregateResult``) and returns a Figure. ``uom`` names the unit of
measure (e.g. ``"ET7"``) and ``currency`` the money the amounts are in; both go into every title
and axis, and heavy-tailed axes are logarithmic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from oprisk.capital.lda import SeverityFit, mean_excess

from ._base import figure, money_scale
from ._base import title as joined

_UOM = {"et": "event type", "bl": "business line", "bl-et": "business line × event type"}


def _plain_log_ticks(axis: Any) -> None:
    """Major ticks of a log axis as plain numbers (1,000,000), no crowded minor labels."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axis.set_minor_formatter(NullFormatter())


def _sample(fit: Any, losses: Any) -> tuple[np.ndarray, Any]:
    x = np.asarray(losses, dtype=float).reshape(-1)
    model = fit.truncated() if isinstance(fit, SeverityFit) else fit
    lo = getattr(fit, "threshold", 0.0)
    hi = getattr(fit, "upper", np.inf)
    x = np.sort(x[np.isfinite(x) & (x >= lo) & (x < hi)])
    return x, model


def _name(fit: Any) -> str:
    return str(getattr(fit, "family", "model"))


def _where(uom: str | None, fit: Any = None) -> str:
    h = getattr(fit, "threshold", None) if fit is not None else None
    parts = [f"unit of measure {uom}" if uom else "", f"losses ≥ {h:,.0f}" if h else ""]
    return ", ".join(p for p in parts if p)


def qq_plot(fit: Any, losses: Any, *, currency: str = "EUR", uom: str | None = None) -> Any:
    """Empirical against fitted (truncated) quantiles on log-log axes, with the 45° line: points
    above the line in the upper right mean the model underestimates the tail."""
    x, model = _sample(fit, losses)
    p = (np.arange(1, x.size + 1) - 0.5) / x.size
    q = np.asarray(model.ppf(p), dtype=float)
    fig = figure(figsize=(6, 4.8))
    ax = fig.axes[0]
    ax.loglog(q, x, ".", ms=3)
    lim = [min(q.min(), x.min()), max(q.max(), x.max())]
    ax.plot(lim, lim, "k--", lw=1)
    ax.set_xlabel(f"fitted quantile ({currency})")
    ax.set_ylabel(f"empirical quantile ({currency})")
    ax.set_title(joined(f"QQ plot: {_name(fit)}", _where(uom, fit)), fontsize=10)
    return fig


def pp_plot(fit: Any, losses: Any, *, uom: str | None = None) -> Any:
    """Empirical against fitted (truncated) probabilities."""
    x, model = _sample(fit, losses)
    p = (np.arange(1, x.size + 1) - 0.5) / x.size
    fig = figure(figsize=(6, 4.8))
    ax = fig.axes[0]
    ax.plot(np.asarray(model.cdf(x), dtype=float), p, ".", ms=3)
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.set_xlabel("fitted probability F_H(x)")
    ax.set_ylabel("empirical probability")
    ax.set_title(joined(f"PP plot: {_name(fit)}", _where(uom, fit)), fontsize=10)
    return fig


def fit_plot(fit: Any, losses: Any, *, currency: str = "EUR", uom: str | None = None) -> Any:
    """Empirical and fitted survival functions above the threshold (log-log)."""
    x, model = _sample(fit, losses)
    emp = 1 - (np.arange(1, x.size + 1) - 0.5) / x.size
    grid = np.geomspace(x.min(), x.max(), 200)
    fig = figure(figsize=(6.5, 4.8))
    ax = fig.axes[0]
    ax.loglog(x, emp, ".", ms=3, label="empirical")
    ax.loglog(grid, np.asarray(model.sf(grid), dtype=float), "-", label=f"fitted {_name(fit)}")
    ax.set_xlabel(f"loss ({currency})")
    ax.set_ylabel("P(X > x | X ≥ threshold)")
    ax.set_title(joined("Survival above the threshold (log-log)", _where(uom, fit)), fontsize=10)
    ax.legend(frameon=False)
    return fig


def mean_excess_plot(
    losses: Any, *, currency: str = "EUR", uom: str | None = None, min_exceed: int = 10
) -> Any:
    """Mean excess e(u) with ±2 SE bands; rising and linear above a GPD tail threshold."""
    df = mean_excess(losses, min_exceed=min_exceed)
    divisor, label = money_scale(df["mean_excess"].to_numpy(), currency)
    fig = figure(figsize=(6.5, 4.8))
    ax = fig.axes[0]
    me, se = df["mean_excess"] / divisor, df["se"] / divisor
    ax.plot(df["threshold"], me, "o-", ms=3)
    ax.fill_between(df["threshold"], me - 2 * se, me + 2 * se, alpha=0.2)
    ax.set_xscale("log")
    _plain_log_ticks(ax.xaxis)
    ax.set_xlabel(f"threshold u ({currency})")
    ax.set_ylabel(f"mean excess E[X − u | X > u] ({label})")
    ax.set_title(joined("Mean excess with ±2 SE", _where(uom)), fontsize=10)
    return fig


def aggregate_plot(result: Any, *, currency: str = "EUR", uom: str | None = None) -> Any:
    """Exceedance probability of the annual aggregate loss with VaR markers (log-log)."""
    fig = figure(figsize=(6.5, 4.8))
    ax = fig.axes[0]
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
    ax.set_xlabel(f"annual loss ({currency})")
    ax.set_ylabel("P(S > s)")
    ax.set_title(joined("Annual aggregate loss: exceedance probability", _where(uom)), fontsize=10)
    ax.legend(frameon=False)
    return fig


def units_plot(run: Any) -> Any:
    """An LDA run (``db.capital.lda``): each unit's stand-alone VaR and expected loss, and the
    portfolio VaR under the run's dependence model."""
    units = sorted(run.units, key=lambda u: u.var, reverse=True)
    divisor, label = money_scale([run.sum_standalone_var, *(u.var for u in units)], run.currency)
    fig = figure(figsize=(8, 0.45 * len(units) + 2.2))
    ax = fig.axes[0]
    y = np.arange(len(units))
    ax.barh(y, [u.var / divisor for u in units], color="#7f7f7f", label="stand-alone VaR")
    ax.barh(y, [u.expected_loss / divisor for u in units], color="tab:blue", label="expected loss")
    ax.set_yticks(y, [f"{u.unit} ({u.family})" for u in units], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(run.portfolio_var / divisor, color="tab:purple", lw=2,
               label=f"portfolio VaR ({run.copula}) {run.portfolio_var / divisor:,.1f}")  # fmt: skip
    ax.set_xlabel(f"VaR {run.confidence_level:.1%} ({label})")
    ax.legend(frameon=False, fontsize=8)
    when = getattr(run, "cutoff_time", None)
    ax.set_title(
        joined(
            f"LDA {run.year}: units of measure by {_UOM.get(run.uom, run.uom)}",
            f"as known at {when:%Y-%m-%d %H:%M} UTC" if when else "",
        ),
        fontsize=10,
    )
    return fig
