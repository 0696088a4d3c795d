"""OR1's ten years of net losses: the Loss Component's annual losses at several thresholds, with
and without approved exclusions, from one pass over the loss rows.

``loss_component`` run once per (threshold, exclusions) would re-read the rows, follow every
root chain and sum every (year, event) four times, and build the per-event detail OR1 never
shows. Here the rows are read, grouped and summed once
(:func:`~oprisk.capital.loss_rows.read_frame`, :func:`~oprisk.capital.loss_groups.parents`,
``group_ids``) and only what depends on the variant is redone: which events are open, each
group's aggregated net loss over the window, and the sums of the included postings per year.
The rules and the order of every ``Decimal`` sum are those of
:func:`~oprisk.capital.loss_groups.classify` and ``annual_sums``, so the figures are the same.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from oprisk.capital.loss_groups import decimal_sums, group_ids, parents
from oprisk.capital.loss_rows import read_frame
from oprisk.capital.results import CONTEXT

ZERO = Decimal(0)
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
    events, parent = parents(df, rows)
    group = group_ids(events, parent)
    index = pd.Index(events, dtype=object)
    at = index.get_indexer(pd.Index(df.event.to_numpy(dtype=object), dtype=object))
    gat = index.get_indexer(pd.Index(group, dtype=object))

    def flagged(flag: str) -> np.ndarray:
        """Events with the flag on one of their rows or on their group's root event."""
        own = np.zeros(len(events), dtype=bool)
        np.logical_or.at(own, at, df[flag].to_numpy(dtype=bool))
        return own | np.where(gat >= 0, own[np.maximum(gat, 0)], False)

    never = flagged("credit_boundary") | flagged("gain")
    excluded = flagged("excluded")
    years = df.year.to_numpy()
    window = (years >= first) & (years <= end)
    seen = np.zeros(len(events), dtype=bool)
    seen[at[window]] = True
    rows_by_group = df.assign(group=pd.Series(group[at], dtype=object))

    summed = decimal_sums(df, ["year", "event"], "amount")
    p_years = summed.index.get_level_values(0).to_numpy()
    p_at = index.get_indexer(pd.Index(summed.index.get_level_values(1), dtype=object))
    p_window = (p_years >= first) & (p_years <= end)
    postings = pd.DataFrame(
        {
            "group_id": pd.Series(group[p_at], dtype=object),
            "accounting_year": p_years.astype(np.int64),
            "net_loss": summed.to_numpy(dtype=object),
        }
    )
    out: AnnualLosses = {}
    for with_exclusions in (False, True):
        open_ = ~never & ~excluded if with_exclusions else ~never
        counted = rows_by_group[window & open_[at]]
        aggregate = (
            decimal_sums(counted, "group", "amount") if len(counted) else pd.Series(dtype=object)
        )
        at_group = aggregate.index.get_indexer(pd.Index(group, dtype=object))
        # each group's aggregate as classify compares it; the trailing 0 is what a group
        # without one (position -1) picks up before np.where sets it to ``threshold <= 0``
        scaled = np.array([*(CONTEXT.multiply(a, UNIT) for a in aggregate.tolist()), ZERO])
        for threshold in thresholds:
            passes = np.where(at_group >= 0, (scaled >= threshold)[at_group], threshold <= ZERO)
            included = open_ & seen & passes
            hits = postings[p_window & included[p_at]]
            sums = (
                decimal_sums(hits, "accounting_year", "net_loss")
                if len(hits)
                else pd.Series(dtype=object)
            )
            counts = hits.groupby("accounting_year").group_id.nunique()
            out[(threshold, with_exclusions)] = {
                y: (sums.get(y, ZERO), int(counts.get(y, 0))) for y in range(first, end + 1)
            }
    return out
