"""The ICAAP attribution as a waterfall: VaR from internal losses only, each data element's step,
the figure with all four (and the stressed figure beside it)."""

from __future__ import annotations

from typing import Any

from ._base import cutoff_text, figure, money_scale
from ._base import title as joined


def waterfall(result: Any, ax: Any = None, measure: str = "var") -> Any:
    """Bars: the first stage's figure, then each stage's change (up red, down green), and the last
    stage's figure; the stress stage, if run, as a separate bar after the total."""
    t = result.summary()
    stress = t[t.stage == "stress"]
    steps = t[t.stage != "stress"]
    values = steps[measure].tolist()
    labels = steps.label.tolist()
    scale, unit = money_scale([*values, *stress[measure].tolist()], result.currency)
    fig = None
    if ax is None:
        fig = figure(figsize=(8.0, 4.5))
        ax = fig.axes[0]
    else:
        fig = ax.figure
    level = 0.0
    for i, v in enumerate(values):
        step = v - level if i else v
        bottom = level if i else 0.0
        colour = "#4c72b0" if i == 0 else ("#c44e52" if step > 0 else "#55a868")
        lo, height = (bottom, step) if step >= 0 else (bottom + step, -step)
        ax.bar(i, height / scale, bottom=lo / scale, color=colour, edgecolor="black", linewidth=0.5)
        ax.annotate(
            f"{step / scale:+,.1f}" if i else f"{v / scale:,.1f}",
            (i, (lo + height) / scale), ha="center", va="bottom", fontsize=8,
        )  # fmt: skip
        level = v
    n = len(values)
    ax.bar(n, level / scale, color="#4c72b0", edgecolor="black", linewidth=0.5)
    ax.annotate(f"{level / scale:,.1f}", (n, level / scale), ha="center", va="bottom", fontsize=8)
    ticks = [*labels, "all elements"]
    if len(stress):
        sv = float(stress[measure].iloc[0])
        ax.bar(n + 1, sv / scale, color="#8172b2", edgecolor="black", linewidth=0.5, hatch="//")
        ax.annotate(f"{sv / scale:,.1f}", (n + 1, sv / scale), ha="center", va="bottom", fontsize=8)
        ticks.append(result.stress.label if getattr(result, "stress", None) else "stressed")
    ax.set_xticks(range(len(ticks)), ticks, rotation=20, ha="right", fontsize=8)
    what = "VaR" if measure == "var" else "ES" if measure == "es" else measure
    ax.set_ylabel(f"{what} {result.confidence:.1%} ({unit})")
    ax.set_title(
        joined(
            f"ICAAP {what} by data element{_window(result)}, {result.dependence}, "
            f"{result.n_simulations:,} years",
            cutoff_text(
                cutoff_time=getattr(result, "cutoff_time", None),
                cutoff_position=getattr(result, "cutoff_position", None),
            ),
        ),
        fontsize=9,
    )
    return fig


def _window(result: Any) -> str:
    """ ", losses 2016–2025" from the run's inputs (nothing for a result without them)."""
    window = (getattr(result, "inputs", None) or {}).get("window")
    return f", losses {window[0][:4]}–{window[1][:4]}" if window else ""
