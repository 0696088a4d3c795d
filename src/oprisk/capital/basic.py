"""Basel II approaches: Basic Indicator (BIA), Standardised (TSA), Alternative Standardised (ASA).

Decimal-exact: inputs are converted with ``Decimal(str(x))`` and every figure is kept unrounded.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pandas as pd

from oprisk.domain.taxonomy import business_line, tsa_betas
from oprisk.errors import CapitalError, DataQualityWarning, MissingInputError, invalid

from .inputs import keyed_table, last_years, require_complete, year_values
from .profiles import Profile, get_profile
from .results import CONTEXT, RWA_FACTOR, CapitalResult, avg

#: BIA alpha [Basel II §649], [CRR (pre-2025) Art 315(1)].
ALPHA = Decimal("0.15")
#: ASA multiplier m on loans and advances [Basel II §652], [CRR (pre-2025) Art 319(1)(b)].
ASA_M = Decimal("0.035")
Offsetting = Literal["within-year", "none"]
_OFFSETTING = ("within-year", "none")
_ZERO = Decimal(0)
_THREE = Decimal(3)


# --- BIA ----------------------------------------------------------------------------------------


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


# --- TSA / ASA ----------------------------------------------------------------------------------


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


def _resolver(profile: Profile) -> Any:
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


def _betas(profile: Profile) -> dict[str, Decimal]:
    betas = dict(tsa_betas())
    beta9 = business_line("BL9").beta
    if profile.allow_corporate_items and beta9 is not None:
        betas["BL9"] = beta9
    return betas


def _combine(
    years: list[int],
    per_year: dict[int, list[LineCharge]],
    gross: dict[int, Decimal],
    offsetting: str,
) -> tuple[tuple[YearCharge, ...], Decimal]:
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


def _check_offsetting(offsetting: str) -> None:
    if offsetting not in _OFFSETTING:
        raise CapitalError(
            invalid("offsetting", offsetting, "must be one of " + ", ".join(_OFFSETTING))
        )


def _gi_table(gross_income: Any, profile: Profile) -> dict[int, dict[str, Decimal]]:
    table = keyed_table(
        gross_income,
        name="gross_income",
        key_column="business_line",
        value_column="gross_income",
        resolve=_resolver(profile),
    )
    require_complete(table, "gross_income", "business_line")
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
    _check_offsetting(offsetting)
    prof = get_profile(profile)
    table = _gi_table(gross_income, prof)
    years = last_years(list(table), 3, "gross_income")
    betas = _betas(prof)
    lines = sorted({k for y in years for k in table[y]}, key=_line_order)
    per_year = {
        y: [
            LineCharge(y, j, table[y][j], betas[j], CONTEXT.multiply(betas[j], table[y][j]))
            for j in lines
        ]
        for y in years
    }
    gross = {y: sum(table[y].values(), _ZERO) for y in years}
    totals, capital = _combine(years, per_year, gross, offsetting)
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


def _line_order(code: str) -> int:
    return int(code[2:]) if code[2:].isdigit() else 99


_RB, _CB = "BL3", "BL4"


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
    _check_offsetting(offsetting)
    prof = get_profile(profile)
    la_table = keyed_table(
        loans_and_advances,
        name="loans_and_advances",
        key_column="business_line",
        value_column="loans_and_advances",
        resolve=_resolver(prof),
    )
    require_complete(la_table, "loans_and_advances", "business_line")
    la_years = last_years(list(la_table), 3, "loans_and_advances")
    la_lines = sorted({k for y in la_years for k in la_table[y]}, key=_line_order)
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
        gi_table = _gi_table(gross_income, prof)
        years = last_years(list(gi_table), 3, "gross_income")
        if years != la_years:
            raise MissingInputError(
                invalid(
                    "loans_and_advances", la_years, f"years must match gross_income years {years}"
                )
            )
    betas = _betas(prof)
    indicators = _loans_indicators(la_table, la_years, la_lines, betas, aggregate_rb_cb)
    other = sorted({k for y in years for k in gi_table[y]} - {_RB, _CB}, key=_line_order)

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
    totals, capital = _combine(years, per_year, gross, offsetting)
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
