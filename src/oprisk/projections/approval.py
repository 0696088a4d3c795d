"""The approval threshold: loss events above an amount count only once approved (four eyes).

The threshold is a fact (``policy.approval_threshold_set``, set with
``Database.set_approval_threshold``), so an answer for a knowledge cut-off uses the threshold
known then and an export re-run later gives the same bytes. It is off until set. At a cut-off,
an event *awaits approval* when a threshold is set, it is not withdrawn, it is not approved now
(never approved, or returned to review by a material change) and its gross loss — every impact
line known at the cut-off, converted exactly into the threshold's currency at the rate known then
for the line's accounting date — is above the threshold. An event whose lines cannot all be
converted (no rate) awaits approval too: it is not shown to be below the threshold.

Capital (``services/capital/loss_data.py``), the C 17 data (``reports/data.py``) and
``losses()`` (the ``awaiting_approval`` column) leave such events out or show them as such.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, and_, select

from oprisk.domain.events import ApprovalThresholdSet
from oprisk.projections.queries import fx_at, rate_lookup, valid_at
from oprisk.store.schema import events, ledger_lines, loss_event_versions

POLICY = "policy"  # stream id and type of policy facts

V, L = loss_event_versions.c, ledger_lines.c


def threshold_at(conn: Connection, position: int) -> tuple[Decimal, str] | None:
    """The approval threshold (amount, currency) known at ``position``; ``None`` when off."""
    q = (
        select(events.c.payload)
        .where(
            events.c.stream_type == POLICY,
            events.c.event_type == ApprovalThresholdSet.event_type,
            events.c.position <= position,
        )
        .order_by(events.c.position.desc())
        .limit(1)
    )
    payload = conn.execute(q).scalar()
    if payload is None:
        return None
    f = ApprovalThresholdSet.model_validate(payload)
    return None if f.amount is None else (f.amount, f.currency)


def awaiting_approval(conn: Connection, position: int, head: int) -> set[str]:
    """The events that do not count at ``position`` because they await approval (see above)."""
    threshold = threshold_at(conn, position)
    if threshold is None:
        return set()
    amount, currency = threshold
    current = V.valid_to_position.is_(None) if position >= head else valid_at(position)
    q = (
        select(L.event_id, L.currency, L.accounted_on, L.gross_effect)
        .join(loss_event_versions, and_(V.event_id == L.event_id, current))
        .where(L.position <= position, V.approved_version.is_(None), V.status != "withdrawn")
    )
    fx = fx_at(conn, position)
    rates: dict[tuple[str, object], Decimal | None] = {}
    gross: dict[str, Decimal] = {}
    unknown: set[str] = set()
    for eid, cur, on, effect in conn.execute(q):
        if cur == currency:
            rate: Decimal | None = Decimal(1)
        else:
            if (cur, on) not in rates:
                rates[(cur, on)] = rate_lookup(fx, cur, currency, on) if len(fx) else None
            rate = rates[(cur, on)]
        if rate is None:
            unknown.add(eid)
            continue
        gross[eid] = gross.get(eid, Decimal(0)) + Decimal(effect) * rate
    return unknown | {eid for eid, g in gross.items() if g > amount}
