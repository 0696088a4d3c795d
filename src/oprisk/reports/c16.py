"""COREP C 16.00 (legacy CRR): relevant indicator, loans and advances, own funds requirement.

Figures come from the capital module (BIA / TSA / ASA) through :mod:`.capital_inputs`; only the
rows of the approach asked for are filled. Reference §6.1.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from .capital_inputs import CapitalInputs
from .definitions import fill, table_def
from .table import Period, Table, money

NOTES = (
    "Column 071 and the AMA columns 080-120 are unconfirmed codes (reference §6.1, §10); AMA is not computed.",
    "Only the rows of the approach reported are filled; ASA rows 110-120 show loans and advances.",
)
TSA_ROWS = {"BL1": "030", "BL2": "040", "BL8": "050", "BL4": "060", "BL3": "070", "BL5": "080",
            "BL6": "090", "BL7": "100"}  # fmt: skip


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
        tsa_rows = TSA_ROWS
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
    defn = table_def("c16")
    column_labels = {a.code: a.label for a in defn.columns}
    for col, y in [*((c, y) for y, c in ri_cols.items()), *((c, y) for y, c in la_cols.items())]:
        column_labels[col] += f" ({y})"
    table = fill(
        defn,
        {f"c16|{r}|{c}": v for (r, c), v in cells.items()},
        period=period,
        cutoff=inputs.cutoff,
        currency=inputs.currency,
        notes=NOTES
        + tuple(run.notes)
        + (f"Approach {approach.upper()}, year t = {year}; profile {run.profile.name}.",),
    )
    return dataclasses.replace(
        table, title=f"{defn.title}: {approach.upper()}, year {year}", column_labels=column_labels
    )
