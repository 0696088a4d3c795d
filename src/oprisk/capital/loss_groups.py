"""The Loss Component's bookkeeping on whole columns: groups, statuses, postings, annual sums.

:func:`classify` applies :func:`~oprisk.capital.losses.loss_component`'s rules 1–5 to the rows
:func:`~oprisk.capital.loss_rows.read_frame` read, with group-bys instead of a loop per row.
Every id (the rows' events and their root events) is coded once as an integer, its rank among
the ids sorted as text (:func:`grouped`): the look-ups, group-bys and sorts then work on
integers, and sorting by code is sorting by id. Amounts stay ``Decimal`` (object arrays); every
sum is taken in the order the rules take it (rows in input order; postings by year, then event
id) and starts from ``Decimal(0)``, so the figures are those of adding the rows one by one.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat

import numpy as np
import pandas as pd

from .loss_rows import FLAG_COLUMNS, read_rows, roots
from .results import CONTEXT

ZERO = Decimal(0)
#: rounds of following root pointers for all events at once before walking them one by one
ROUNDS = 8
#: the statuses in text order: a status's code is its position here
STATUSES = ("below-threshold", "credit-boundary", "excluded", "gain", "included", "outside-window")
BELOW, INCLUDED, OUTSIDE = (
    STATUSES.index(s) for s in ("below-threshold", "included", "outside-window")
)
STATUS_NAMES = np.array(STATUSES, dtype=object)


def keyed_sums(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct integer ``keys`` and the ``Decimal`` sum of ``values`` for each:
    ``Decimal(0)`` plus its values in their order, as a loop adding them one by one gives
    (``np.add.reduceat`` adds an object array's values left to right)."""
    sums = np.empty(0, dtype=object)
    if not len(keys):
        return keys[:0], sums
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sums = np.empty(len(starts), dtype=object)
    sums[:] = list(map(operator.add, repeat(ZERO), np.add.reduceat(values[order], starts)))
    return ordered[starts], sums


@dataclass(frozen=True)
class Grouped:
    """The rows' ids coded: ``ids`` holds every event and root event id sorted as text, and a
    code is a position in it. ``row`` is each row's event, ``events`` the events in order of
    first appearance, ``group`` each code's group (rule 1; an id that is no event's is its own)."""

    ids: np.ndarray
    row: np.ndarray
    events: np.ndarray
    group: np.ndarray


def grouped(df: pd.DataFrame, losses: pd.DataFrame) -> Grouped:
    """The rows of ``df`` (:func:`~oprisk.capital.loss_rows.read_frame`) coded and grouped by
    root event; two different roots for one event are refused as the row-by-row rule refuses
    them."""
    event = df.event.to_numpy(dtype=object)
    root = df.root.to_numpy(dtype=object)
    named = ~pd.isna(root)
    codes, ids = pd.factorize(np.concatenate([event, root[named]]), sort=True)
    row = codes[: len(event)]
    parent = np.full(len(ids), -1, dtype=np.int64)
    children, roots_of = row[named], codes[len(event) :]
    parent[children] = roots_of
    if (parent[children] != roots_of).any():
        _row_by_row_parents(losses)  # raises the error naming the first conflicting row
    events = pd.unique(row)
    return Grouped(ids, row, events, _groups(ids, events, parent))


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


