"""Loss data for the loss component: net loss per (event, accounting year), exact, at one cut-off."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from oprisk.capital.results import CONTEXT
from oprisk.errors import MissingInputError
from oprisk.projections.queries import rate_lookup

from .gather import Cutoff, plain, text

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
    queries: Queries, cut: Cutoff, year: int, years: int, legal_entity: str | None, currency: str
) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
    """Net loss per (event, accounting year) in the window, in ``currency``, at the cut-off."""
    first, until = date(year - years + 1, 1, 1), date(year, 12, 31)
    events = queries.losses(cut.position, include_withdrawn=True)
    notes: list[str] = []
    if len(events):
        events = events.assign(
            root_event_id=events.root_event_id.astype(object).where(
                events.root_event_id.notna(), None
            )
        )
    by_id = events.set_index("event_id") if len(events) else events
    withdrawn_ids = set(events.event_id[events.status == "withdrawn"]) if len(events) else set()
    kept = events[events.status != "withdrawn"] if len(events) else events
    if len(kept) and kept.awaiting_approval.any():  # above the approval threshold, not approved
        waiting = sorted(kept.event_id[kept.awaiting_approval])
        notes.append(
            f"{len(waiting)} loss event(s) above the approval threshold left out until approved: "
            + ", ".join(waiting[:10])
            + (" …" if len(waiting) > 10 else "")
        )
        kept = kept[~kept.awaiting_approval]
    if legal_entity is not None and len(kept):
        unassigned = int((kept.legal_entity == "").sum()) if legal_entity != "" else 0
        kept = kept[kept.legal_entity == legal_entity]
        if unassigned:
            notes.append(
                f"{unassigned} loss event(s) with no legal entity left out "
                f"(only {legal_entity!r} is included)"
            )

    lines = queries.ledger(cut.position, accounted_until=until, exact=True)
    if len(lines):
        lines = lines[lines.accounted_on >= pd.Timestamp(first)]
    withdrawn = tuple(sorted(withdrawn_ids & set(lines.event_id))) if len(lines) else ()
    keep_ids = set(kept.event_id) if len(kept) else set()
    lines = lines[lines.event_id.isin(keep_ids)] if len(lines) else lines

    amounts = convert(queries, lines, cut, currency) if len(lines) else []
    summed: dict[tuple[str, int], list[Any]] = {}
    for (eid, accounted_on), amount in zip(
        lines[["event_id", "accounted_on"]].itertuples(index=False, name=None)
        if len(lines)
        else [],
        amounts,
        strict=True,
    ):
        entry = summed.setdefault((eid, accounted_on.year), [Decimal(0), 0])
        entry[0] += amount
        entry[1] += 1

    out = []
    for (eid, y), (amount, n) in sorted(summed.items()):
        ev = by_id.loc[eid]
        flags = {f: bool(ev[f]) for f in FLAGS}
        reference = text(ev.exclusion_reference)
        root = ev.root_event_id
        seen = {eid}
        while root is not None and root in by_id.index and root not in seen:
            seen.add(root)  # a flag on the root applies to the whole group, wherever the root is
            parent = by_id.loc[root]
            if parent.status != "withdrawn":
                flags = {f: flags[f] or bool(parent[f]) for f in FLAGS}
                reference = reference or text(parent.exclusion_reference)
            root = parent.root_event_id
        out.append(
            {
                "event_id": eid,
                "root_event_id": ev.root_event_id,
                "accounting_year": y,
                "net_loss": plain(amount),
                **flags,
                "exclusion_reference": reference,
                "currency": currency,
                "lines": n,
                "legal_entity": ev.legal_entity,
                "event_type": str(ev.event_type),
                "business_line": str(ev.business_line),
                "market_boundary": bool(ev.market_boundary),
                "legal": bool(ev.legal),
                "near_miss": bool(ev.near_miss),
                "status": ev.status,
            }
        )
    frame = pd.DataFrame(out, columns=LOSS_DATA_COLUMNS)
    return frame, withdrawn, tuple(notes)


def convert(queries: Queries, lines: pd.DataFrame, cut: Cutoff, currency: str) -> list[Decimal]:
    """Each line's net effect in ``currency`` at the rate known at the cut-off for its
    accounting date, exactly (the ledger's float ``*_reporting`` columns are not used)."""
    fx = queries.fx_rates(cut.position)
    rates: dict[tuple[str, date], Decimal | None] = {}
    out: list[Decimal] = []
    missing: dict[tuple[str, date], set[str]] = {}
    for eid, cur, on, net in lines[
        ["event_id", "currency", "accounted_on", "net_effect"]
    ].itertuples(index=False, name=None):
        net = Decimal(net)
        on = on.date()  # datetime64 in the ledger frame; FX rates are dated by calendar day
        if net == 0 or cur == currency:
            out.append(net)
            continue
        if (cur, on) not in rates:
            rates[(cur, on)] = rate_lookup(fx, cur, currency, on) if len(fx) else None
        rate = rates[(cur, on)]
        if rate is None:
            missing.setdefault((cur, on), set()).add(eid)
            out.append(Decimal(0))
        else:
            out.append(CONTEXT.multiply(net, rate))
    if missing:
        shown = [
            f"{cur}→{currency} on or before {on.isoformat()} (event {', '.join(sorted(ids))})"
            for (cur, on), ids in sorted(missing.items())[:5]
        ]
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise MissingInputError(
            f"no FX rate {cut.where()} for "
            + "; ".join(shown)
            + more
            + ": record it with db.record_fx_rate(currency, date, rate)"
        )
    return out
