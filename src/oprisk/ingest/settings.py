"""The :class:`Mapping`: the settings one file is read with (columns, formats, units, defaults).

A mapping is built from TOML by :func:`oprisk.ingest.mapping.load_mapping`; this module holds
the frozen result and the cell parsers it configures (dates, amounts, booleans, currencies,
value maps).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from difflib import get_close_matches
from functools import partial

from oprisk.domain.money import ISO_4217
from oprisk.ingest.amounts import AmountParser
from oprisk.ingest.columns import ColumnPlan, field_for, plan_columns
from oprisk.ingest.dates import parse_date
from oprisk.ingest.fields import Invalid, cached_parser, fold, header_key
from oprisk.ingest.limits import Limits

__all__ = ["Mapping"]


@dataclass(frozen=True, eq=False)
class Mapping:
    """A loaded mapping. Build with :func:`load_mapping`; every field has a safe default."""

    name: str = "canonical"
    kind: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # normalised source header → field
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    decimal: str = "."
    thousands: str = ","
    unit: Decimal | None = None
    units: dict[str, Decimal] = field(default_factory=dict)
    currency_symbols: dict[str, str] = field(default_factory=dict)  # folded symbol → ISO code
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field → {folded label: value}
    true_values: frozenset[str] = frozenset({"true", "t", "yes", "y", "1"})
    false_values: frozenset[str] = frozenset({"false", "f", "no", "n", "0"})
    defaults: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None
    merged_cells: str = "reject"
    future_tolerance_days: int = 1
    source: str = ""
    limits: Limits = field(default_factory=Limits)
    ignore: frozenset[str] = frozenset()  # folded headers the mapping says to leave unused
    numbers_declared: bool = False  # a mapping set decimal / thousands: no detection from the data

    def __post_init__(self) -> None:
        amounts = AmountParser(self.decimal, self.thousands, self.currency_symbols)
        object.__setattr__(self, "parse_amount", amounts.parse)
        dates = partial(parse_date, formats=self.date_formats)
        object.__setattr__(self, "parse_date", cached_parser(dates, 1 << 16, "a date"))
        object.__setattr__(self, "parse_bool", cached_parser(self._parse_bool, 1024, "a yes/no"))
        currencies = cached_parser(self._parse_currency, 1024, "a currency")
        object.__setattr__(self, "parse_currency", currencies)

    # --- columns ------------------------------------------------------------------------------

    def field_for(self, header: str) -> tuple[str | None, str | None]:
        """The canonical field a source header maps to (or ``None``) and its bracketed suffix."""
        return field_for(self.columns, header)

    def is_known_header(self, header: object) -> bool:
        """Whether a cell looks like a header this mapping knows (for XLSX header detection)."""
        return isinstance(header, str) and self.field_for(header)[0] is not None

    def plan(
        self, headers: Iterable[str], kind: str, ignore_headers: frozenset[str] = frozenset()
    ) -> ColumnPlan:
        """Match a file's headers to the fields of ``kind``; two headers for one field is fatal.
        Headers in the mapping's ``ignore`` (or in ``ignore_headers``, exactly) are left unused."""
        return plan_columns(
            headers, kind, self.columns, self.currency_symbols, self.ignore, ignore_headers
        )

    # --- cells (each replaced by a cached or configured function per mapping) -----------------

    def map_value(self, field_name: str, raw: str) -> str:
        """Apply the value map of a field (``外部欺诈`` → ``ET2`` …); unmapped values pass through."""
        table = self.values.get(field_name)
        if table:
            return table.get(header_key(raw), raw)
        return raw

    def parse_bool(self, raw: str) -> bool:
        raise NotImplementedError

    def _parse_bool(self, raw: str) -> bool:
        folded = fold(raw)
        if folded in self.true_values:
            return True
        if folded in self.false_values:
            return False
        raise Invalid("must be a yes/no value (true/false, yes/no, y/n, 1/0, 是/否 …)")

    def parse_date(self, raw: str) -> date:
        """A date cell: ISO 8601, then ``date_formats`` in order (:func:`~oprisk.ingest.dates.parse_date`)."""
        raise NotImplementedError

    def parse_currency(self, raw: str) -> str:
        raise NotImplementedError

    def _parse_currency(self, raw: str) -> str:
        s = raw.strip()
        code = self.currency_symbols.get(fold(s), s.upper())
        if code not in ISO_4217:
            close = get_close_matches(s.upper(), sorted(ISO_4217), n=1, cutoff=0.7)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise Invalid("must be an ISO 4217 currency code such as EUR, USD, CNY" + hint)
        return code

    def parse_amount(self, raw: str) -> tuple[Decimal, str | None, Decimal | None]:
        """An amount cell → (value, currency named in the cell, unit named in the cell).

        Accepts the mapping's separators, grouping spaces, currency symbols or codes before or
        after the number, accounting negatives ``(1,234.00)``, trailing minus ``1234-`` and unit
        words (``150万元``); see :class:`~oprisk.ingest.amounts.AmountParser`.
        """
        raise NotImplementedError
