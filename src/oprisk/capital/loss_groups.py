"""The Loss Component's bookkeeping on whole columns: groups, statuses, postings, annual sums.

:func:`classify` applies :func:`~oprisk.capital.losses.loss_component`'s rules 1–5 to the rows
:func:`~oprisk.capital.loss_rows.read_frame` read, with group-bys instead of a loop per row.
Amounts stay ``Decimal`` (object columns); every sum is taken in the order the rules take it
(rows in input order; postings by year, then event id) and starts from ``Decimal(0)``, so the
figures are those of adding the rows one by one.
"""

from __future__ import annotations

import operator
from decimal import Decimal
from itertools import repeat

import numpy as np
import pandas as pd

from .loss_rows import FLAG_COLUMNS, read_rows, roots
from .results import CONTEXT

ZERO = Decimal(0)
#: rounds of following root pointers for all events at once before walking them one by one
ROUNDS = 8


def decimal_sums(frame: pd.DataFrame, by: list[str] | str, column: str) -> pd.Series:
    """``Decimal`` sums of ``column`` per ``by`` (sorted keys): ``Decimal(0)`` plus the rows in
    frame order, as a loop adding them one by one gives (``np.add.reduceat`` adds an object
    array's values left to right)."""
    grouped = frame.groupby(by, sort=True)
    sizes = grouped.size()
    if not len(sizes):
        return pd.Series([], index=sizes.index, dtype=object)
    order = np.argsort(grouped.ngroup().to_numpy(), kind="stable")
    values = frame[column].to_numpy(dtype=object)[order]
    starts = np.concatenate([[0], np.cumsum(sizes.to_numpy())[:-1]])
    sums = np.add.reduceat(values, starts)
    return pd.Series(list(map(operator.add, repeat(ZERO), sums)), index=sizes.index, dtype=object)


