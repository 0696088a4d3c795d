"""Loss-data figures: where the losses are, how they spread over accounting years, and what a later
knowledge cut-off changed. Each takes the frames of ``db.losses()`` / ``db.ledger()`` and reads the
cut-off and period from their ``attrs`` for the title; each figure uses one money unit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from oprisk.domain.taxonomy import BUSINESS_LINES, EVENT_TYPES

from ._base import currency_of, cutoff_text, figure, money_scale, period_text
from ._base import title as joined

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


def _words(value: str) -> str:
    return value.removesuffix("_reporting").replace("_", " ")


def loss_heatmap(
    losses: pd.DataFrame,
    value: str = "net_loss_reporting",
    *,
    lang: str = "en",
    title: str | None = None,
    currency: str | None = None,
) -> Any:
    """Business line × event type: the summed ``value`` of each cell (log colour scale).

    A cell with no loss event is grey and marked "–"; a cell whose events sum to zero or less
    (recoveries at least the loss) is hatched and shows its value, so "no loss" never looks like a
    small loss.
    """
    from matplotlib.colors import LogNorm

    cur = currency or currency_of(losses)
    present = set(losses.business_line_l1.astype(str))
    bls = [
        c.code for c in BUSINESS_LINES.level(1, basel_only=False) if c.basel or c.code in present
    ]
    ets = [c.code for c in EVENT_TYPES.level(1)]
    cells = losses.assign(
        bl=losses.business_line_l1.astype(str), et=losses.event_type_l1.astype(str)
    )
    grouped = cells.groupby(["bl", "et"])[value]
    sums = grouped.sum().unstack().reindex(index=bls, columns=ets)
    counts = grouped.size().unstack().reindex(index=bls, columns=ets).fillna(0)
    divisor, unit = money_scale(sums.to_numpy(float), cur)
    data = sums.to_numpy(float) / divisor
    has_events = counts.to_numpy() > 0
    fig = figure(figsize=(11, 5.8))
    ax = fig.axes[0]
    positive = data[has_events & (data > 0)]
    norm = LogNorm(vmin=max(positive.min(), 1e-6), vmax=positive.max()) if len(positive) else None
    im = ax.imshow(
        np.where(has_events & (data > 0), data, np.nan), cmap="viridis", norm=norm, aspect="auto"
    )
    ax.set_facecolor("#e6e6e6")  # cells drawn as NaN: no loss, or a sum ≤ 0 (hatched below)
    ax.set_xticks(range(len(ets)), [_et_label(e, lang) for e in ets], fontsize=8)
    ax.set_yticks(
        range(len(bls)), [f"{b} {BUSINESS_LINES[b].label(lang)}" for b in bls], fontsize=8
    )
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            if not has_events[i, j]:
                ax.text(j, i, "–", ha="center", va="center", fontsize=9, color="#777777")
                continue
            if data[i, j] <= 0:
                ax.add_patch(_hatch(j, i))
            dark = norm is not None and data[i, j] > 0 and norm(data[i, j]) < 0.6
            ax.text(
                j,
                i,
                f"{data[i, j]:,.1f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if dark else "black",
            )
    fig.colorbar(im, ax=ax, label=f"{_words(value)} ({unit}, log scale)")
    ax.set_title(
        title
        or joined(
            f"{_words(value).capitalize()} by business line and event type ({unit})",
            cutoff_text(losses),
            period_text(losses),
        ),
        fontsize=10,
    )
    ax.set_xlabel("– : no loss event recorded; hatched: events whose recoveries offset the loss")
    return fig


def _hatch(x: int, y: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#999999", lw=0)


def losses_by_year(
    ledger: pd.DataFrame,
    *,
    value: str = "net_effect_reporting",
    currency: str = "",
    title: str | None = None,
) -> Any:
    """Net loss by accounting year, stacked by event type (``db.ledger()`` joined to event types).

    Recoveries received push a year's bar below zero; every year of the range has a bar, and a
    year without any line is labelled "no loss" rather than drawn as zero.
    """
    df = ledger.assign(year=pd.to_datetime(ledger.accounted_on).dt.year)
    table = df.pivot_table(
        index="year",
        columns="event_type_l1",
        values=value,
        aggfunc="sum",
        fill_value=0.0,
        observed=True,
    )
    years = range(int(df.year.min()), int(df.year.max()) + 1) if len(df) else range(0)
    table = table.reindex(years)
    empty = table.isna().all(axis=1).to_numpy()
    cur = currency or currency_of(ledger)
    divisor, unit = money_scale(table.fillna(0).sum(axis=1).to_numpy(), cur)
    table = table.fillna(0.0) / divisor
    fig = figure(figsize=(10.5, 4.5))
    ax = fig.axes[0]
    pos, neg = np.zeros(len(table)), np.zeros(len(table))
    colors = _colors()
    labels = [str(y) for y in table.index]
    for i, col in enumerate(table.columns):
        v = table[col].to_numpy()
        base = np.where(v >= 0, pos, neg)
        name = SHORT_ET.get(str(col), str(col)).replace("\n", " ")
        ax.bar(labels, v, bottom=base, color=colors[i % len(colors)], label=f"{col} {name}")
        pos, neg = pos + np.clip(v, 0, None), neg + np.clip(v, None, 0)
    for k in np.flatnonzero(empty):
        ax.annotate("no loss", (k, 0), ha="center", va="bottom", fontsize=8, color="#777777")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("accounting year")
    ax.set_ylabel(f"{_words(value)} ({unit})")
    ax.set_title(
        title
        or joined(
            f"Operational losses by accounting year ({unit}; recoveries received below zero)\n"
            + cutoff_text(ledger),
        ),
        fontsize=10,
    )
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def compare_cutoffs(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    labels: tuple[str, str] | None = None,
    value: str = "net_loss_reporting",
    currency: str = "",
) -> Any:
    """The same loss view by event type as known at two cut-offs, and what changed, in one unit.

    The legend names each cut-off by its date (from the frames' ``attrs``) unless ``labels`` are
    given.
    """
    ets = [c.code for c in EVENT_TYPES.level(1)]

    def by_type(frame: pd.DataFrame) -> pd.Series:
        return frame.groupby(frame.event_type_l1.astype(str))[value].sum().reindex(ets)

    a, b = by_type(before), by_type(after)
    change = b.fillna(0) - a.fillna(0)
    cur = currency or currency_of(after) or currency_of(before)
    divisor, unit = money_scale(np.concatenate([a.fillna(0), b.fillna(0)]), cur)
    names = labels or (
        cutoff_text(before).removeprefix("as known at ") or "before",
        cutoff_text(after).removeprefix("as known at ") or "after",
    )
    fig = figure(2, figsize=(12.5, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    ax, dx = fig.axes
    x = np.arange(len(ets))
    ax.bar(x - 0.2, a.fillna(0) / divisor, 0.4, label=names[0])
    ax.bar(x + 0.2, b.fillna(0) / divisor, 0.4, label=names[1])
    ax.set_xticks(x, [_et_label(e) for e in ets], fontsize=7)
    ax.set_ylabel(f"{_words(value)} ({unit})")
    ax.set_title(
        f"{_words(value).capitalize()} by event type at two knowledge cut-offs", fontsize=10
    )
    ax.legend(frameon=False, fontsize=8)
    dx.barh(x, change / divisor, color=np.where(change >= 0, "tab:red", "tab:green"))
    dx.set_yticks(x, [_et_label(e).replace("\n", " ") for e in ets], fontsize=7)
    dx.invert_yaxis()
    dx.axvline(0, color="black", lw=0.8)
    dx.set_xlabel(f"change ({unit})")
    dx.set_title("What the later facts changed", fontsize=10)
    fig.suptitle(joined(period_text(after)), fontsize=9)
    return fig


def _colors() -> tuple[Any, ...]:
    from matplotlib import colormaps

    return tuple(colormaps["tab10"].colors)  # type: ignore[attr-defined]
