"""C 17.01 (losses and recoveries by business line × event type) and C 17.02 (large events),
legacy (framework 3.x) and EBA 4.2 (C 17.01.a / C 17.01.b / C 17.02).

The figures are computed once per period as values keyed by the sources of the template
definitions (``c17|<BL or total>|<measure>|<ET or all>``, ``threshold|…``, ``event|…``);
:func:`~oprisk.reports.definitions.fill` places them in either framework's cells.

Rules (reference §6.2–6.3, docs/reports.md):

- an event is **new** in the period when its first accounting date (earliest impact line) lies
  in it; its gross loss is the sum of its gross effects accounted up to the period end;
- an event first accounted **before** the period is **adjusted** when it has impact lines
  accounted in the period; the adjustment is their sum (incremental, positive or negative);
- grouped events are reported once, under their root (the root's event type; amounts split by
  each member's business line); withdrawn events, gains, near misses and (by default)
  credit-boundary losses are out; reclassifications apply as known at the cut-off;
- amounts are in the reporting currency, each line converted at its accounting date;
- the collection threshold applies to an event's aggregated gross loss (for an adjusted event,
  before or after the adjustment);
- recoveries count when received, in the period they are accounted (CRR3 Art 318: a recovery
  is a payment received from a third party; a receivable does not reduce the loss);
- bands use the event's aggregated gross loss; in the legacy layout an adjustment that moves an
  event to another band is shown in both the old and the new band.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .data import Line, LossData
from .definitions import fill, framework, table_def
from .table import Period, Table, money

ZERO = Decimal(0)
BUSINESS_LINES = ("BL1", "BL2", "BL8", "BL4", "BL3", "BL5", "BL6", "BL7", "BL9")
EVENT_TYPES = ("ET1", "ET2", "ET3", "ET4", "ET5", "ET6", "ET7")
BANDS = (
    (1, Decimal(10_000), Decimal(20_000)),
    (2, Decimal(20_000), Decimal(100_000)),
    (3, Decimal(100_000), Decimal(1_000_000)),
    (4, Decimal(1_000_000), None),
)
MEASURES: tuple[str, ...] = (
    *("events", "gross", "adj_events", "adjustments", "max", "top5", "direct", "insurance"),
    *("adj_events_pos", "adj_events_neg", "adjustments_pos", "adjustments_neg"),
)
#: the LEI member of the C 17.02 "type of code" domain (qCO) — *unconfirmed* label, see docs
LEI_CODE_TYPE = "eba_qCO:qx2000"

NOTES = (
    "An event split across business lines is counted in each business line and once in the totals.",
    "Bands use the event's aggregated gross loss in the reporting currency.",
)
LEGACY_NOTES = (
    "Row codes 0930-0970 of the totals block and the labels of rows x30, x70 and x80 are "
    "unconfirmed (reference §6.2, §10).",
    "An adjustment that moves an event to another band is shown in both bands, so band rows "
    "0931-0939 need not add up to 0930 / 0935.",
)


def band(amount: Decimal) -> int | None:
    for b, low, high in BANDS:
        if amount >= low and (high is None or amount < high):
            return b
    return None


@dataclass
class _Acc:
    events: set[str] = field(default_factory=set)
    gross: Decimal = ZERO
    adj_events: set[str] = field(default_factory=set)
    adjustments: Decimal = ZERO
    candidates: list[Decimal] = field(default_factory=list)
    direct: Decimal = ZERO
    insurance: Decimal = ZERO
    adj_events_pos: set[str] = field(default_factory=set)
    adj_events_neg: set[str] = field(default_factory=set)
    adjustments_pos: Decimal = ZERO
    adjustments_neg: Decimal = ZERO

    def adjust(self, group_id: str, amount: Decimal, candidate: bool) -> None:
        self.adj_events.add(group_id)
        self.adjustments += amount
        if amount > 0:
            self.adj_events_pos.add(group_id)
            self.adjustments_pos += amount
            if candidate:
                self.candidates.append(amount)
        elif amount < 0:
            self.adj_events_neg.add(group_id)
            self.adjustments_neg += amount

    def value(self, key: str) -> int | Decimal:
        if key == "max":
            return money(max(self.candidates, default=ZERO))
        if key == "top5":
            return money(sum(sorted(self.candidates, reverse=True)[:5], ZERO))
        v = getattr(self, key)
        return len(v) if isinstance(v, set) else money(v)


@dataclass(frozen=True)
class GroupView:
    """One (root) event seen from a reporting period: what the templates read."""

    group_id: str
    first_accounted_on: date
    before: Decimal  # aggregated gross loss accounted before the period
    gross: Decimal  # aggregated gross loss accounted up to the period end
    new: bool
    period_impacts: tuple[Line, ...]
    lines: tuple[Line, ...]  # every line accounted up to the period end

    @property
    def adjusted(self) -> bool:
        return not self.new and bool(self.period_impacts)

    def by_line(self, lines: tuple[Line, ...]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for ln in lines:
            if ln.line_type == "impact":
                out[ln.business_line] = out.get(ln.business_line, ZERO) + ln.gross
        return out


def groups(data: LossData, period: Period) -> list[GroupView]:
    """Every group with a first accounting date up to the period end, in group-id order (built
    once per period and kept on ``data``: C 17.01 and C 17.02 read the same views)."""
    key = (period.start, period.end)
    if key not in data.views:
        data.views[key] = _groups(data, period)
    return data.views[key]


def _groups(data: LossData, period: Period) -> list[GroupView]:
    by_group: dict[str, list[Line]] = defaultdict(list)
    for ln in data.lines:
        if ln.accounted_on <= period.end:
            by_group[ln.group_id].append(ln)
    out = []
    for gid in sorted(by_group):
        lines = by_group[gid]
        impacts = [ln for ln in lines if ln.line_type == "impact"]
        if not impacts:
            continue
        first = min(ln.accounted_on for ln in impacts)
        out.append(
            GroupView(
                group_id=gid,
                first_accounted_on=first,
                before=sum((ln.gross for ln in lines if ln.accounted_on < period.start), ZERO),
                gross=sum((ln.gross for ln in lines), ZERO),
                new=first >= period.start,
                period_impacts=tuple(ln for ln in impacts if ln.accounted_on >= period.start),
                lines=tuple(lines),
            )
        )
    return out


def c17_values(data: LossData, period: Period, threshold: Decimal) -> dict[str, Any]:
    """Every C 17.01 figure of the period, keyed by its source (both frameworks' sources)."""
    acc: dict[tuple[str, str], _Acc] = defaultdict(_Acc)  # (BL | total | band<n>, ET | all)

    def each(scope: str, et: str) -> list[_Acc]:
        return [acc[(scope, et)], acc[(scope, "all")]]

    for g in groups(data, period):
        in_scope = g.gross >= threshold if g.new else max(g.before, g.gross) >= threshold
        if not in_scope:
            continue
        et = data.root(g.group_id).event_type
        if g.new:
            for bl, amount in sorted(g.by_line(g.lines).items()):
                for a in each(bl, et):
                    a.events.add(g.group_id)
                    a.gross += amount
                    a.candidates.append(amount)
            for scope in ["total"] + ([f"band{b}"] if (b := band(g.gross)) else []):
                for a in each(scope, et):
                    a.events.add(g.group_id)
                    a.gross += g.gross
                    if scope == "total":
                        a.candidates.append(g.gross)
        elif g.adjusted:
            for bl, amount in sorted(g.by_line(g.period_impacts).items()):
                for a in each(bl, et):
                    a.adjust(g.group_id, amount, candidate=True)
            bands = sorted({b for b in (band(g.before), band(g.gross)) if b is not None})
            for scope in ["total"] + [f"band{b}" for b in bands]:
                for a in each(scope, et):
                    a.adjust(g.group_id, g.gross - g.before, candidate=scope == "total")
        for ln in g.lines:
            if ln.line_type == "recovery" and ln.received and ln.accounted_on >= period.start:
                for scope in (ln.business_line, "total"):
                    for a in each(scope, et):
                        if ln.kind == "insurance":
                            a.insurance += ln.amount
                        else:
                            a.direct += ln.amount
    out: dict[str, Any] = {}
    for scope in (*BUSINESS_LINES, "total"):
        for et in (*EVENT_TYPES, "all"):
            for m in MEASURES:
                out[f"c17|{scope}|{m}|{et}"] = acc[(scope, et)].value(m)
            for b, _, _ in BANDS:
                for m in ("events", "gross", "adj_events", "adjustments"):
                    out[f"c17|total|{m}_band{b}|{et}"] = acc[(f"band{b}", et)].value(m)
        out[f"threshold|{scope}|low"] = out[f"threshold|{scope}|high"] = money(threshold)
    return out


def c17_02_values(
    data: LossData, period: Period, threshold: Decimal, *, eba: bool
) -> dict[str, dict[str, Any]]:
    """One row per (root) event new or adjusted in the period with an aggregated gross loss ≥
    ``threshold``, largest first: row id (the root's event id) → source → value."""
    picked = [g for g in groups(data, period) if (g.new or g.adjusted) and g.gross >= threshold]
    picked.sort(key=lambda g: (-g.gross, g.group_id))
    members_of = framework("4.2").meta["event_type_members"]
    out: dict[str, dict[str, Any]] = {}
    for g in picked:
        root = data.root(g.group_id)
        members = sorted({ln.event_id for ln in g.lines})
        infos = [data.members[m] for m in members]
        direct = sum(
            (
                ln.amount
                for ln in g.lines
                if ln.line_type == "recovery" and ln.received and ln.kind != "insurance"
            ),
            ZERO,
        )
        description = root.title + (f" — {root.description}" if root.description else "")
        others = [m for m in members if m != g.group_id]
        if others:
            description += f" (grouped: {', '.join(others)})"
        split = g.by_line(g.lines)
        out[g.group_id] = {
            "event|accounted_on": g.first_accounted_on,
            "event|occurred_on": min(
                (m.occurred_on for m in infos if m.occurred_on), default=root.occurred_on
            ),
            "event|discovered_on": min(
                (m.discovered_on for m in infos if m.discovered_on), default=root.discovered_on
            ),
            "event|event_type": members_of[root.event_type] if eba else root.event_type,
            "event|gross": money(g.gross),
            "event|gross_net_direct": money(g.gross - direct),
            "event|legal_entity": root.legal_entity or None,
            "event|lei": root.lei,
            "event|code": root.lei,
            "event|code_type": LEI_CODE_TYPE if root.lei else None,
            "event|business_unit": root.org_unit or None,
            "event|description": description,
            **{f"event|gross|{bl}": money(split.get(bl, ZERO)) for bl in BUSINESS_LINES},
        }
    return out


def c17_01(data: LossData, period: Period, *, threshold: Decimal) -> Table:
    """Legacy C 17.01 for ``period`` from the loss data read at the cut-off."""
    return fill(
        table_def("c17.01"),
        c17_values(data, period, threshold),
        period=period,
        cutoff=data.cutoff,
        currency=data.currency,
        notes=NOTES + LEGACY_NOTES,
    )


def c17_01_eba(data: LossData, period: Period, *, threshold: Decimal) -> list[Table]:
    """EBA 4.2 C 17.01.a (losses and recoveries) and C 17.01.b (thresholds applied)."""
    values = c17_values(data, period, threshold)
    return [
        fill(table_def(code), values, period=period, cutoff=data.cutoff, currency=data.currency,
             notes=NOTES)
        for code in ("c_17.01.a", "c_17.01.b")
    ]  # fmt: skip


def c17_02(data: LossData, period: Period, *, threshold: Decimal, eba: bool = False) -> Table:
    """C 17.02 (legacy, or EBA 4.2 with ``eba``): the large loss events of the period."""
    rows = c17_02_values(data, period, threshold, eba=eba)
    return fill(
        table_def("c_17.02" if eba else "c17.02"),
        rows,
        period=period,
        cutoff=data.cutoff,
        currency=data.currency,
        notes=(
            f"Rows: (root) events first accounted in the period or adjusted in it whose aggregated "
            f"gross loss up to the period end is at least {threshold:,f}; amounts aggregated up to "
            "the period end; largest first.",
        ),
        keys={rid: (rid,) for rid in rows},
    )
