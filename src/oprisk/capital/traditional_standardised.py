"""Basel II Standardised Approach (TSA): β × gross income by business line over three years.

Decimal-exact: inputs are converted with ``Decimal(str(x))`` and every figure is kept unrounded.
The Alternative Standardised Approach (:mod:`oprisk.capital.alternative_standardised`) builds on
the line charges, year totals and business-line rules here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pandas as pd

from oprisk.domain.taxonomy import business_line, tsa_betas
from oprisk.errors import CapitalError, invalid

from .inputs import keyed_table, last_years, require_complete
from .profiles import Profile, get_profile
from .results import CONTEXT, RWA_FACTOR, CapitalResult

Offsetting = Literal["within-year", "none"]
_OFFSETTING = ("within-year", "none")
_ZERO = Decimal(0)
_THREE = Decimal(3)


@dataclass(frozen=True)
class LineCharge:
    """β × indicator for one business line in one year (indicator = GI, or m × avg LA under ASA)."""

    year: int
    business_line: str
    indicator: Decimal
    beta: Decimal
    charge: Decimal


@dataclass(frozen=True)
class YearCharge:
    """A year's total charge before and after the zero floor."""

    year: int
    gross_income: Decimal
    charge_before_floor: Decimal
    charge: Decimal


@dataclass(frozen=True)
class TSAResult(CapitalResult):
    """Standardised Approach charge: per-line and per-year charges, capital and RWA."""

    years: tuple[int, ...]
    business_lines: tuple[str, ...]
    offsetting: str
    line_charges: tuple[LineCharge, ...]
    year_charges: tuple[YearCharge, ...]
    capital: Decimal
    rwa: Decimal
    profile: str
    currency: str

    def table(self) -> pd.DataFrame:
        """Charges by business line (rows) and year (columns)."""
        frame = pd.DataFrame([vars(c) for c in self.line_charges])
        return frame.pivot(index="business_line", columns="year", values="charge")

    def _rows(self) -> list[tuple[str, Any, int | None, str]]:
        ref = "Basel II §654; CRR Art 317(2)-(3)"
        rows: list[tuple[str, Any, int | None, str]] = []
        for y in self.year_charges:
            rows.append((f"charge {y.year} before floor", y.charge_before_floor, 2, ref))
            rows.append((f"charge {y.year}", y.charge, 2, ref))
        return [
            *rows,
            ("offsetting", self.offsetting, None, ref),
            (f"capital ({self.currency})", self.capital, 2, ref),
            (f"RWA ({self.currency})", self.rwa, 2, "12.5 × capital"),
        ]


def _line_resolver(profile: Profile) -> Any:
    """A function from a business line (code or label) to its level-1 code with a beta."""
    allowed = set(tsa_betas())

    def resolve(value: Any) -> str:
        code = business_line(value).l1
        if code not in allowed and not (code == "BL9" and profile.allow_corporate_items):
            raise CapitalError(
                invalid(
                    "business_line",
                    value,
                    f"{code} has no capital beta under profile {profile.name!r} "
                    f"(lines: {', '.join(sorted(allowed))}; BL9 only with a profile that allows "
                    "corporate items, e.g. 'cn-nfra')",
                )
            )
        return code

    return resolve


def capital_betas(profile: Profile) -> dict[str, Decimal]:
    """The eight Basel betas, and BL9's where the profile allows corporate items."""
    betas = dict(tsa_betas())
    beta9 = business_line("BL9").beta
    if profile.allow_corporate_items and beta9 is not None:
        betas["BL9"] = beta9
    return betas


