"""Basel Pillar 3 (DIS60) OR1 historical losses, OR2 Business Indicator, OR3 minimum capital.

Every figure comes from the capital module through :mod:`.capital_inputs`, read at the export's
knowledge cut-off. Row and column labels follow reference §6.6 and are **unconfirmed** there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .capital_inputs import CapitalInputs
from .table import Period, Table, money

YEAR_COLS = tuple("abcdefghij")
OR1_ROWS = (
    (
        "1",
        "amount",
        "Using 20,000 threshold: total amount of operational losses net of recoveries (no exclusions)",
    ),
    ("2", "count", "Using 20,000 threshold: total number of operational risk losses"),
    ("3", "amount", "Using 20,000 threshold: total amount of excluded operational risk losses"),
    ("4", "count", "Using 20,000 threshold: total number of excluded operational risk losses"),
    (
        "5",
        "amount",
        "Using 20,000 threshold: total amount of operational losses net of recoveries and net of excluded losses",
    ),
    (
        "6",
        "amount",
        "Using 100,000 threshold: total amount of operational losses net of recoveries (no exclusions)",
    ),
    ("7", "count", "Using 100,000 threshold: total number of operational risk losses"),
    ("8", "amount", "Using 100,000 threshold: total amount of excluded operational risk losses"),
    ("9", "count", "Using 100,000 threshold: total number of excluded operational risk losses"),
    (
        "10",
        "amount",
        "Using 100,000 threshold: total amount of operational losses net of recoveries and net of excluded losses",
    ),
    (
        "11",
        "text",
        "Details of the capital calculation: are losses used to calculate the ILM (yes/no)?",
    ),
    (
        "12",
        "text",
        "If no in row 11, is the exclusion of internal loss data due to non-compliance with the minimum loss data standards (yes/no)?",
    ),
    (
        "13",
        "amount",
        "Loss event threshold: 20,000 or 100,000 for the operational risk capital calculation",
    ),
)
OR2_ROWS = (
    ("1", "Interest, lease and dividend component (ILDC)", None),
    ("1a", "Interest and lease income", "interest_income"),
    ("1b", "Interest and lease expense", "interest_expense"),
    ("1c", "Interest earning assets", "interest_earning_assets"),
    ("1d", "Dividend income", "dividend_income"),
    ("2", "Services component (SC)", None),
    ("2a", "Fee and commission income", "fee_income"),
    ("2b", "Fee and commission expense", "fee_expense"),
    ("2c", "Other operating income", "other_operating_income"),
    ("2d", "Other operating expense", "other_operating_expense"),
    ("3", "Financial component (FC)", None),
    ("3a", "Net P&L on the trading book", "net_pnl_trading_book"),
    ("3b", "Net P&L on the banking book", "net_pnl_banking_book"),
    ("4", "Business indicator (BI)", None),
    ("5", "Business indicator component (BIC)", None),
    ("6a", "Disclosure on the BI: BI gross of excluded divested activities", None),
    ("6b", "Disclosure on the BI: reduction in BI due to excluded divested activities", None),
)
OR3_ROWS = (
    ("1", "amount", "Business indicator component (BIC)"),
    ("2", "ratio", "Internal loss multiplier (ILM)"),
    ("3", "amount", "Minimum required operational risk capital (ORC)"),
    ("4", "amount", "Operational risk RWA"),
)
UNCONFIRMED = "OR1 / OR2 / OR3 row and column labels are unconfirmed (reference §6.6, §10)."


def or1(
    inputs: CapitalInputs,
    period: Period,
    *,
    profile: str = "basel",
    threshold: Decimal = Decimal(20_000),
    **options: Any,
) -> Table:
    """OR1: ten years of net losses at the 20,000 and 100,000 thresholds, with and without exclusions."""
    year = period.capital_year
    years = [year - i for i in range(10)]
    cols = dict(zip(years, YEAR_COLS, strict=True))
    cells: dict[tuple[str, str], Any] = {}
    cell_kinds: dict[tuple[str, str], str] = {}
    limits = (Decimal(20_000), Decimal(100_000))
    losses = inputs.annual_losses(year, profile=profile, thresholds=limits)
    zero = Decimal(0)
    for first, limit in zip(("1", "6"), limits, strict=True):
        base = int(first)
        g, n = losses[(limit, False)], losses[(limit, True)]
        series: dict[str, dict[int, Decimal]] = {str(base + i): {} for i in range(5)}
        for y in years:
            (g_net, g_events), (n_net, n_events) = g.get(y, (zero, 0)), n.get(y, (zero, 0))
            series[str(base)][y] = g_net
            series[str(base + 1)][y] = Decimal(g_events)
            series[str(base + 4)][y] = n_net
            series[str(base + 3)][y] = Decimal(g_events - n_events)
            series[str(base + 2)][y] = series[str(base)][y] - series[str(base + 4)][y]
        for row, values in series.items():
            for y, v in values.items():
                cells[(row, cols[y])] = (
                    money(v) if row in ("1", "3", "5", "6", "8", "10") else int(v)
                )
            cells[(row, "k")] = money(sum(values.values(), zero) / len(years))
            cell_kinds[(row, "k")] = "amount"
    run = inputs.sa(year, profile=profile, threshold=threshold, **options)
    used = run.result.ilm_rule == "formula"
    cells[("11", "a")] = "Yes" if used else "No"
    cells[("12", "a")] = (
        None if used else ("Yes" if run.result.ilm_rule == "standards-not-met" else "No")
    )
    cells[("13", "a")] = money(threshold)
    columns = {c: f"{'T' if i == 0 else f'T-{i}'} ({year - i})" for i, c in enumerate(YEAR_COLS)}
    columns["k"] = "Ten-year average"
    return Table(
        code="or1",
        template="OR1",
        title=f"Historical losses, years {year - 9}-{year}",
        rows=tuple(r for r, _, _ in OR1_ROWS),
        columns=(*YEAR_COLS, "k"),
        row_labels={r: label for r, _, label in OR1_ROWS},
        column_labels=columns,
        row_kinds={r: k for r, k, _ in OR1_ROWS},
        cells=cells,
        cell_kinds=cell_kinds,
        period=period,
        cutoff=inputs.cutoff,
        currency=inputs.currency,
        notes=(
            UNCONFIRMED,
            "Net losses by accounting year; the threshold applies to each (root) event's aggregated net loss "
            "over the ten years; received recoveries only; gains and credit-boundary losses never count; "
            "'excluded' means an approved supervisory exclusion.",
            f"Profile {run.profile.name}; ILM rule {run.result.ilm_rule}: {run.result.ilm_reason}",
            *run.notes,
        ),
        sections=(
            ("1", "Using 20,000 threshold"),
            ("6", "Using 100,000 threshold"),
            ("11", "Details of the operational risk capital calculation"),
        ),
    )


def or2(
    inputs: CapitalInputs,
    period: Period,
    *,
    profile: str = "basel",
    threshold: Decimal = Decimal(20_000),
    **options: Any,
) -> Table:
    """OR2: the BI sub-items for T, T-1, T-2 and the three-year components, BI and BIC."""
    year = period.capital_year
    run = inputs.sa(year, profile=profile, threshold=threshold, **options)
    r = run.result
    bi = r.business_indicator
    cols = {year: "a", year - 1: "b", year - 2: "c"}
    cells: dict[tuple[str, str], Any] = {}
    for y in bi.yearly:
        if y.year in cols:
            for row, _, attr in OR2_ROWS:
                if attr:
                    cells[(row, cols[y.year])] = money(getattr(y, attr))
    for row, value in (
        ("1", bi.ildc),
        ("2", bi.sc),
        ("3", bi.fc),
        ("4", r.bi),
        ("5", r.bic.bic),
        ("6a", r.bi),
        ("6b", Decimal(0)),
    ):
        cells[(row, "a")] = money(value)
    return Table(
        code="or2",
        template="OR2",
        title=f"Business indicator and subcomponents, year {year}",
        rows=tuple(r for r, _, _ in OR2_ROWS),
        columns=("a", "b", "c"),
        row_labels={r: label for r, label, _ in OR2_ROWS},
        column_labels={"a": f"T ({year})", "b": f"T-1 ({year - 1})", "c": f"T-2 ({year - 2})"},
        row_kinds={r: "amount" for r, _, _ in OR2_ROWS},
        cells=cells,
        period=period,
        cutoff=inputs.cutoff,
        currency=inputs.currency,
        notes=(
            UNCONFIRMED,
            "Rows 1, 2, 3, 4 and 5 are the three-year figures the BI is made of (absolute values year by "
            "year, then averages), shown in column a; sub-items 1a-3b are shown for each year.",
            "Divested activities are not recorded: row 6a equals the BI and row 6b is 0.",
            *run.notes,
        ),
        sections=(("1", "Business indicator"), ("6a", "Disclosure on the BI")),
    )


def or3(
    inputs: CapitalInputs,
    period: Period,
    *,
    profile: str = "basel",
    threshold: Decimal = Decimal(20_000),
    **options: Any,
) -> Table:
    """OR3: BIC, ILM, minimum required capital and RWA."""
    year = period.capital_year
    run = inputs.sa(year, profile=profile, threshold=threshold, **options)
    r = run.result
    cells = {
        ("1", "a"): money(r.bic.bic),
        ("2", "a"): r.ilm.quantize(Decimal("0.000001")),
        ("3", "a"): money(r.orc),
        ("4", "a"): money(r.rwa),
    }
    return Table(
        code="or3",
        template="OR3",
        title=f"Minimum required operational risk capital, year {year}",
        rows=tuple(r for r, _, _ in OR3_ROWS),
        columns=("a",),
        row_labels={r: label for r, _, label in OR3_ROWS},
        column_labels={"a": f"T ({year})"},
        row_kinds={r: k for r, k, _ in OR3_ROWS},
        cells=cells,
        period=period,
        cutoff=inputs.cutoff,
        currency=inputs.currency,
        notes=(
            UNCONFIRMED,
            f"Profile {run.profile.name}; ILM rule {r.ilm_rule}: {r.ilm_reason}",
            "RWA = 12.5 × the unrounded capital.",
            *run.notes,
        ),
    )
