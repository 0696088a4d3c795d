"""Basel III Business Indicator (BI) and Business Indicator Component (BIC) [OPE25.3-25.7].

Decimal-exact; three-year averages are computed at 40 significant digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from oprisk.errors import CapitalError, MissingInputError, invalid

from .inputs import keyed_table
from .profiles import Profile, get_profile, in_currency
from .results import CONTEXT, CapitalResult, avg, to_decimal, to_year

#: BI items and the short codes also accepted (OPE10.2 Table 1; reference §4.2).
BI_ITEMS: dict[str, tuple[str, ...]] = {
    "interest_income": ("ii",),
    "interest_expense": ("ie",),
    "interest_earning_assets": ("iea",),
    "dividend_income": ("di",),
    "fee_income": ("fi",),
    "fee_expense": ("fe",),
    "other_operating_income": ("ooi",),
    "other_operating_expense": ("ooe",),
    "net_pnl_trading_book": ("tb", "trading_book"),
    "net_pnl_banking_book": ("bb", "banking_book"),
}
#: Items that may be negative; every other item is an amount ≥ 0 (enter expenses as positive).
SIGNED_ITEMS = ("net_pnl_trading_book", "net_pnl_banking_book")
#: Cap on the interest component: 2.25 % of average interest-earning assets [OPE25.4], [CRR3 Art 314(2)].
IEA_CAP_RATE = Decimal("0.0225")
_ALIASES = {alias: item for item, extra in BI_ITEMS.items() for alias in (item, *extra)}


def _item(value: Any) -> str:
    key = str(value).strip().casefold().replace(" ", "_").replace("-", "_").replace("&", "and")
    try:
        return _ALIASES[key]
    except KeyError:
        raise CapitalError(
            invalid("item", value, "must be one of " + ", ".join(BI_ITEMS) + " (or II, IE, IEA …)")
        ) from None


@dataclass(frozen=True)
class BIYear:
    """One year's BI items and the yearly absolute values averaged into the BI."""

    year: int
    interest_income: Decimal
    interest_expense: Decimal
    interest_earning_assets: Decimal
    dividend_income: Decimal
    fee_income: Decimal
    fee_expense: Decimal
    other_operating_income: Decimal
    other_operating_expense: Decimal
    net_pnl_trading_book: Decimal
    net_pnl_banking_book: Decimal
    abs_net_interest: Decimal
    abs_pnl_trading_book: Decimal
    abs_pnl_banking_book: Decimal


@dataclass(frozen=True)
class BusinessIndicatorResult(CapitalResult):
    """BI = ILDC + SC + FC with every three-year average [OPE25.3-25.5]."""

    years: tuple[int, ...]
    yearly: tuple[BIYear, ...]
    avg_abs_net_interest: Decimal
    avg_interest_earning_assets: Decimal
    interest_cap: Decimal
    cap_binds: bool
    avg_dividend_income: Decimal
    ildc: Decimal
    avg_other_operating_income: Decimal
    avg_other_operating_expense: Decimal
    avg_fee_income: Decimal
    avg_fee_expense: Decimal
    sc: Decimal
    avg_abs_pnl_trading_book: Decimal
    avg_abs_pnl_banking_book: Decimal
    fc: Decimal
    bi: Decimal
    currency: str

    def table(self) -> pd.DataFrame:
        """Items (rows) by year (columns), including the yearly absolute values."""
        return pd.DataFrame([vars(y) for y in self.yearly]).set_index("year").T

    def _rows(self) -> list[tuple[str, Any, int | None, str]]:
        return [
            ("average |II − IE|", self.avg_abs_net_interest, 2, "OPE25.4; CRR3 Art 314(2)"),
            ("2.25 % × average IEA", self.interest_cap, 2, "OPE25.4"),
            ("cap binds", self.cap_binds, None, "OPE25.4"),
            ("average dividend income", self.avg_dividend_income, 2, "OPE25.4"),
            ("ILDC", self.ildc, 2, "OPE25.4"),
            ("average other operating income", self.avg_other_operating_income, 2, "OPE25.4"),
            ("average other operating expense", self.avg_other_operating_expense, 2, "OPE25.4"),
            ("average fee income", self.avg_fee_income, 2, "OPE25.4"),
            ("average fee expense", self.avg_fee_expense, 2, "OPE25.4"),
            ("SC", self.sc, 2, "OPE25.4"),
            ("average |net P&L trading book|", self.avg_abs_pnl_trading_book, 2, "OPE25.4-25.5"),
            ("average |net P&L banking book|", self.avg_abs_pnl_banking_book, 2, "OPE25.4-25.5"),
            ("FC", self.fc, 2, "OPE25.4"),
            (f"BI ({self.currency})", self.bi, 2, "OPE25.3"),
        ]


