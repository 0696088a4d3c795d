"""Basel II Basic Indicator Approach (BIA): 15 % of the average positive gross income.

Decimal-exact: inputs are converted with ``Decimal(str(x))`` and every figure is kept unrounded.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from oprisk.errors import DataQualityWarning, MissingInputError, invalid

from .inputs import last_years, year_values
from .results import CONTEXT, RWA_FACTOR, CapitalResult, avg

#: BIA alpha [Basel II §649], [CRR (pre-2025) Art 315(1)].
ALPHA = Decimal("0.15")
_ZERO = Decimal(0)


@dataclass(frozen=True)
class BIAYear:
    """One year of gross income and whether it enters the BIA average (GI > 0)."""

    year: int
    gross_income: Decimal
    included: bool


@dataclass(frozen=True)
class BIAResult(CapitalResult):
    """Basic Indicator Approach charge with every intermediate figure."""

    years: tuple[BIAYear, ...]
    alpha: Decimal
    positive_years: int
    sum_positive: Decimal
    average_gross_income: Decimal
    capital: Decimal
    rwa: Decimal
    currency: str
    allow_fewer_years: bool

    def table(self) -> pd.DataFrame:
        """Per-year gross income and inclusion flag (index ``year``)."""
        return pd.DataFrame([vars(y) for y in self.years]).set_index("year")

    def _rows(self) -> list[tuple[str, Any, int | None, str]]:
        rows: list[tuple[str, Any, int | None, str]] = [
            (
                f"gross income {y.year}" + ("" if y.included else " (excluded, ≤ 0)"),
                y.gross_income,
                2,
                "Basel II §650",
            )
            for y in self.years
        ]
        return [
            *rows,
            ("positive years", self.positive_years, None, "Basel II §649"),
            ("average positive gross income", self.average_gross_income, 2, "Basel II §649"),
            ("alpha", self.alpha, 2, "Basel II §649"),
            (f"capital ({self.currency})", self.capital, 2, "Basel II §649; CRR Art 315"),
            (f"RWA ({self.currency})", self.rwa, 2, "12.5 × capital"),
        ]


def bia(
    gross_income: Any,
    *,
    allow_fewer_years: bool = False,
    currency: str = "EUR",
) -> BIAResult:
    """Basic Indicator Approach: 15 % of the average positive gross income of the last three years.

    K = α · Σ max(GI_i, 0) / n, α = 15 %, n = number of the last three years with GI > 0; years
    with GI ≤ 0 are dropped from numerator and denominator [Basel II §649], [CRR (pre-2025)
    Art 315(1)]. If no year is positive the charge is 0 and a :class:`DataQualityWarning` is issued.

    Parameters
    ----------
    gross_income
        Annual gross income by year: a Series indexed by year or a mapping ``{year: GI}``. Only the
        last three (consecutive) years are used; earlier years are ignored.
    allow_fewer_years
        Accept one or two years (new institutions may use forward-looking estimates until three
        years exist [CRR (pre-2025) Art 315(2)]); otherwise fewer than three years is a
        :class:`MissingInputError` naming the years present.
    currency
        Reporting currency code, carried in the result.

    Returns
    -------
    BIAResult

    Examples
    --------
    >>> bia({2021: 1000, 2022: -50, 2023: 1200}, currency="EUR").capital
    Decimal('165.00')
    """
    values = year_values(gross_income, "gross_income")
    years = last_years(list(values), 3, "gross_income", allow_fewer=allow_fewer_years)
    if not years:
        raise MissingInputError(invalid("gross_income", {}, "needs at least one year"))
    rows = tuple(BIAYear(y, values[y], values[y] > 0) for y in years)
    positive = [r.gross_income for r in rows if r.included]
    if positive:
        average = avg(positive)
    else:
        warnings.warn(
            f"no positive gross income in {years}: BIA charge is 0",
            DataQualityWarning,
            stacklevel=2,
        )
        average = _ZERO
    capital = CONTEXT.multiply(ALPHA, average)
    return BIAResult(
        years=rows,
        alpha=ALPHA,
        positive_years=len(positive),
        sum_positive=sum(positive, _ZERO),
        average_gross_income=average,
        capital=capital,
        rwa=CONTEXT.multiply(RWA_FACTOR, capital),
        currency=currency,
        allow_fewer_years=allow_fewer_years,
    )