def parents(df: pd.DataFrame, losses: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each event (in order of first appearance) and its root event id (``None`` if none); two
    different roots for one event are refused as the row-by-row rule refuses them."""
    events = pd.unique(df.event.to_numpy(dtype=object)).astype(object)
    named = df[df.root.notna()]
    if len(named) and (named.groupby("event", sort=False).root.nunique() > 1).any():
        _row_by_row_parents(losses)  # raises the error naming the first conflicting row
    root_of = named.drop_duplicates("event", keep="last").set_index("event").root
    return events, pd.Series(events, dtype=object).map(root_of).to_numpy(dtype=object)


def _row_by_row_parents(losses: pd.DataFrame) -> None:
    from oprisk.errors import CapitalError, invalid

    parent: dict[str, str | None] = {}
    for event, root, *_ in read_rows(losses):
        if event in parent and root is not None and parent[event] not in (None, root):
            raise CapitalError(
                invalid(f"root_event_id[{event}]", root, f"conflicts with {parent[event]!r}")
            )
        if root is not None or event not in parent:
            parent[event] = root


def group_ids(events: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """:func:`~oprisk.capital.loss_rows.roots` for all events at once (a chain deeper than
    :data:`ROUNDS`, or a cycle, is left to it: it walks them and names a cycle)."""
    index = pd.Index(events, dtype=object)
    has = ~pd.isna(parent)
    group = np.where(has & (parent != events), parent, events).astype(object)
    active = np.flatnonzero(group != events)
    for _ in range(ROUNDS):
        if not len(active):
            return group
        at = index.get_indexer(pd.Index(group[active], dtype=object))
        nxt = np.where(at >= 0, parent[np.maximum(at, 0)], None)
        go = (at >= 0) & ~pd.isna(nxt) & (nxt != group[active])
        active = active[go]
        group[active] = nxt[go]
    if not len(active):
        return group
    out = roots(
        dict(zip(events.tolist(), [None if pd.isna(p) else p for p in parent], strict=True))
    )
    return np.array([out[e] for e in events.tolist()], dtype=object)


def classify(
    df: pd.DataFrame, losses: pd.DataFrame, first: int, end: int, scale: Decimal, thr: Decimal
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Postings (event, group, year, net loss, status; sorted by year and event) and each
    event's group, status and exclusion reference (``event``, ``group``, ``status``, ``ref``;
    events in order of first appearance)."""
    events, parent = parents(df, losses)
    group = group_ids(events, parent)
    index = pd.Index(events, dtype=object)
    at = index.get_indexer(pd.Index(df.event.to_numpy(dtype=object), dtype=object))
    own = {f: np.zeros(len(events), dtype=bool) for f in FLAG_COLUMNS}
    for f in FLAG_COLUMNS:
        np.logical_or.at(own[f], at, df[f].to_numpy(dtype=bool))
    gat = index.get_indexer(pd.Index(group, dtype=object))
    status = np.full(len(events), "", dtype=object)
    for f in reversed(FLAG_COLUMNS):  # priority: supervisory exclusion, credit boundary, gain
        hit = own[f] | np.where(gat >= 0, own[f][np.maximum(gat, 0)], False)
        status[hit] = f.replace("_", "-")
    refs = df[df.ref.notna()].drop_duplicates("event")
    reference = dict.fromkeys(events.tolist())
    reference.update(zip(refs.event, refs.ref, strict=True))

    years = df.year.to_numpy()
    window = (years >= first) & (years <= end)
    row_group = group[at]
    open_ = status[at] == ""
    counted = df.assign(group=pd.Series(row_group, dtype=object))[window & open_]
    aggregate = (
        decimal_sums(counted, "group", "amount") if len(counted) else pd.Series(dtype=object)
    )
    scaled = np.empty(len(aggregate) + 1, dtype=object)
    scaled[:-1] = list(map(CONTEXT.multiply, aggregate.to_numpy(dtype=object), repeat(scale)))
    scaled[-1] = ZERO  # a group with nothing counted (get_indexer's -1 below)
    passes = (scaled >= thr).astype(bool)
    seen = np.zeros(len(events), dtype=bool)
    seen[at[window]] = True
    blank = status == ""
    status[blank & ~seen] = "outside-window"
    todo = np.flatnonzero(blank & seen)
    counted_at = pd.Index(aggregate.index.to_numpy(dtype=object), dtype=object).get_indexer(
        pd.Index(group[todo], dtype=object)
    )
    status[todo] = np.where(passes[counted_at], "included", "below-threshold").astype(object)

    summed = decimal_sums(df, ["year", "event"], "amount")
    p_years = summed.index.get_level_values(0).to_numpy()
    p_events = summed.index.get_level_values(1).to_numpy(dtype=object)
    p_at = index.get_indexer(pd.Index(p_events, dtype=object))
    p_window = (p_years >= first) & (p_years <= end)
    postings = pd.DataFrame(
        {
            "event_id": pd.Series(p_events, dtype=object),
            "group_id": pd.Series(group[p_at], dtype=object),
            "accounting_year": p_years.astype(np.int64),
            "net_loss": summed.to_numpy(dtype=object),
            "status": pd.Series(np.where(p_window, status[p_at], "outside-window"), dtype=object),
        }
    )
    members = pd.DataFrame(
        {
            "event": pd.Series(events, dtype=object),
            "group": pd.Series(group, dtype=object),
            "status": pd.Series(status, dtype=object),
            "ref": pd.Series([reference[e] for e in events.tolist()], dtype=object),
        }
    )
    return postings, members


def annual_sums(postings: pd.DataFrame, first: int, end: int) -> list[tuple[int, Decimal, int]]:
    """(year, net loss of the included postings, number of groups) for every year of the window."""
    hits = postings[postings.status == "included"]
    sums = (
        decimal_sums(hits, "accounting_year", "net_loss") if len(hits) else pd.Series(dtype=object)
    )
    counts = hits.groupby("accounting_year").group_id.nunique()
    return [(y, sums.get(y, ZERO), int(counts.get(y, 0))) for y in range(first, end + 1)]


def event_blocks(
    members: pd.DataFrame, postings: pd.DataFrame
) -> list[tuple[str, str, tuple[str, ...], Decimal, str | None]]:
    """(group, status, its events sorted, Σ net loss of its postings inside the window in
    posting order (0 without any), the first exclusion reference among its events) per
    (group, status), sorted. A (group, status) is keyed by one integer on both sides, so the
    sums are found by index rather than by tuples."""
    ordered = members.sort_values(["group", "status", "event"], kind="stable")
    g = ordered.group.to_numpy(dtype=object)
    s = ordered.status.to_numpy(dtype=object)
    e = ordered.event.tolist()
    if not len(e):
        return []
    starts = np.flatnonzero(np.r_[True, (g[1:] != g[:-1]) | (s[1:] != s[:-1])])
    inside = postings[postings.status != "outside-window"]
    n = len(starts)
    group_code, _ = pd.factorize(
        np.concatenate([g[starts], inside.group_id.to_numpy(dtype=object)])
    )
    status_code, statuses = pd.factorize(
        np.concatenate([s[starts], inside.status.to_numpy(dtype=object)])
    )
    key = group_code.astype(np.int64) * len(statuses) + status_code
    amounts = np.full(n, ZERO, dtype=object)
    if len(inside):
        sums = decimal_sums(inside.assign(key=key[n:]), "key", "net_loss")
        at = sums.index.get_indexer(key[:n])
        amounts[at >= 0] = sums.to_numpy(dtype=object)[at[at >= 0]]
    named = ordered[ordered.ref.notna()].drop_duplicates(["group", "status"])
    refs = dict(zip(zip(named.group, named.status, strict=True), named.ref, strict=True))
    ends = [*starts[1:].tolist(), len(e)]
    return [
        (g[a], s[a], tuple(e[a:b]), amount, refs.get((g[a], s[a])) if refs else None)
        for a, b, amount in zip(starts.tolist(), ends, amounts.tolist(), strict=True)
    ]
