"""COREP C 17.01 (losses and recoveries by business line × event type) and C 17.02 (large events).

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
- bands use the event's aggregated gross loss; an adjustment that moves an event to another
  band is shown in both the old and the new band.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .data import Line, LossData
from .table import Period, Table, money

ZERO = Decimal(0)

#: (first row code, business line, label, short name) in template order
BLOCKS = (
    (10, "BL1", "Corporate finance", "CF"),
    (110, "BL2", "Trading and sales", "T&S"),
    (210, "BL8", "Retail brokerage", "RBr"),
    (310, "BL4", "Commercial banking", "CB"),
    (410, "BL3", "Retail banking", "RB"),
    (510, "BL5", "Payment and settlement", "P&S"),
    (610, "BL6", "Agency services", "AS"),
    (710, "BL7", "Asset management", "AM"),
    (810, "BL9", "Corporate items", "Corporate items"),
)
#: (offset in the block, key, kind, label)
ITEMS = (
    (0, "events", "count", "Number of events (new events)"),
    (10, "gross", "amount", "Gross loss amount (new events)"),
    (20, "adj_events", "count", "Number of events subject to loss adjustments"),
    (30, "adjustments", "amount", "Loss adjustments relating to previous reporting periods"),
    (40, "max", "amount", "Maximum single loss"),
    (50, "top5", "amount", "Sum of the five largest losses"),
    (
        60,
        "direct",
        "amount",
        "Total direct loss recovery (except insurance and other risk transfer mechanisms)",
    ),
    (70, "insurance", "amount", "Total recovery from insurance and other risk transfer mechanisms"),
)
EVENT_TYPES = (
    ("0010", "ET1", "Internal fraud"),
    ("0020", "ET2", "External fraud"),
    ("0030", "ET3", "Employment practices and workplace safety"),
    ("0040", "ET4", "Clients, products and business practices"),
    ("0050", "ET5", "Damage to physical assets"),
    ("0060", "ET6", "Business disruption and system failures"),
    ("0070", "ET7", "Execution, delivery and process management"),
)
TOTAL_COL, THRESHOLD_LOW, THRESHOLD_HIGH = "0080", "0090", "0100"
BANDS = (
    (1, Decimal(10_000), Decimal(20_000), "10,000 ≤ gross loss < 20,000"),
    (2, Decimal(20_000), Decimal(100_000), "20,000 ≤ gross loss < 100,000"),
    (3, Decimal(100_000), Decimal(1_000_000), "100,000 ≤ gross loss < 1,000,000"),
    (4, Decimal(1_000_000), None, "gross loss ≥ 1,000,000"),
)
#: totals block: (row, key, kind, label, band or None)
TOTAL_ROWS = (
    [("0910", "events", "count", "Number of events (new events)", None)]
    + [
        (f"{910 + b:04d}", "events", "count", f"Number of events (new events): {t}", b)
        for b, _, _, t in BANDS
    ]
    + [("0920", "gross", "amount", "Gross loss amount (new events)", None)]
    + [
        (f"{920 + b:04d}", "gross", "amount", f"Gross loss amount (new events): {t}", b)
        for b, _, _, t in BANDS
    ]
    + [("0930", "adj_events", "count", "Number of events subject to loss adjustments", None)]
    + [
        (
            f"{930 + b:04d}",
            "adj_events",
            "count",
            f"Number of events subject to loss adjustments: {t}",
            b,
        )
        for b, _, _, t in BANDS
    ]
    + [
        (
            "0935",
            "adjustments",
            "amount",
            "Loss adjustments relating to previous reporting periods",
            None,
        )
    ]
    + [
        (
            f"{935 + b:04d}",
            "adjustments",
            "amount",
            f"Loss adjustments relating to previous reporting periods: {t}",
            b,
        )
        for b, _, _, t in BANDS
    ]
    + [
        ("0940", "max", "amount", "Maximum single loss", None),
        ("0950", "top5", "amount", "Sum of the five largest losses", None),
        ("0960", "direct", "amount", ITEMS[6][3], None),
        ("0970", "insurance", "amount", ITEMS[7][3], None),
    ]
)

C17_01_NOTES = (
    "Row codes 0930-0970 of the totals block and the labels of rows x30, x70 and x80 are unconfirmed "
    "(reference §6.2, §10).",
    "Bands use the event's aggregated gross loss in the reporting currency; an adjustment that moves an "
    "event to another band is shown in both bands, so band rows 0931-0939 need not add up to 0930 / 0935.",
    "An event split across business lines is counted in each business line and once in the totals.",
)


def band(amount: Decimal) -> int | None:
    for b, low, high, _ in BANDS:
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

    def value(self, key: str) -> int | Decimal:
        if key in ("events", "adj_events"):
            return len(getattr(self, key))
        if key == "max":
            return money(max(self.candidates, default=ZERO))
        if key == "top5":
            return money(sum(sorted(self.candidates, reverse=True)[:5], ZERO))
        return money(getattr(self, key))


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
    """Every group with a first accounting date up to the period end, in group-id order."""
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


def c17_01(data: LossData, period: Period, *, threshold: Decimal = Decimal(10_000)) -> Table:
    """C 17.01 for ``period`` from the loss data read at the cut-off."""
    acc: dict[tuple[str, str], _Acc] = defaultdict(
        _Acc
    )  # (block BL or "total" or "band<n>", ET or "all")

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
            scopes = ["total"] + ([f"band{b}"] if (b := band(g.gross)) else [])
            for scope in scopes:
                for a in each(scope, et):
                    a.events.add(g.group_id)
                    a.gross += g.gross
                    if scope == "total":
                        a.candidates.append(g.gross)
        elif g.adjusted:
            for bl, amount in sorted(g.by_line(g.period_impacts).items()):
                for a in each(bl, et):
                    a.adj_events.add(g.group_id)
                    a.adjustments += amount
                    if amount > 0:
                        a.candidates.append(amount)
            adjustment = g.gross - g.before
            bands = sorted({b for b in (band(g.before), band(g.gross)) if b is not None})
            for scope in ["total"] + [f"band{b}" for b in bands]:
                for a in each(scope, et):
                    a.adj_events.add(g.group_id)
                    a.adjustments += adjustment
                    if scope == "total" and adjustment > 0:
                        a.candidates.append(adjustment)
        for ln in g.lines:
            if ln.line_type == "recovery" and ln.received and ln.accounted_on >= period.start:
                for scope in (ln.business_line, "total"):
                    for a in each(scope, et):
                        if ln.kind == "insurance":
                            a.insurance += ln.amount
                        else:
                            a.direct += ln.amount

    columns = (*(c for c, _, _ in EVENT_TYPES), TOTAL_COL, THRESHOLD_LOW, THRESHOLD_HIGH)
    column_labels = {c: f"{et} {label}" for c, et, label in EVENT_TYPES}
    column_labels |= {
        TOTAL_COL: "Total event types",
        THRESHOLD_LOW: "Memorandum: data-collection threshold (lowest)",
        THRESHOLD_HIGH: "Memorandum: data-collection threshold (highest)",
    }
    et_cols = [(c, et) for c, et, _ in EVENT_TYPES] + [(TOTAL_COL, "all")]
    rows: list[str] = []
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    cells: dict[tuple[str, str], object] = {}
    cell_kinds: dict[tuple[str, str], str] = {}
    sections: list[tuple[str, str]] = []
    limit = money(threshold)

    for base, bl, name, short in BLOCKS:
        sections.append((f"{base:04d}", f"{name} ({short}, {bl})"))
        for offset, key, kind, label in ITEMS:
            row = f"{base + offset:04d}"
            rows.append(row)
            labels[row] = f"{short}: {label}"
            kinds[row] = kind
            for col, et in et_cols:
                cells[(row, col)] = acc[(bl, et)].value(key)
            if offset == 0:
                for col in (THRESHOLD_LOW, THRESHOLD_HIGH):
                    cells[(row, col)] = limit
                    cell_kinds[(row, col)] = "amount"
    sections.append(("0910", "Total business lines"))
    for row, key, kind, label, b in TOTAL_ROWS:
        rows.append(row)
        labels[row] = label
        kinds[row] = kind
        scope = "total" if b is None else f"band{b}"
        for col, et in et_cols:
            cells[(row, col)] = acc[(scope, et)].value(key)
    for col in (THRESHOLD_LOW, THRESHOLD_HIGH):
        cells[("0910", col)] = limit
        cell_kinds[("0910", col)] = "amount"
    return Table(
        code="c17.01",
        template="C 17.01",
        title="Operational risk: losses and recoveries by business line and event type (OPR DETAILS 1)",
        rows=tuple(rows),
        columns=columns,
        row_labels=labels,
        column_labels=column_labels,
        row_kinds=kinds,
        cells=cells,
        period=period,
        cutoff=data.cutoff,
        currency=data.currency,
        notes=C17_01_NOTES,
        cell_kinds=cell_kinds,
        sections=tuple(sections),
    )


C17_02_COLUMNS = (
    ("0020", "date", "Date of accounting (first)"),
    ("0030", "date", "Date of occurrence"),
    ("0040", "date", "Date of discovery"),
    ("0050", "text", "Event type"),
    ("0060", "amount", "Gross loss"),
    ("0070", "amount", "Gross loss net of direct recoveries"),
    *(
        (f"{80 + 10 * i:04d}", "amount", f"Gross loss: {short}")
        for i, (_, _, _, short) in enumerate(BLOCKS)
    ),
    ("0170", "text", "Legal entity name"),
    ("0180", "text", "Legal entity identifier (LEI)"),
    ("0190", "text", "Business unit"),
    ("0200", "text", "Description"),
)
_SPLIT = {bl: f"{80 + 10 * i:04d}" for i, (_, bl, _, _) in enumerate(BLOCKS)}
C17_02_NOTES = (
    "The C 17.02 column list and codes are unconfirmed (reference §6.3, §10); column 0010 (event ID) is the row key.",
    "Rows: (root) events first accounted in the period or adjusted in it whose aggregated gross loss up to the "
    "period end is at least the threshold; amounts are aggregated up to the period end; largest first.",
)


def c17_02(data: LossData, period: Period, *, threshold: Decimal = Decimal(100_000)) -> Table:
    """C 17.02: one row per (root) event with an aggregated gross loss ≥ ``threshold``."""
    picked = [g for g in groups(data, period) if (g.new or g.adjusted) and g.gross >= threshold]
    picked.sort(key=lambda g: (-g.gross, g.group_id))
    cells: dict[tuple[str, str], object] = {}
    rows = []
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
        row = g.group_id
        rows.append(row)
        description = root.title + (f" — {root.description}" if root.description else "")
        others = [m for m in members if m != g.group_id]
        if others:
            description += f" (grouped: {', '.join(others)})"
        cells |= {
            (row, "0020"): g.first_accounted_on,
            (row, "0030"): min(
                (m.occurred_on for m in infos if m.occurred_on), default=root.occurred_on
            ),
            (row, "0040"): min(
                (m.discovered_on for m in infos if m.discovered_on), default=root.discovered_on
            ),
            (row, "0050"): root.event_type,
            (row, "0060"): money(g.gross),
            (row, "0070"): money(g.gross - direct),
            (row, "0170"): root.legal_entity or None,
            (row, "0180"): root.lei,
            (row, "0190"): root.org_unit or None,
            (row, "0200"): description,
        }
        split = g.by_line(g.lines)
        for bl, col in _SPLIT.items():
            cells[(row, col)] = money(split.get(bl, ZERO))
    return Table(
        code="c17.02",
        template="C 17.02",
        title="Operational risk: largest loss events (OPR DETAILS 2)",
        rows=tuple(rows),
        columns=tuple(c for c, _, _ in C17_02_COLUMNS),
        row_labels={r: r for r in rows},
        column_labels={c: label for c, _, label in C17_02_COLUMNS},
        row_kinds={},
        column_kinds={c: k for c, k, _ in C17_02_COLUMNS},
        cells=cells,
        period=period,
        cutoff=data.cutoff,
        currency=data.currency,
        notes=C17_02_NOTES,
        row_header="0010 Event ID",
    )
