"""COREP C 16.00 (legacy CRR): relevant indicator, loans and advances, own funds requirement.

Figures come from the capital module (BIA / TSA / ASA) through :mod:`.capital_inputs`; only the
rows of the approach asked for are filled. Reference §6.1.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .capital_inputs import CapitalInputs
from .table import Period, Table, money

ROWS = (
    ("010", None, "Banking activities subject to the basic indicator approach (BIA)"),
    (
        "020",
        None,
        "Banking activities subject to the standardised (TSA) / alternative standardised (ASA) approach",
    ),
    ("030", "BL1", "Subject to TSA: corporate finance (CF)"),
    ("040", "BL2", "Subject to TSA: trading and sales (TS)"),
    ("050", "BL8", "Subject to TSA: retail brokerage (RBr)"),
    ("060", "BL4", "Subject to TSA: commercial banking (CB)"),
    ("070", "BL3", "Subject to TSA: retail banking (RB)"),
    ("080", "BL5", "Subject to TSA: payment and settlement (PS)"),
    ("090", "BL6", "Subject to TSA: agency services (AS)"),
    ("100", "BL7", "Subject to TSA: asset management (AM)"),
    ("110", "BL4", "Subject to ASA: commercial banking (CB)"),
    ("120", "BL3", "Subject to ASA: retail banking (RB)"),
    ("130", None, "Banking activities subject to advanced measurement approaches (AMA)"),
)
COLUMNS = (
    ("010", "Relevant indicator: year-3"),
    ("020", "Relevant indicator: year-2"),
    ("030", "Relevant indicator: last year"),
    ("040", "Loans and advances (ASA): year-3"),
    ("050", "Loans and advances (ASA): year-2"),
    ("060", "Loans and advances (ASA): last year"),
    ("070", "Own funds requirement"),
    ("071", "Total operational risk exposure amount (12.5 × own funds requirement)"),
)
NOTES = (
    "Column 071 and the AMA columns 080-120 are unconfirmed codes (reference §6.1, §10); AMA is not computed.",
    "Only the rows of the approach reported are filled; ASA rows 110-120 show loans and advances.",
)


def c16(inputs: CapitalInputs, period: Period, *, approach: str = "tsa", **options: Any) -> Table:
    year = period.capital_year
    run = inputs.basel2(approach, year, **options)
    r = run.result
    years = [year - 2, year - 1, year]
    ri_cols = dict(zip(years, ("010", "020", "030"), strict=True))
    la_cols = dict(zip(years, ("040", "050", "060"), strict=True))
    cells: dict[tuple[str, str], Any] = {}
    if approach == "bia":
        for y in r.years:
            if y.year in ri_cols:
                cells[("010", ri_cols[y.year])] = money(y.gross_income)
        cells[("010", "070")] = money(r.capital)
        cells[("010", "071")] = money(r.rwa)
    else:
        for yc in r.year_charges:
            if yc.year in ri_cols:
                cells[("020", ri_cols[yc.year])] = money(yc.gross_income)
        cells[("020", "070")] = money(r.capital)
        cells[("020", "071")] = money(r.rwa)
        tsa_rows = {bl: row for row, bl, _ in ROWS[2:10]}
        totals: dict[tuple[str, int], Decimal] = {}
        for lc in r.line_charges:
            bl = lc.business_line
            if bl in tsa_rows and lc.year in ri_cols:
                totals[(bl, lc.year)] = totals.get((bl, lc.year), Decimal(0)) + lc.indicator
        for (bl, y), amount in totals.items():
            cells[(tsa_rows[bl], ri_cols[y])] = money(amount)
        if approach == "asa":
            asa_rows = {"BL4": "110", "BL3": "120"}
            for li in getattr(r, "loans_indicators", ()):
                row = asa_rows.get(li.business_line)
                if row is None:
                    continue
                for y, la in zip(r.years, li.loans_and_advances, strict=False):
                    if y in la_cols:
                        cells[(row, la_cols[y])] = money(la)
                for bl_row in (
                    tsa_rows[li.business_line],
                ):  # a line under ASA has no TSA indicator
                    for col in ri_cols.values():
                        cells.pop((bl_row, col), None)
    column_labels = dict(COLUMNS)
    for col, y in [*((c, y) for y, c in ri_cols.items()), *((c, y) for y, c in la_cols.items())]:
        column_labels[col] += f" ({y})"
    return Table(
        code="c16",
        template="C 16.00",
        title=f"Operational risk (OPR): {approach.upper()}, year {year}",
        rows=tuple(r for r, _, _ in ROWS),
        columns=tuple(c for c, _ in COLUMNS),
        row_labels={r: label for r, _, label in ROWS},
        column_labels=column_labels,
        row_kinds={r: "amount" for r, _, _ in ROWS},
        cells=cells,
        period=period,
        cutoff=inputs.cutoff,
        currency=inputs.currency,
        notes=NOTES
        + tuple(run.notes)
        + (f"Approach {approach.upper()}, year t = {year}; profile {run.profile.name}.",),
    )
