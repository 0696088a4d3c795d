"""What an amount must be to load: finite, below the limit after its unit, in the currency's minor units.

The limit applies to the final amount, after the unit multiplier (``9e17亿元`` is 9 × 10^25, not
a number below 10^18). Amounts must be exact in the currency's minor units (ISO 4217: two
decimals for EUR, none for JPY, three for KWD): a bank books in minor units, so a third decimal
on a euro amount or any decimal on a yen amount is a wrong separator or unit in the source, not
a fraction to round. With amounts below 10^18 and at most four decimals, every amount is exact in
the database's ``NUMERIC(28, 8)`` as well as in SQLite's text, so a load never makes ``verify``
fail on one database and not the other.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal

from oprisk.domain.money import MINOR_UNITS
from oprisk.ingest.fields import Invalid
from oprisk.ingest.records import ExactNumber
from oprisk.ingest.settings import Mapping

__all__ = ["MAX_AMOUNT", "amount_parser", "decimals", "minor_unit_problem"]

MAX_AMOUNT = Decimal(10) ** 18
#: decimals for a currency without ISO 4217 minor units (gold, silver, the SDR): what is stored
_UNITLESS_DECIMALS = 8
_MAX_DIGITS = 40  # more significant digits than this is no amount, whatever its unit
# Products of bounded inputs are exact in this context (the default one rounds at 28 digits
# and overflows at 10^999999)
_WIDE = Context(prec=100, Emax=MAX_EMAX, Emin=MIN_EMIN)


def amount_parser(
    mapping: Mapping,
    column_unit: Decimal | None,
    column_currency: str | None,
    hint: str = "",
) -> Callable[[str], tuple[Decimal, str | None]]:
    """A parser of one amount column: cell → (amount after its unit, currency named in the cell
    or the header). ``hint`` is added to a "not a number" message (how the file's numbers read)."""

    def parse(raw: str) -> tuple[Decimal, str | None]:
        if type(raw) is ExactNumber:  # a JSON number or an XLSX numeric cell: exact digits
            value, currency, unit = Decimal(raw), None, None
        else:
            try:
                value, currency, unit = mapping.parse_amount(raw)
            except Invalid as exc:
                raise Invalid(exc.args[0] + hint) from None
        if not value.is_finite():
            raise Invalid("must be a finite number")
        if len(raw) > _MAX_DIGITS and len(value.as_tuple().digits) > _MAX_DIGITS:
            raise Invalid(f"has more than {_MAX_DIGITS} digits")
        if unit is not None and column_unit is not None and unit != column_unit:
            raise Invalid(f"states its own unit (×{unit}) in a column already in ×{column_unit}")
        factor = unit or column_unit
        if factor is not None and factor != 1:
            value = _WIDE.multiply(value, factor)
        if value.copy_abs() >= MAX_AMOUNT:
            after = f" after its unit (×{factor})" if factor is not None and factor != 1 else ""
            raise Invalid(f"is implausibly large (≥ 10^18{after})")
        if column_currency and currency and currency != column_currency:
            raise Invalid(f"is in {currency} but the column is in {column_currency}")
        return value, currency or column_currency

    return parse


def decimals(value: Decimal) -> int:
    """Decimals ``value`` needs exactly: 1.50 → 1, 72.039 → 3, 1.2E+3 → 0 (without rounding)."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + zeros)) if any(digits) else 0


def minor_unit_problem(value: Decimal, currency: str) -> str | None:
    """Why ``value`` is not an exact amount of ``currency`` (ISO 4217 minor units), or ``None``."""
    allowed = MINOR_UNITS[currency]  # a code the row's validation has already checked
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent <= (allowed or 0):
        return None  # the common case, without counting trailing zeros
    needed = decimals(value)
    if needed <= (_UNITLESS_DECIMALS if allowed is None else allowed):
        return None
    if allowed is None:
        return f"has {needed} decimals; {currency} amounts are kept to {_UNITLESS_DECIMALS}"
    has = "no minor unit" if allowed == 0 else f"{allowed} decimal{'s' if allowed > 1 else ''}"
    return (
        f"has {needed} decimal{'s' if needed > 1 else ''} but {currency} has {has} (ISO 4217); "
        "check the decimal separator ([read] decimal, thousands) and the unit"
    )
