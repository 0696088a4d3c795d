"""Amount cells: separators, currency symbols and codes, accounting negatives, unit words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal

from oprisk.domain.money import ISO_4217
from oprisk.ingest.fields import Invalid, fold
from oprisk.ingest.units import UNIT_WORDS

__all__ = ["AmountParser"]

_UNIT_SUFFIX = re.compile(r"^([\d.,' ]*\d[\d.,' ]*?)\s*([^\d\s.,']+)$")
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "\u2009": " ", "\u202f": " ", "\xa0": " "})


class AmountParser:
    """Parse amount cells with one decimal separator, one thousands separator and a symbol table."""

    def __init__(self, decimal: str, thousands: str, currency_symbols: Mapping[str, str]) -> None:
        self.decimal, self.thousands = decimal, thousands
        self.currency_symbols = currency_symbols
        d, t = re.escape(decimal), re.escape(thousands) if thousands else ""
        group = f"(?:{t}| )" if t else " "
        number = rf"^(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)?(?:{d}\d+)?(?:[eE][+-]?\d+)?$"
        self._number = re.compile(number)
        self._symbols = sorted(currency_symbols, key=len, reverse=True)

    def parse(self, raw: str) -> tuple[Decimal, str | None, Decimal | None]:
        """An amount cell → (value, currency named in the cell, unit named in the cell).

        Accepts the mapping's separators, grouping spaces, currency symbols or codes before or
        after the number, accounting negatives ``(1,234.00)``, trailing minus ``1234-`` and unit
        words (``150万元``).
        """
        s = raw.strip()
        if self.decimal == "." and _PLAIN_NUMBER.match(s):
            return Decimal(s), None, None
        s = unicodedata.normalize("NFKC", s).translate(_DASHES).strip()
        negative = False
        if s.startswith("(") and s.endswith(")"):
            negative, s = True, s[1:-1].strip()
        if s[:1] in ("-", "+"):
            negative, s = negative or s[0] == "-", s[1:].strip()
        s, currency = self._strip_currency(s)
        if currency is not None and s[:1] in ("-", "+"):  # "€ -5"
            negative, s = negative or s[0] == "-", s[1:].strip()
        if s.endswith("-"):  # SAP-style trailing minus
            negative, s = True, s[:-1].strip()
        unit: Decimal | None = None
        m = _UNIT_SUFFIX.match(s)
        if m:  # a unit word after the number: 150万 (元 was taken as the currency), 1.5亿, 3 m
            word = fold(m.group(2))
            if word in UNIT_WORDS:
                s, unit = m.group(1).strip(), UNIT_WORDS[word]
        if not s or not self._number.match(s) or not any(c.isdigit() for c in s):
            raise Invalid(
                f"not a number (decimal separator {self.decimal!r}, thousands {self.thousands!r})"
            )
        s = s.replace(" ", "")
        if self.thousands:
            s = s.replace(self.thousands, "")
        if self.decimal != ".":
            s = s.replace(self.decimal, ".")
        value = Decimal(s)
        # copy_negate: exact, where unary minus would round to the context (and overflow)
        return (value.copy_negate() if negative else value), currency, unit

    def _strip_currency(self, s: str) -> tuple[str, str | None]:
        folded = s.casefold()
        for sym in self._symbols:
            if folded.startswith(sym):
                return s[len(sym) :].strip(), self.currency_symbols[sym]
            if folded.endswith(sym):
                return s[: -len(sym)].strip(), self.currency_symbols[sym]
        m = re.match(r"^([A-Za-z]{3})\s*(.*)$", s) or re.match(r"^(.*?)\s*([A-Za-z]{3})$", s)
        if m:
            a, b = m.groups()
            code, rest = (a, b) if a.isalpha() and len(a) == 3 else (b, a)
            if code.upper() in ISO_4217:
                return rest.strip(), code.upper()
        return s, None
