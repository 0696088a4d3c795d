"""Basel II Alternative Standardised Approach (ASA): loans and advances for RB and CB.

Decimal-exact: inputs are converted with ``Decimal(str(x))`` and every figure is kept unrounded.
The other business lines, the yearly totals and the floor are those of the Standardised Approach
(:mod:`oprisk.capital.traditional_standardised`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from oprisk.errors import CapitalError, MissingInputError, invalid

from .inputs import last_years
from .profiles import Profile, get_profile
from .results import CONTEXT, RWA_FACTOR, avg
from .traditional_standardised import (
    LineCharge,
    Offsetting,
    TSAResult,
    capital_betas,
    check_offsetting,
    combine_years,
    line_order,
    line_table,
)

#: ASA multiplier m on loans and advances [Basel II §652], [CRR (pre-2025) Art 319(1)(b)].
ASA_M = Decimal("0.035")
_ZERO = Decimal(0)
_RB, _CB = "BL3", "BL4"


@dataclass(frozen=True)
class LoansIndicator:
    """ASA alternative indicator of retail or commercial banking: m × 3-year average LA."""

    business_line: str
    loans_and_advances: tuple[Decimal, ...]
    average: Decimal
    m: Decimal
    beta: Decimal
    indicator: Decimal
    charge: Decimal


@dataclass(frozen=True)
class ASAResult(TSAResult):
    """Alternative Standardised Approach: a TSA whose RB / CB lines use loans and advances."""

    loans_indicators: tuple[LoansIndicator, ...] = ()
    aggregate_rb_cb: bool = False
    aggregate_other_lines: bool = False

    def _rows(self) -> list[tuple[str, Any, int | None, str]]:
        extra: list[tuple[str, Any, int | None, str]] = [
            (f"{li.business_line}: β × m × average LA", li.charge, 2, "Basel II §652; CRR Art 319")
            for li in self.loans_indicators
        ]
        return extra + super()._rows()


def asa(
    gross_income: Any,
    loans_and_advances: Any,
    *,
    offsetting: Offsetting = "within-year",
    aggregate_rb_cb: bool = False,
    aggregate_other_lines: bool = False,
    profile: Profile | str = "basel",
    currency: str = "EUR",
) -> ASAResult:
    """Alternative Standardised Approach [Basel II §652 and fn 104], [CRR (pre-2025) Art 319].

    Retail (BL3) and commercial banking (BL4) replace gross income by the normalised indicator
    m × LA, m = 0.035, LA = the three-year average of total loans and advances (commercial banking
    includes banking-book securities); their charge is β × m × LA (12 % RB, 15 % CB) in each of the
    three years. The other lines keep β × GI; the yearly total is combined as in :func:`tsa`.

    Parameters
    ----------
    gross_income
        As for :func:`tsa`; GI given for BL3 / BL4 is ignored (replaced by the LA indicator).
        ``None`` when the bank has only retail and commercial banking.
    loans_and_advances
        Loans and advances of BL3 and/or BL4 by year, in any shape :func:`tsa` accepts (long form
        column ``loans_and_advances``); the last three consecutive years are averaged.
    offsetting
        As for :func:`tsa`.
    aggregate_rb_cb
        Supervisory option (Basel II fn 104): RB and CB loans aggregated with β = 15 %. The exact
        betas of the options are *unconfirmed* in the reference.
    aggregate_other_lines
        Supervisory option (Basel II fn 104): the GI of the six other lines aggregated with
        β = 18 % (also the CBRC draft Art 14 treatment).
    profile, currency
        As for :func:`tsa`.

    Returns
    -------
    ASAResult

    Examples
    --------
    >>> la = {"BL3": {2021: 10000, 2022: 10000, 2023: 10000},
    ...       "BL4": {2021: 8000, 2022: 8000, 2023: 8000}}
    >>> [li.charge for li in asa(None, la).loans_indicators]
    [Decimal('42.00000'), Decimal('42.00000')]
    """
    check_offsetting(offsetting)
    prof = get_profile(profile)
    la_table = line_table(loans_and_advances, "loans_and_advances", prof)
    la_years = last_years(list(la_table), 3, "loans_and_advances")
    la_lines = sorted({k for y in la_years for k in la_table[y]}, key=line_order)
    wrong = [j for j in la_lines if j not in (_RB, _CB)]
    if wrong:
        raise CapitalError(
            invalid("loans_and_advances", wrong, "only BL3 (retail) and BL4 (commercial) use LA")
        )
    for y in la_years:
        for j in la_lines:
            if la_table[y][j] < 0:
                raise CapitalError(
                    invalid(f"loans_and_advances[{y}, {j}]", la_table[y][j], "must be ≥ 0")
                )

    if gross_income is None:
        gi_table: dict[int, dict[str, Decimal]] = {y: {} for y in la_years}
        years = la_years
    else:
        gi_table = line_table(gross_income, "gross_income", prof)
        years = last_years(list(gi_table), 3, "gross_income")
        if years != la_years:
            raise MissingInputError(
                invalid(
                    "loans_and_advances", la_years, f"years must match gross_income years {years}"
                )
            )
    betas = capital_betas(prof)
    indicators = _loans_indicators(la_table, la_years, la_lines, betas, aggregate_rb_cb)
    other = sorted({k for y in years for k in gi_table[y]} - {_RB, _CB}, key=line_order)

    per_year: dict[int, list[LineCharge]] = {}
    for y in years:
        charges = [
            LineCharge(y, li.business_line, li.indicator, li.beta, li.charge) for li in indicators
        ]
        if aggregate_other_lines and other:
            gi = sum((gi_table[y][j] for j in other), _ZERO)
            beta = Decimal("0.18")
            charges.append(LineCharge(y, "other lines", gi, beta, CONTEXT.multiply(beta, gi)))
        else:
            charges += [
                LineCharge(
                    y, j, gi_table[y][j], betas[j], CONTEXT.multiply(betas[j], gi_table[y][j])
                )
                for j in other
            ]
        per_year[y] = charges
    gross = {y: sum((gi_table[y][j] for j in other), _ZERO) for y in years}
    totals, capital = combine_years(years, per_year, gross, offsetting)
    return ASAResult(
        years=tuple(years),
        business_lines=tuple(dict.fromkeys(c.business_line for c in per_year[years[0]])),
        offsetting=offsetting,
        line_charges=tuple(c for y in years for c in per_year[y]),
        year_charges=totals,
        capital=capital,
        rwa=CONTEXT.multiply(RWA_FACTOR, capital),
        profile=prof.name,
        currency=currency,
        loans_indicators=indicators,
        aggregate_rb_cb=aggregate_rb_cb,
        aggregate_other_lines=aggregate_other_lines,
    )


def _loans_indicators(
    la: dict[int, dict[str, Decimal]],
    years: list[int],
    lines: list[str],
    betas: dict[str, Decimal],
    aggregate: bool,
) -> tuple[LoansIndicator, ...]:
    if aggregate:
        groups = {"BL3+BL4": (lines, Decimal("0.15"))}
    else:
        groups = {j: ([j], betas[j]) for j in lines}
    out = []
    for label, (members, beta) in groups.items():
        series = tuple(sum((la[y][j] for j in members), _ZERO) for y in years)
        average = avg(series)
        indicator = CONTEXT.multiply(ASA_M, average)
        out.append(
            LoansIndicator(
                label, series, average, ASA_M, beta, indicator, CONTEXT.multiply(beta, indicator)
            )
        )
    return tuple(out)
