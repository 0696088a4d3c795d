"""OR1's ten years of net losses: the Loss Component's annual losses at several thresholds, with
and without approved exclusions, from one pass over the loss rows.

``loss_component`` run once per (threshold, exclusions) would re-read the rows, follow every
root chain and sum every (year, event) four times, and build the per-event detail OR1 never
shows. Here the rows are read, grouped and summed once
(:func:`~oprisk.capital.loss_rows.read_frame`, :func:`~oprisk.capital.loss_groups.grouped`,
``postings``) and only what depends on the variant is redone: which events are open, each
group's aggregated net loss over the window, and the sums of the included postings per year.
The rules and the order of every ``Decimal`` sum are those of
:func:`~oprisk.capital.loss_groups.classify` (the same functions), so the figures are the same.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from oprisk.capital.loss_groups import (
    annual_sums,
    flagged,
    group_totals,
    grouped,
    passing,
    postings,
)
from oprisk.capital.loss_rows import read_frame

UNIT = Decimal(1)  # the loss data's net losses are in whole units of the currency

#: (threshold, approved exclusions applied) → accounting year → (net loss, number of groups)
AnnualLosses = dict[tuple[Decimal, bool], dict[int, tuple[Decimal, int]]]


def annual_losses(
    rows: pd.DataFrame, first: int, end: int, thresholds: tuple[Decimal, ...]
) -> AnnualLosses:
    """For each threshold, with approved exclusions applied and kept in, the annual losses
    ``loss_component(rows, threshold=…, end_year=end, years=end - first + 1)`` reports
    (``annual_losses``: net loss and number of included groups per year of the window)."""
    rows = rows.copy(deep=False)
    rows.attrs = {}  # pandas deep-copies attrs on every column read: they are not needed here
    df = read_frame(rows)
    g = grouped(df, rows)
    never = flagged(g, df, "credit_boundary") | flagged(g, df, "gain")
    excluded = flagged(g, df, "excluded")
    years = df.year.to_numpy()
    window = (years >= first) & (years <= end)
    seen = np.zeros(len(g.ids), dtype=bool)
    seen[g.row[window]] = True
    p_event, p_year, p_net = postings(g, df)
    p_window = (p_year >= first) & (p_year <= end)
    p_group = g.group[p_event]
    out: AnnualLosses = {}
    for with_exclusions in (False, True):
        open_ = ~never & ~excluded if with_exclusions else ~never
        totals = group_totals(g, df, window & open_[g.row], UNIT)
        for threshold in thresholds:
            included = open_ & seen & passing(g, totals, threshold)
            hit = p_window & included[p_event]
            out[(threshold, with_exclusions)] = {
                y: (net, n)
                for y, net, n in annual_sums(p_year[hit], p_net[hit], p_group[hit], first, end)
            }
    return out