def _orient(items: Any) -> Any:
    """Accept the reference layout too: items as rows, years as columns."""
    if isinstance(items, pd.DataFrame) and not {"year", "item"} <= set(items.columns):
        try:
            [_item(i) for i in items.index]
        except CapitalError:
            return items
        return items.T
    return items


def business_indicator(
    items: Any,
    *,
    end_year: int | None = None,
    currency: str = "EUR",
) -> BusinessIndicatorResult:
    """Business Indicator BI = ILDC + SC + FC [OPE25.3-25.5], [CRR3 Art 314].

    ILDC = min(avg |II − IE|, 2.25 % · avg IEA) + avg DI;
    SC = max(avg OOI, avg OOE) + max(avg FI, avg FE);
    FC = avg |net P&L trading book| + avg |net P&L banking book|.
    Absolute values are taken year by year first, then averaged over t−2, t−1, t [OPE25.5 fn 1].

    Parameters
    ----------
    items
        The ten items for each of the three years, named ``interest_income``,
        ``interest_expense``, ``interest_earning_assets`` (year-end), ``dividend_income``,
        ``fee_income``, ``fee_expense``, ``other_operating_income``, ``other_operating_expense``,
        ``net_pnl_trading_book``, ``net_pnl_banking_book`` (short codes II, IE, IEA, DI, FI, FE,
        OOI, OOE, TB, BB also accepted): a DataFrame indexed by year with one column per item (or
        items as rows and years as columns), a long DataFrame with columns ``year`` / ``item`` /
        ``amount``, or a mapping ``{year: {item: amount}}`` / ``{item: {year: amount}}``. Enter 0
        for an item that does not apply; expenses are positive amounts; only the two net P&L
        items may be negative.
    end_year
        Year t; ``None`` means the latest year in ``items``. Years after t are ignored.
    currency
        Reporting currency code, carried in the result.

    Returns
    -------
    BusinessIndicatorResult

    Raises
    ------
    MissingInputError
        A year among t−2..t with no BI items, or an item missing in a year.
    CapitalError
        An unknown item name, or a negative amount for an item that must be ≥ 0.
    """
    table = keyed_table(
        _orient(items), name="items", key_column="item", value_column="amount", resolve=_item
    )
    if end_year is None:
        if not table:
            raise MissingInputError(invalid("items", items, "no BI items for any year"))
        end_year = max(table)
    t = to_year(end_year, "end_year")
    years = (t - 2, t - 1, t)
    yearly = []
    for y in years:
        row = table.get(y, {})
        if not row:
            raise MissingInputError(
                invalid(
                    f"items[{y}]",
                    None,
                    f"no BI items for year {y}; the BI needs {t - 2}, {t - 1} and {t}",
                )
            )
        missing = [i for i in BI_ITEMS if i not in row]
        if missing:
            raise MissingInputError(
                invalid(
                    f"items[{y}]",
                    None,
                    f"missing {', '.join(missing)} (enter 0 if it does not apply)",
                )
            )
        for i in BI_ITEMS:
            if i not in SIGNED_ITEMS and row[i] < 0:
                raise CapitalError(
                    invalid(f"{i}[{y}]", row[i], "must be ≥ 0 (expenses are positive amounts)")
                )
        yearly.append(
            BIYear(
                year=y,
                **{i: row[i] for i in BI_ITEMS},
                abs_net_interest=abs(row["interest_income"] - row["interest_expense"]),
                abs_pnl_trading_book=abs(row["net_pnl_trading_book"]),
                abs_pnl_banking_book=abs(row["net_pnl_banking_book"]),
            )
        )

    def mean(field: str) -> Decimal:
        return avg([getattr(y, field) for y in yearly])

    ic, iea = mean("abs_net_interest"), mean("interest_earning_assets")
    cap = CONTEXT.multiply(IEA_CAP_RATE, iea)
    di = mean("dividend_income")
    ildc = min(ic, cap) + di
    ooi, ooe = mean("other_operating_income"), mean("other_operating_expense")
    fi, fe = mean("fee_income"), mean("fee_expense")
    sc = max(ooi, ooe) + max(fi, fe)
    tb, bb = mean("abs_pnl_trading_book"), mean("abs_pnl_banking_book")
    fc = tb + bb
    return BusinessIndicatorResult(
        years=years,
        yearly=tuple(yearly),
        avg_abs_net_interest=ic,
        avg_interest_earning_assets=iea,
        interest_cap=cap,
        cap_binds=cap < ic,
        avg_dividend_income=di,
        ildc=ildc,
        avg_other_operating_income=ooi,
        avg_other_operating_expense=ooe,
        avg_fee_income=fi,
        avg_fee_expense=fe,
        sc=sc,
        avg_abs_pnl_trading_book=tb,
        avg_abs_pnl_banking_book=bb,
        fc=fc,
        bi=CONTEXT.add(CONTEXT.add(ildc, sc), fc),
        currency=currency,
    )


