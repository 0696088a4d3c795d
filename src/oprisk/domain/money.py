"""Money: an exact ``Decimal`` amount with an ISO 4217 currency code."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from oprisk.errors import InvalidMoneyError, invalid

# ISO 4217 active codes (list one, 2024 edition), with the precious metals, the SDR and CNH.
ISO_4217 = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BOV",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHE",
        "CHF",
        "CHW",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "COU",
        "CRC",
        "CUC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MXV",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SLL",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "USN",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XAG",
        "XAU",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
        "CNH",  # offshore renminbi (not ISO 4217; used by treasury ledgers)
        "XDR",
        "XPD",
        "XPT",
        "ZWL",
    ]
)


#: ISO 4217 minor units (the exponent: how many decimals an amount in the currency has). Codes of
#: ``ISO_4217`` not listed have 2; ``None``: ISO 4217 defines none (precious metals, the SDR).
_EXPONENTS: dict[int | None, str] = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
    None: "XAG XAU XDR XPD XPT",
}
MINOR_UNITS: dict[str, int | None] = dict.fromkeys(ISO_4217, 2)
MINOR_UNITS.update(
    (code, exponent) for exponent, codes in _EXPONENTS.items() for code in codes.split()
)


def minor_units(code: str) -> int | None:
    """Decimals of an amount in ``code`` (ISO 4217 exponent): JPY 0, EUR 2, KWD 3; None for XAU."""
    return MINOR_UNITS[currency_code(code)]


def currency_code(value: Any, field: str = "currency") -> str:
    """Validate and normalise an ISO 4217 code (``"eur"`` → ``"EUR"``)."""
    code = str(value).strip().upper() if value is not None else ""
    if code not in ISO_4217:
        raise InvalidMoneyError(
            invalid(field, value, "must be an ISO 4217 currency code such as EUR")
        )
    return code


def to_decimal(value: Any, field: str = "amount", *, allow_negative: bool = False) -> Decimal:
    """Convert to an exact, finite ``Decimal``; floats go through ``str`` so 0.1 stays 0.1."""
    if isinstance(value, bool):
        raise InvalidMoneyError(invalid(field, value, "must be a number"))
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidMoneyError(invalid(field, value, "must be a number")) from None
    if not d.is_finite():
        raise InvalidMoneyError(invalid(field, value, "must be finite"))
    if d < 0 and not allow_negative:
        raise InvalidMoneyError(invalid(field, value, "must not be negative"))
    return d + Decimal(0)  # normalises -0


class Money(NamedTuple):
    """An amount in a currency. Arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Any, currency: str, *, allow_negative: bool = False) -> Money:
        return cls(to_decimal(amount, allow_negative=allow_negative), currency_code(currency))

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise InvalidMoneyError(
                f"cannot combine {self.currency} and {other.currency} amounts without an FX rate"
            )

    def __add__(self, other: object) -> Money:  # type: ignore[override,unused-ignore]
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"
