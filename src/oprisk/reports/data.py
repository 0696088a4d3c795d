"""Loss data for the C 17 templates, read once at a knowledge cut-off.

:func:`load` takes one consistent snapshot at a log position — the loss-event versions valid at
that position, every ledger line recorded up to it, the FX rates known at it — and converts each
line to the reporting currency **exactly** (``Decimal``) at the rate known at the cut-off for the
line's accounting date. Events are resolved to their **group** (the root event, followed to the
top; a withdrawn root does not name a group) and the scope rules are applied per member:
withdrawn events, gains, near misses and (by default) credit-boundary losses are left out, and a
gain or boundary flag on the root applies to the whole group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from oprisk.errors import MissingInputError
from oprisk.projections import queries as q
from oprisk.projections.approval import awaiting_approval
from oprisk.projections.capital_reads import EVENT_COLUMNS, LossInputs, inputs_from

from .table import Cutoff

if TYPE_CHECKING:
    from oprisk.ports import Transactions


#: the columns of the loss-event versions and ledger lines that members and lines are made of (read
#: in SQL: a million lines of every column would hold more than the lines themselves)
MEMBER_COLUMNS = [
    *("event_id", "root_event_id", "status", "gain", "near_miss", "credit_boundary"),
    *("event_type_l1", "business_line_l1", "title", "description", "legal_entity", "lei"),
    *("org_unit", "occurred_on", "discovered_on"),
]
LINE_COLUMNS = [
    *("event_id", "line_id", "line_type", "kind", "currency", "accounted_on"),
    *("gross_effect", "amount", "received"),
]


@dataclass(frozen=True, slots=True)
class Member:
    """One loss event as known at the cut-off (the fields the templates read)."""

    event_id: str
    group_id: str
    event_type: str  # level 1, e.g. ET7
    business_line: str  # level 1, BL1..BL9
    title: str
    description: str
    legal_entity: str
    lei: str | None
    org_unit: str
    occurred_on: date | None
    discovered_on: date | None
    in_scope: bool
    why_out: str | None


@dataclass(frozen=True, slots=True)
class Line:
    """One ledger line in the reporting currency, attributed to its event's group."""

    event_id: str
    group_id: str
    business_line: str
    line_type: str  # impact | recovery
    kind: str
    accounted_on: date
    gross: Decimal  # signed effect on the gross loss, reporting currency
    amount: Decimal  # as recorded (positive), reporting currency
    received: bool


@dataclass(frozen=True)
class LossData:
    cutoff: Cutoff
    currency: str
    members: dict[str, Member]
    lines: tuple[Line, ...]  # in-scope lines only, in log order
    #: what the templates derive from the lines, per period (see :func:`.c17.groups`)
    views: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def root(self, group_id: str) -> Member:
        return self.members[group_id]


def resolve_cutoff(uow: Transactions, as_of: Any) -> Cutoff:
    position, time = uow.cutoff(as_of)
    return Cutoff(position, time)


def load(
    uow: Transactions,
    cutoff: Cutoff,
    currency: str,
    *,
    include_credit_boundary: bool = False,
    share: Callable[[int, LossInputs], None] | None = None,
) -> LossData:
    """Everything the C 17 builders need, as known at ``cutoff.position``. ``share`` (e.g.
    :meth:`~oprisk.services.capital.CapitalService.share_inputs`) is handed what the capital loss
    data are computed from, taken from the same reads (a few more columns), so that they do not
    read the events and lines a second time."""
    extra = [c for c in EVENT_COLUMNS if c not in MEMBER_COLUMNS] if share else []
    with uow.reading() as conn:
        head = uow.store.head(conn)
        versions = q.versions_at(conn, cutoff.position, head, [*MEMBER_COLUMNS, *extra])
        ledger = q.ledger_at(
            conn,
            cutoff.position,
            columns=[*LINE_COLUMNS, "position", *(["net_effect"] if share else [])],
        )
        fx = q.fx_at(conn, cutoff.position)
        waiting = awaiting_approval(conn, cutoff.position, head)
    if share is not None:
        share(cutoff.position, inputs_from(versions, ledger, fx, waiting))
    rows = {str(r["event_id"]): r for r in _records(versions)}
    del versions  # the frame and the rows as dicts are done with once the members are made
    members = {eid: _member(eid, rows, include_credit_boundary) for eid in sorted(rows)}
    del rows
    for eid in waiting & {eid for eid, m in members.items() if m.in_scope}:
        members[eid] = replace(members[eid], in_scope=False, why_out="awaiting approval")
    ledger = ledger.sort_values("position", kind="stable")[LINE_COLUMNS]
    rates = _rates(ledger, members, fx, currency)
    lines: list[Line] = []
    for r in _records(ledger):
        m = members.get(str(r["event_id"]))
        if m is None or not m.in_scope:
            continue
        key = (str(r["currency"]), r["accounted_on"])
        if key not in rates:
            raise MissingInputError(
                f"no {key[0]}/{currency} FX rate dated on or before {key[1].isoformat()} is known at "
                f"{cutoff.describe()} (line {r['line_id']!r} of loss event {m.event_id!r}): "
                "record one with db.record_fx_rate"
            )
        rate = rates[key]
        lines.append(
            Line(
                event_id=m.event_id,
                group_id=m.group_id,
                business_line=m.business_line,
                line_type=str(r["line_type"]),
                kind=str(r["kind"]),
                accounted_on=r["accounted_on"],
                gross=Decimal(r["gross_effect"]) * rate,
                amount=Decimal(r["amount"]) * rate,
                received=bool(r["received"]),
            )
        )
    return LossData(cutoff, currency, members, tuple(lines))


