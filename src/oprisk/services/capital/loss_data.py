"""Loss data for the loss component: net loss per (event, accounting year), exact, at one cut-off.

Set-based: the window's ledger lines and every event's flags are read in SQL
(:meth:`~oprisk.ports.Queries.loss_inputs`), each line is converted at the rate found by one
as-of merge per currency pair (:func:`~oprisk.projections.queries.rates_on`), the lines are summed
per (event, accounting year) by a group-by, and a group's flags are followed up its root chain
level by level for all events at once. Amounts stay ``Decimal``: a line in another currency is
multiplied at :data:`~oprisk.capital.results.CONTEXT`'s precision and the sums are taken in log
order, as summing the lines one by one does.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from oprisk.capital.results import CONTEXT
from oprisk.errors import MissingInputError
from oprisk.projections.capital_reads import LossInputs, in_window
from oprisk.projections.queries import rates_on

from .gather import Cutoff, plains

if TYPE_CHECKING:
    from oprisk.ports import Queries

#: Columns of :meth:`CapitalService.loss_data` (the first eight are what ``loss_component`` reads).
LOSS_DATA_COLUMNS = [
    "event_id",
    "root_event_id",
    "accounting_year",
    "net_loss",
    "excluded",
    "credit_boundary",
    "gain",
    "exclusion_reference",
    "currency",
    "lines",
    "legal_entity",
    "event_type",
    "business_line",
    "market_boundary",
    "legal",
    "near_miss",
    "status",
]
FLAGS = ("excluded", "credit_boundary", "gain")


def loss_rows(
    queries: Queries,
    cut: Cutoff,
    year: int,
    years: int,
    legal_entity: str | None,
    currency: str,
    read: LossInputs | None = None,
) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
    """Net loss per (event, accounting year) in the window, in ``currency``, at the cut-off;
    from ``read`` (every line, read at the cut-off by someone else) if given, else read here."""
    first, until = date(year - years + 1, 1, 1), date(year, 12, 31)
    inputs = (
        in_window(read, first, until)
        if read is not None
        else queries.loss_inputs(cut.position, first, until)
    )
    events, lines = inputs.events, inputs.lines
    notes: list[str] = []
    status = events.status.to_numpy(dtype=object)
    ids = events.event_id.to_numpy(dtype=object)
    keep = status != "withdrawn"
    waiting_mask = (
        keep & pd.Index(ids, dtype=object).isin(list(inputs.awaiting)) if inputs.awaiting else None
    )
    if (
        waiting_mask is not None and waiting_mask.any()
    ):  # above the approval threshold, not approved
        waiting = sorted(ids[waiting_mask])
        notes.append(
            f"{len(waiting)} loss event(s) above the approval threshold left out until approved: "
            + ", ".join(waiting[:10])
            + (" …" if len(waiting) > 10 else "")
        )
        keep &= ~waiting_mask
    if legal_entity is not None and keep.any():
        entity = events.legal_entity.to_numpy(dtype=object)
        unassigned = int((keep & (entity == "")).sum()) if legal_entity != "" else 0
        keep &= entity == legal_entity
        if unassigned:
            notes.append(
                f"{unassigned} loss event(s) with no legal entity left out "
                f"(only {legal_entity!r} is included)"
            )
    # each line's event row, found by one hashed look-up (-1: no event known at the cut-off)
    line_at = pd.Index(ids, dtype=object).get_indexer(lines.event_id.to_numpy(dtype=object))
    known = line_at >= 0
    gone = line_at[known][status[line_at[known]] == "withdrawn"]
    withdrawn = tuple(sorted(set(ids[gone].tolist())))
    kept = known & keep[np.maximum(line_at, 0)]
    lines, line_at = lines[kept], line_at[kept]
    if lines.empty:
        return pd.DataFrame([], columns=LOSS_DATA_COLUMNS), withdrawn, tuple(notes)

    amounts = convert(lines, inputs.fx, cut, currency)
    at, accounting_years, sums, sizes = event_year_sums(
        ids, line_at, lines.accounted_on.dt.year.to_numpy().astype(np.int64), amounts
    )
    flags, reference = group_flags(events)
    row_of = {c: events[c].to_numpy() for c in events.columns}
    roots = row_of["root_event_id"][at].astype(object)
    roots[pd.isna(roots)] = None
    frame = pd.DataFrame(
        {
            "event_id": ids[at].tolist(),
            "root_event_id": roots.tolist(),
            "accounting_year": accounting_years.tolist(),
            "net_loss": plains(sums),
            **{f: flags[f][at].tolist() for f in FLAGS},
            "exclusion_reference": reference[at].tolist(),
            "currency": [currency] * len(at),
            "lines": sizes.tolist(),
            "legal_entity": row_of["legal_entity"][at].tolist(),
            "event_type": list(map(str, row_of["event_type"][at])),
            "business_line": list(map(str, row_of["business_line"][at])),
            **{
                f: row_of[f][at].astype(bool).tolist()
                for f in ("market_boundary", "legal", "near_miss")
            },
            "status": row_of["status"][at].tolist(),
        },
        columns=LOSS_DATA_COLUMNS,
    )
    return frame, withdrawn, tuple(notes)


def event_year_sums(
    ids: np.ndarray, line_at: np.ndarray, years: np.ndarray, amounts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per (event, accounting year), sorted by event id then year: the event's row, the year,
    the sum of its lines' amounts (the first plus the others in log order, as pandas' group-by
    sum adds them) and the number of lines. The lines are keyed by one integer: the rank of
    their event id among those with lines, sorted as text, and the year."""
    present = np.unique(line_at)
    by_text = present[np.argsort(ids[present], kind="stable")]
    rank = np.empty(len(ids), dtype=np.int64)
    rank[by_text] = np.arange(len(by_text))
    low = int(years.min())
    span = int(years.max()) - low + 1
    keys = rank[line_at] * span + (years - low)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sums = np.add.reduceat(amounts[order], starts)
    sizes = np.diff(np.r_[starts, len(keys)])
    first = keys[starts]
    return by_text[first // span], first % span + low, sums, sizes


def _text(values: np.ndarray) -> np.ndarray:
    """Stripped text, or None for a blank or missing one (per element)."""
    return np.array(
        [v.strip() or None if isinstance(v, str) else None for v in values], dtype=object
    )


def group_flags(events: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Each event's flags OR'ed with those of every event up its root chain that is not
    withdrawn (a flag on the root applies to the whole group, wherever the root is), and its
    exclusion reference (its own, else the first found up the chain), for all events at once:
    one step up the chain per round. A chain still climbing after :data:`ROUNDS` rounds (a very
    deep chain or a cycle) is walked again one event at a time, stopping at an event it has
    passed (OR and "the first reference found" give the same answer when a step is repeated)."""
    ids = events.event_id.to_numpy(dtype=object)
    index = pd.Index(ids, dtype=object)
    parent = index.get_indexer(pd.Index(events.root_event_id.to_numpy(dtype=object), dtype=object))
    parent[pd.isna(events.root_event_id.to_numpy(dtype=object))] = -1
    live = events.status.to_numpy(dtype=object) != "withdrawn"
    own = {f: events[f].to_numpy(dtype=bool) for f in FLAGS}
    own_ref = _text(events.exclusion_reference.to_numpy(dtype=object))
    flags = {f: v.copy() for f, v in own.items()}
    reference = own_ref.copy()
    rows = np.flatnonzero(parent >= 0)
    node = parent[rows]
    for _ in range(ROUNDS):
        if not len(rows):
            break
        alive = live[node]
        for f in FLAGS:
            flags[f][rows] |= own[f][node] & alive
        fill = alive & pd.isna(reference[rows]) & ~pd.isna(own_ref[node])
        reference[rows[fill]] = own_ref[node[fill]]
        # stop at the top, and where the chain comes back to where it started
        nxt = parent[node]
        go = (nxt >= 0) & (nxt != rows)
        rows, node = rows[go], nxt[go]
    for start in rows.tolist():  # deep chains or cycles: the chain again, one event at a time
        seen, at = {start}, parent[start]
        while at >= 0 and at not in seen:
            seen.add(at)
            if live[at]:
                for f in FLAGS:
                    flags[f][start] |= own[f][at]
                if reference[start] is None:
                    reference[start] = own_ref[at]
            at = parent[at]
    return flags, reference


#: rounds of :func:`group_flags` done for all events at once (grouping is one level deep)
ROUNDS = 8


def convert(lines: pd.DataFrame, fx: pd.DataFrame, cut: Cutoff, currency: str) -> np.ndarray:
    """Each line's net effect in ``currency`` at the rate known at the cut-off for its
    accounting date, exactly (a ``Decimal`` object array): a line in ``currency`` or of zero
    as it is, another multiplied by its rate at :data:`CONTEXT`'s precision."""
    nets = lines.net_effect.to_numpy(dtype=object)
    out = nets.copy()
    cur = lines.currency.to_numpy(dtype=object)
    todo = np.flatnonzero((cur != currency) & (nets != 0))
    if not len(todo):
        return out
    on = lines.accounted_on.to_numpy()[todo]
    keys = pd.DataFrame({"currency": pd.Series(cur[todo], dtype=object), "on": on})
    # one rate per (currency, day), in order of first appearance, as drop_duplicates keeps them
    pair = keys.groupby(["currency", "on"], sort=False).ngroup().to_numpy()
    pairs = keys.drop_duplicates()
    per_pair = np.empty(len(pairs), dtype=object)
    per_pair[:] = rates_on(fx, pairs, currency)
    rate = per_pair[pair]
    known = rate != None  # noqa: E711 (element-wise)
    out[todo[known]] = list(map(CONTEXT.multiply, nets[todo[known]], rate[known]))
    missing: dict[tuple[str, date], set[str]] = {}
    ids = lines.event_id.to_numpy(dtype=object)
    for i, c, day in zip(
        todo[~known].tolist(),
        cur[todo[~known]],
        on[~known].astype("datetime64[D]").tolist(),
        strict=True,
    ):
        missing.setdefault((c, day), set()).add(ids[i])
    if missing:
        shown = [
            f"{c}→{currency} on or before {on.isoformat()} (event {', '.join(sorted(ids))})"
            for (c, on), ids in sorted(missing.items())[:5]
        ]
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise MissingInputError(
            f"no FX rate {cut.where()} for "
            + "; ".join(shown)
            + more
            + ": record it with db.record_fx_rate(currency, date, rate)"
        )
    return out