def combine_years(
    years: list[int],
    per_year: dict[int, list[LineCharge]],
    gross: dict[int, Decimal],
    offsetting: str,
) -> tuple[tuple[YearCharge, ...], Decimal]:
    """Each year's charge, offset and floored as ``offsetting`` says, and their sum over 3."""
    totals = []
    for y in years:
        charges = [c.charge for c in per_year[y]]
        before = sum(charges, _ZERO)
        if offsetting == "within-year":
            after = max(before, _ZERO)  # unlimited offsetting in the year, year floored at 0
        else:
            after = sum((max(c, _ZERO) for c in charges), _ZERO)  # CBB CA-6.2.10 variant
        totals.append(YearCharge(y, gross[y], before, after))
    # Always divided by 3, also when a year is floored [CRR (pre-2025) Art 317(3)].
    capital = CONTEXT.divide(sum((t.charge for t in totals), _ZERO), _THREE)
    return tuple(totals), capital


def check_offsetting(offsetting: str) -> None:
    """Refuse an ``offsetting`` option that is not one of :data:`Offsetting`."""
    if offsetting not in _OFFSETTING:
        raise CapitalError(
            invalid("offsetting", offsetting, "must be one of " + ", ".join(_OFFSETTING))
        )


def line_table(data: Any, name: str, profile: Profile) -> dict[int, dict[str, Decimal]]:
    """Figures by year and level-1 line (long-form column ``name``); a line present in one year
    must be in all."""
    table = keyed_table(
        data,
        name=name,
        key_column="business_line",
        value_column=name,
        resolve=_line_resolver(profile),
    )
    require_complete(table, name, "business_line")
    return table


def tsa(
    gross_income: Any,
    *,
    offsetting: Offsetting = "within-year",
    profile: Profile | str = "basel",
    currency: str = "EUR",
) -> TSAResult:
    """Standardised Approach: K = (1/3) Σ_y max(Σ_j β_j GI_{j,y}, 0) [Basel II §654].

    Parameters
    ----------
    gross_income
        Gross income by year and business line: a DataFrame indexed by year with one column per
        line, a long DataFrame with columns ``year`` / ``business_line`` / ``gross_income``, or a
        mapping ``{year: {line: GI}}``. Lines are codes (``BL3``) or English / Chinese labels;
        level-2 lines are summed into their level-1 line. A line absent from the input has no
        activity; a line present in one year must be present in all. The last three consecutive
        years are used.
    offsetting
        ``"within-year"`` (Basel, CRR Art 317(2)-(3)): a negative line charge offsets other lines
        without limit, the year total is floored at 0 and the sum is always divided by 3.
        ``"none"`` (Bahrain CBB CA-6.2.10): each negative line charge is floored at 0 on its own.
    profile
        Jurisdiction profile (name or :class:`Profile`); BL9 "Corporate items / 其他" is accepted
        only if ``profile.allow_corporate_items`` (e.g. ``"cn-nfra"``).
    currency
        Reporting currency code, carried in the result.

    Returns
    -------
    TSAResult

    Examples
    --------
    >>> tsa({2023: {"BL3": 600, "BL2": -100}, 2022: {"BL3": 500, "BL2": 50},
    ...      2021: {"BL3": 400, "BL2": 50}}).capital
    Decimal('60.00')
    """
    check_offsetting(offsetting)
    prof = get_profile(profile)
    table = line_table(gross_income, "gross_income", prof)
    years = last_years(list(table), 3, "gross_income")
    betas = capital_betas(prof)
    lines = sorted({k for y in years for k in table[y]}, key=line_order)
    per_year = {
        y: [
            LineCharge(y, j, table[y][j], betas[j], CONTEXT.multiply(betas[j], table[y][j]))
            for j in lines
        ]
        for y in years
    }
    gross = {y: sum(table[y].values(), _ZERO) for y in years}
    totals, capital = combine_years(years, per_year, gross, offsetting)
    return TSAResult(
        years=tuple(years),
        business_lines=tuple(lines),
        offsetting=offsetting,
        line_charges=tuple(c for y in years for c in per_year[y]),
        year_charges=totals,
        capital=capital,
        rwa=CONTEXT.multiply(RWA_FACTOR, capital),
        profile=prof.name,
        currency=currency,
    )


def line_order(code: str) -> int:
    """Sort key: BL1 … BL9 by number, anything else last."""
    return int(code[2:]) if code[2:].isdigit() else 99