def _records(frame: pd.DataFrame, chunk: int = 50_000) -> Iterator[dict[str, Any]]:
    """``frame.to_dict("records")``, the same values, built from each column's ``tolist()``
    (several times faster on Arrow-backed text columns), one row at a time and ``chunk`` rows'
    values at a time (a million ledger lines as Python values at once would hold more memory
    than the lines made from them)."""
    columns = list(frame.columns)
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start : start + chunk]
        values = [part[c].tolist() for c in columns]
        yield from (dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True))


def _rates(
    ledger: pd.DataFrame, members: dict[str, Member], fx: pd.DataFrame, currency: str
) -> dict[tuple[str, date], Decimal]:
    """The rate of every (currency, accounting date) of the in-scope lines that has one: all
    found at once (:func:`~oprisk.projections.queries.rates_on`, the rule of ``rate_lookup``)."""
    if ledger.empty:
        return {}
    scope = {eid for eid, m in members.items() if m.in_scope}
    lines = ledger[ledger.event_id.astype(str).isin(scope)]
    keys = pd.DataFrame(
        {"currency": lines.currency.astype(str).to_numpy(dtype=object),
         "day": lines.accounted_on.to_numpy(dtype=object)}
    ).drop_duplicates()  # fmt: skip
    found = q.rates_on(fx, keys.assign(on=q.day_numbers(keys.day.to_numpy())), currency)
    return {
        (cur, day): Decimal(rate)
        for cur, day, rate in zip(keys.currency, keys.day, found, strict=True)
        if rate is not None
    }


def _group(eid: str, rows: dict[str, dict[str, Any]]) -> str:
    top, cur, seen = eid, eid, {eid}
    while True:
        root = _text(rows[cur].get("root_event_id"))
        if root is None or root not in rows or root in seen:
            return top
        seen.add(root)
        if rows[root]["status"] != "withdrawn":
            top = root
        cur = root


def _member(eid: str, rows: dict[str, dict[str, Any]], include_credit_boundary: bool) -> Member:
    r = rows[eid]
    gid = _group(eid, rows)
    root = rows[gid]
    why: str | None = None
    if r["status"] == "withdrawn":
        why = "withdrawn"
    elif bool(r["gain"]) or bool(root["gain"]):
        why = "gain"
    elif bool(r["near_miss"]):
        why = "near miss"
    elif not include_credit_boundary and (
        bool(r["credit_boundary"]) or bool(root["credit_boundary"])
    ):
        why = "credit-risk boundary"
    return Member(
        event_id=eid,
        group_id=gid,
        event_type=str(root["event_type_l1"]),
        business_line=str(r["business_line_l1"]),
        title=str(r["title"] or ""),
        description=str(r["description"] or ""),
        legal_entity=str(r["legal_entity"] or ""),
        lei=_text(r.get("lei")),
        org_unit=str(r["org_unit"] or ""),
        occurred_on=_date(r.get("occurred_on")),
        discovered_on=_date(r.get("discovered_on")),
        in_scope=why is None,
        why_out=why,
    )


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    s = str(value).strip()
    return s or None


def _date(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))
