"""One-call plots for analysts (matplotlib, imported lazily). Each returns the Figure."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from oprisk.domain.taxonomy import BUSINESS_LINES, EVENT_TYPES

#: short event-type labels for axes (the full names are in the taxonomy)
SHORT_ET = {
    "ET1": "Internal fraud",
    "ET2": "External fraud",
    "ET3": "Employment &\nworkplace",
    "ET4": "Clients, products\n& practices",
    "ET5": "Physical\nassets",
    "ET6": "Disruption &\nsystems",
    "ET7": "Execution &\nprocess",
}


def _et_label(code: str, lang: str = "en") -> str:
    return f"{code}\n{SHORT_ET[code] if lang == 'en' else EVENT_TYPES[code].label(lang)}"


def _plt() -> Any:
    import matplotlib

    if matplotlib.get_backend().lower() not in (
        "module://matplotlib_inline.backend_inline",
        "inline",
    ):
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def loss_heatmap(
    losses: pd.DataFrame,
    value: str = "net_loss_reporting",
    *,
    lang: str = "en",
    title: str | None = None,
    currency: str | None = None,
) -> Any:
    """Business line × event type heatmap of summed losses (log colour scale, values in millions)."""
    from matplotlib.colors import LogNorm

    plt = _plt()
    present = set(losses.business_line_l1.astype(str))
    bls = [
        c.code for c in BUSINESS_LINES.level(1, basel_only=False) if c.basel or c.code in present
    ]
    ets = [c.code for c in EVENT_TYPES.level(1)]
    table = (
        losses.assign(bl=losses.business_line_l1.astype(str), et=losses.event_type_l1.astype(str))
        .pivot_table(
            index="bl", columns="et", values=value, aggfunc="sum", fill_value=0.0, observed=False
        )
        .reindex(index=bls, columns=ets, fill_value=0.0)
    ) / 1e6
    cur = currency or (
        str(losses.reporting_currency.iloc[0])
        if "reporting_currency" in losses and len(losses)
        else ""
    )
    fig, ax = plt.subplots(figsize=(11, 5.5), constrained_layout=True)
    data = table.to_numpy(float)
    positive = data[data > 0]
    norm = LogNorm(vmin=max(positive.min(), 1e-3), vmax=positive.max()) if len(positive) else None
    im = ax.imshow(np.where(data > 0, data, np.nan), cmap="viridis", norm=norm, aspect="auto")
    ax.set_xticks(range(len(ets)), [_et_label(e, lang) for e in ets], fontsize=8)
    ax.set_yticks(
        range(len(bls)), [f"{b} {BUSINESS_LINES[b].label(lang)}" for b in bls], fontsize=8
    )
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            if data[i, j] > 0:
                ax.text(
                    j,
                    i,
                    f"{data[i, j]:,.1f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if norm and norm(data[i, j]) < 0.6 else "black",
                )
    fig.colorbar(im, ax=ax, label=f"{value.replace('_', ' ')} ({cur} m, log scale)")
    ax.set_title(title or f"Losses by business line and event type ({cur} m)")
    return fig


def losses_by_year(
    ledger: pd.DataFrame,
    *,
    value: str = "net_effect_reporting",
    currency: str = "",
    title: str | None = None,
) -> Any:
    """Net loss by accounting year, stacked by event type (from ``db.ledger()`` joined to event types)."""
    plt = _plt()
    df = ledger.assign(year=pd.to_datetime(ledger.accounted_on).dt.year)
    table = (
        df.pivot_table(
            index="year",
            columns="event_type_l1",
            values=value,
            aggfunc="sum",
            fill_value=0.0,
            observed=True,
        )
        / 1e6
    )
    fig, ax = plt.subplots(figsize=(10, 4.5), constrained_layout=True)
    pos, neg = np.zeros(len(table)), np.zeros(len(table))
    colors = plt.get_cmap("tab10").colors
    for i, col in enumerate(table.columns):
        v = table[col].to_numpy()
        base = np.where(v >= 0, pos, neg)
        ax.bar(
            table.index.astype(str),
            v,
            bottom=base,
            color=colors[i % 10],
            label=f"{col} {SHORT_ET.get(str(col), str(col)).replace(chr(10), ' ')}",
        )
        pos, neg = pos + np.clip(v, 0, None), neg + np.clip(v, None, 0)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("accounting year")
    ax.set_ylabel(f"net loss ({currency} m)")
    ax.set_title(
        title or "Net operational losses by accounting year (recoveries received below zero)"
    )
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def compare_cutoffs(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    labels: tuple[str, str] = ("before", "after"),
    value: str = "net_loss_reporting",
    currency: str = "",
) -> Any:
    """The same loss view (by event type) as known at two cut-offs, side by side."""
    plt = _plt()
    ets = [c.code for c in EVENT_TYPES.level(1)]
    a = (
        before.groupby(before.event_type_l1.astype(str))[value].sum().reindex(ets, fill_value=0)
        / 1e6
    )
    b = after.groupby(after.event_type_l1.astype(str))[value].sum().reindex(ets, fill_value=0) / 1e6
    fig, (ax, dx) = plt.subplots(
        1, 2, figsize=(12, 4.5), constrained_layout=True, gridspec_kw={"width_ratios": [3, 2]}
    )
    x = np.arange(len(ets))
    ax.bar(x - 0.2, a, 0.4, label=labels[0])
    ax.bar(x + 0.2, b, 0.4, label=labels[1])
    ax.set_xticks(x, [_et_label(e) for e in ets], fontsize=7)
    ax.set_ylabel(f"{value.replace('_', ' ')} ({currency} m)")
    ax.set_title("The same view at two knowledge cut-offs")
    ax.legend(frameon=False)
    change = (b - a) * 1000
    dx.barh(x, change, color=np.where(change >= 0, "tab:red", "tab:green"))
    dx.set_yticks(x, [_et_label(e).replace(chr(10), " ") for e in ets], fontsize=7)
    dx.invert_yaxis()
    dx.axvline(0, color="black", lw=0.8)
    dx.set_xlabel(f"change, {labels[1]} − {labels[0]} ({currency} thousand)")
    dx.set_title("What the later facts changed")
    return fig