def _groups(ids: np.ndarray, events: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """:func:`~oprisk.capital.loss_rows.roots` for all codes at once (a chain deeper than
    :data:`ROUNDS`, or a cycle, is left to it: it walks them and names a cycle)."""
    own = np.arange(len(ids))
    group = own.copy()
    linked = (parent >= 0) & (parent != own)
    group[linked] = parent[linked]
    active = np.flatnonzero(linked)
    for _ in range(ROUNDS):
        if not len(active):
            return group
        nxt = parent[group[active]]
        go = (nxt >= 0) & (nxt != group[active])
        active = active[go]
        group[active] = nxt[go]
    if not len(active):
        return group
    names = ids.tolist()
    walked = roots(
        {
            names[e]: names[p] if p >= 0 else None
            for e, p in zip(events.tolist(), parent[events].tolist(), strict=True)
        }
    )
    code = dict(zip(names, range(len(names)), strict=True))
    group[events] = [code[walked[names[e]]] for e in events.tolist()]
    return group


@dataclass(frozen=True)
class Postings:
    """One posting per (event, accounting year), sorted by year then event id: the event's
    code, the year, the net loss (``Decimal``) and the status's code."""

    event: np.ndarray
    year: np.ndarray
    net_loss: np.ndarray
    status: np.ndarray


def flagged(g: Grouped, df: pd.DataFrame, flag: str) -> np.ndarray:
    """Per code: the flag is on one of the event's rows or on its group's root event."""
    own = np.zeros(len(g.ids), dtype=bool)
    own[g.row[df[flag].to_numpy(dtype=bool)]] = True
    return own | own[g.group]


def postings(g: Grouped, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (year, event)'s code, year and summed net loss, sorted by year then event id."""
    years = df.year.to_numpy().astype(np.int64)
    low = int(years.min()) if len(years) else 0
    size = max(len(g.ids), 1)
    keys, sums = keyed_sums((years - low) * size + g.row, df.amount.to_numpy(dtype=object))
    return keys % size, keys // size + low, sums


def group_totals(
    g: Grouped, df: pd.DataFrame, counted: np.ndarray, scale: Decimal
) -> tuple[np.ndarray, list[Decimal]]:
    """The groups with counted rows and each one's aggregated net loss times ``scale``."""
    keys, sums = keyed_sums(g.group[g.row[counted]], df.amount.to_numpy(dtype=object)[counted])
    return keys, list(map(CONTEXT.multiply, sums.tolist(), repeat(scale)))


def passing(g: Grouped, totals: tuple[np.ndarray, list[Decimal]], thr: Decimal) -> np.ndarray:
    """Per code: its group's total (:func:`group_totals`; 0 without one) is ``thr`` or more."""
    keys, scaled = totals
    passes = np.full(len(g.ids), thr <= ZERO, dtype=bool)
    passes[keys] = [total >= thr for total in scaled]
    return passes[g.group]


def classify(
    df: pd.DataFrame, losses: pd.DataFrame, first: int, end: int, scale: Decimal, thr: Decimal
) -> tuple[Grouped, np.ndarray, np.ndarray, Postings]:
    """The coded rows, each code's status (a code in :data:`STATUSES`) and exclusion
    reference (its event's first), and the postings."""
    g = grouped(df, losses)
    size = len(g.ids)
    status = np.full(size, -1, dtype=np.int64)  # -1: open
    for f in reversed(FLAG_COLUMNS):  # priority: supervisory exclusion, credit boundary, gain
        status[flagged(g, df, f)] = STATUSES.index(f.replace("_", "-"))
    refs = df.ref.to_numpy(dtype=object)
    with_ref = np.flatnonzero(~pd.isna(refs))
    reference = np.full(size, None, dtype=object)
    if len(with_ref):
        _, first_row = np.unique(g.row[with_ref], return_index=True)
        reference[g.row[with_ref[first_row]]] = refs[with_ref[first_row]]

    years = df.year.to_numpy()
    window = (years >= first) & (years <= end)
    passes = passing(g, group_totals(g, df, window & (status[g.row] < 0), scale), thr)
    seen = np.zeros(size, dtype=bool)
    seen[g.row[window]] = True
    open_ = status < 0
    status[open_ & ~seen] = OUTSIDE
    todo = open_ & seen
    status[todo] = np.where(passes[todo], INCLUDED, BELOW)

    p_event, p_year, p_net = postings(g, df)
    p_window = (p_year >= first) & (p_year <= end)
    p_status = np.where(p_window, status[p_event], OUTSIDE)
    return g, status, reference, Postings(p_event, p_year, p_net, p_status)


def annual_sums(
    year: np.ndarray, net_loss: np.ndarray, group: np.ndarray, first: int, end: int
) -> list[tuple[int, Decimal, int]]:
    """(year, Σ net loss of the postings in their order, number of groups among them) for every
    year of the window, from the included postings' years, net losses and group codes."""
    keys, sums = keyed_sums(year, net_loss)
    total = dict(zip(keys.tolist(), sums.tolist(), strict=True))
    size = int(group.max()) + 1 if len(group) else 1
    pairs = np.unique((year.astype(np.int64) - first) * size + group)
    years, counts = np.unique(pairs // size + first, return_counts=True)
    count = dict(zip(years.tolist(), counts.tolist(), strict=True))
    return [(y, total.get(y, ZERO), count.get(y, 0)) for y in range(first, end + 1)]


#: :func:`event_blocks`' columns: groups, statuses, events, amounts, references
Blocks = tuple[list[str], list[str], list[tuple[str, ...]], list[Decimal], list[str | None]]


def event_blocks(g: Grouped, status: np.ndarray, reference: np.ndarray, p: Postings) -> Blocks:
    """Per (group, status), sorted, as columns: the group, the status, its events sorted, the
    Σ net loss of its postings inside the window in posting order (0 without any) and the
    first exclusion reference among its events. A (group, status) is keyed by one integer on
    both sides."""
    events = g.events
    if not len(events):
        return [], [], [], [], []
    e = events[np.lexsort((events, status[events], g.group[events]))]
    key = g.group[e] * len(STATUSES) + status[e]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    inside = p.status != OUTSIDE
    sum_keys, sums = keyed_sums(
        g.group[p.event[inside]] * len(STATUSES) + p.status[inside], p.net_loss[inside]
    )
    amounts = np.full(len(starts), ZERO, dtype=object)
    if len(sum_keys):
        at = np.minimum(np.searchsorted(sum_keys, key[starts]), len(sum_keys) - 1)
        found = sum_keys[at] == key[starts]
        amounts[found] = sums[at[found]]
    refs = np.full(len(starts), None, dtype=object)
    named = np.flatnonzero(~pd.isna(reference[e]))
    if len(named):
        block = np.cumsum(np.r_[True, key[1:] != key[:-1]]) - 1
        blocks, first_named = np.unique(block[named], return_index=True)
        refs[blocks] = reference[e[named[first_named]]]
    names = g.ids[e].tolist()
    ends = [*starts[1:].tolist(), len(names)]
    return (
        g.ids[g.group[e[starts]]].tolist(),
        STATUS_NAMES[status[e[starts]]].tolist(),
        [tuple(names[a:b]) for a, b in zip(starts.tolist(), ends, strict=True)],
        amounts.tolist(),
        refs.tolist(),
    )