# --- BIC ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BICBucket:
    """The part of the BI falling in one bucket and its marginal contribution."""

    bucket: int
    lower: Decimal
    upper: Decimal | None
    coefficient: Decimal
    amount: Decimal
    contribution: Decimal


@dataclass(frozen=True)
class BICResult(CapitalResult):
    """BIC = Σ α_i × (part of BI in bucket i), in the units of the BI figures [OPE25.7]."""

    bi: Decimal
    bi_unit: Decimal
    bucket: int
    buckets: tuple[BICBucket, ...]
    bic: Decimal
    profile: str
    currency: str
    #: units of ``currency`` per unit of the profile's currency, when the two differ
    fx_rate: Decimal | None = None

    def _rows(self) -> list[tuple[str, Any, int | None, str]]:
        rows: list[tuple[str, Any, int | None, str]] = [
            (
                f"bucket {b.bucket}: {b.coefficient} × {b.amount.normalize():f}",
                b.contribution,
                2,
                "OPE25.7 Table 1",
            )
            for b in self.buckets
        ]
        fx: list[tuple[str, Any, int | None, str]] = (
            [(f"FX rate ({self.currency} per profile currency)", self.fx_rate, 6, "boundaries")]
            if self.fx_rate is not None
            else []
        )
        return [
            (f"BI ({self.currency} × {self.bi_unit.normalize():f})", self.bi, 2, "OPE25.3"),
            *fx,
            ("bucket", self.bucket, None, "OPE25.7"),
            *rows,
            (
                f"BIC ({self.currency} × {self.bi_unit.normalize():f})",
                self.bic,
                2,
                "OPE25.7; CRR3 Art 313",
            ),
        ]


def bic(
    bi: BusinessIndicatorResult | Any,
    *,
    bi_unit: Decimal | int | str,
    profile: Profile | str = "basel",
    currency: str | None = None,
    fx_rate: Decimal | int | str | None = None,
) -> BICResult:
    """Business Indicator Component: marginal 12 % / 15 % / 18 % above EUR 1bn / 30bn [OPE25.7].

    BIC = 0.12·BI (BI ≤ 1bn); 0.12bn + 0.15·(BI − 1bn) (≤ 30bn); 4.47bn + 0.18·(BI − 30bn).
    Continuous at the boundaries; a BI exactly on a boundary belongs to the lower bucket.

    Parameters
    ----------
    bi
        A :class:`BusinessIndicatorResult` or the BI as a number (≥ 0).
    bi_unit
        How many currency units one unit of ``bi`` is (``Decimal("1e6")`` when figures are in
        EUR millions, ``1`` when in EUR). Required, so that the bucket boundaries (in whole
        currency units, ``profile.bucket_boundaries``) are applied at the right scale.
    profile
        Supplies the boundaries and coefficients (CRR3 Art 313 uses the Basel ones).
    currency
        Currency of the BI; ``None`` takes it from a BI result, else the profile's currency.
    fx_rate
        Units of ``currency`` per unit of ``profile.currency`` (a recorded FX rate), needed only
        when the two differ: the boundaries are converted with it. Without it a BI in another
        currency than the profile's is refused with an error naming both.

    Returns
    -------
    BICResult

    Examples
    --------
    >>> bic(35, bi_unit=Decimal("1e9")).bic     # BI = EUR 35bn → 5.37bn [OPE25.7 fn 2]
    Decimal('5.37')
    """
    prof = get_profile(profile)
    if isinstance(bi, BusinessIndicatorResult):
        currency = currency or bi.currency
        bi = bi.bi
    currency = currency or prof.currency
    value = to_decimal(bi, "bi")
    unit = to_decimal(bi_unit, "bi_unit")
    if unit <= 0:
        raise CapitalError(invalid("bi_unit", bi_unit, "must be > 0 (e.g. 1e6 for millions)"))
    if value < 0:
        raise CapitalError(invalid("bi", bi, "must be ≥ 0"))
    rate = None if fx_rate is None or currency == prof.currency else to_decimal(fx_rate, "fx_rate")
    bounds = [
        in_currency(b, prof, currency, rate, "bucket boundaries") for b in prof.bucket_boundaries
    ]
    lows = [Decimal(0), *(CONTEXT.divide(b, unit) for b in bounds)]
    highs: list[Decimal | None] = [*lows[1:], None]
    parts = []
    for i, (lo, hi, coef) in enumerate(zip(lows, highs, prof.marginal_coefficients, strict=True)):
        amount = max(Decimal(0), (value if hi is None else min(value, hi)) - lo)
        parts.append(BICBucket(i + 1, lo, hi, coef, amount, CONTEXT.multiply(coef, amount)))
    bucket = 1 + sum(value > lo for lo in lows[1:])
    return BICResult(
        bi=value,
        bi_unit=unit,
        bucket=bucket,
        buckets=tuple(parts),
        bic=sum((p.contribution for p in parts), Decimal(0)),
        profile=prof.name,
        currency=currency,
        fx_rate=rate,
    )
