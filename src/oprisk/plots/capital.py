"""Capital figures: how a standardised-approach figure is built, and a Basel II charge by year.

``CapitalRun.plot()`` (``db.capital.*``) draws these; they take the run, so the title carries the
approach, the year, the profile and the knowledge cut-off.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from ._base import cutoff_text, figure, money_scale
from ._base import title as joined


def capital_plot(run: Any) -> Any:
    """The run's figure: for the SA the path BIC → ILM adjustment → ORC (with BI and LC beside
    it); for the BIA / TSA / ASA the charge of each year of the window and their average."""
    if run.approach == "sa":
        return _sa(run)
    return _by_year(run)


def _heading(run: Any) -> str:
    entity = f", {run.legal_entity}" if run.legal_entity else ""
    return joined(
        f"{run.approach.upper()} {run.year}{entity} ({run.profile.name})",
        cutoff_text(cutoff_time=run.cutoff_time, cutoff_position=run.cutoff_position),
    )


def _sa(run: Any) -> Any:
    r = run.result
    scale = float(r.bi_unit)
    values = {
        "BI": float(r.bi) * scale,
        "LC": float(r.lc) * scale if r.lc is not None else np.nan,
        "BIC": float(getattr(r.bic, "bic", r.bic)) * scale,
        "ORC": float(r.orc) * scale,
    }
    # the scale of the capital figures (BI is larger; it is read in the same unit)
    divisor, unit = money_scale([values["BIC"], values["ORC"]], run.currency)
    fig = figure(2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [2, 3]})
    left, right = fig.axes
    names = ["BI", "LC"]
    left.bar(names, [values[n] / divisor for n in names], color=["#7f7f7f", "#bcbd22"])
    left.set_ylabel(unit)
    left.set_title("Inputs: Business Indicator and loss component", fontsize=10)
    bic, orc = values["BIC"] / divisor, values["ORC"] / divisor
    step = orc - bic
    right.bar(["BIC"], [bic], color="tab:blue")
    right.bar(
        [f"ILM {Decimal(r.ilm):.4f}"],
        [step],
        bottom=[bic],
        color="tab:red" if step > 0 else "tab:green",
    )
    right.bar(["ORC"], [orc], color="tab:purple")
    for x, v in enumerate((bic, step, orc)):
        right.annotate(f"{v:+,.2f}" if x == 1 else f"{v:,.2f}", (x, max(bic, orc) * 1.01),
                       ha="center", fontsize=8)  # fmt: skip
    right.set_ylabel(unit)
    right.set_title("Capital: BIC × ILM = ORC", fontsize=10)
    fig.suptitle(_heading(run), fontsize=10)
    return fig


def _by_year(run: Any) -> Any:
    """Basel II: each year's charge (TSA/ASA: after the yearly floor; BIA: α × gross income of
    the years with positive income) and the capital, their average."""
    r = run.result
    if hasattr(r, "year_charges"):
        years = [(str(y.year), float(y.charge)) for y in r.year_charges]
        what = "charge of the year (floored at zero)"
    else:
        alpha = float(r.alpha)
        years = [(str(y.year), alpha * float(y.gross_income)) for y in r.years if y.included]
        what = "α × gross income (positive years)"
    capital = float(r.capital)
    divisor, unit = money_scale([capital, *(v for _, v in years)], run.currency)
    fig = figure(figsize=(7.5, 4.2))
    ax = fig.axes[0]
    ax.bar([y for y, _ in years], [v / divisor for _, v in years], color="#7f7f7f", label=what)
    ax.axhline(capital / divisor, color="tab:purple", lw=2,
               label=f"capital (the average) {capital / divisor:,.2f}")  # fmt: skip
    ax.set_ylabel(unit)
    ax.set_xlabel("year")
    ax.legend(frameon=False, loc="lower right")
    ax.set_title(_heading(run), fontsize=10)
    return fig
