"""Number conventions: which character separates the decimals in a file's amounts, told from the data.

``72.039`` is seventy-two in one convention and 72,039 in the other; a wrong guess changes the
data (and, on a re-load, appends reversals). So unless a mapping declares ``decimal`` and
``thousands``, each file's amount cells are read both ways: a cell that parses in only one way
(``1.234,56``, ``0.5``, ``48250.00``) settles the convention for the file; a cell that parses
both ways with different values is ambiguous; cells without separators are neutral. A file with
an ambiguous cell and no cell to settle it is refused with the settings to declare. Cells the
file typed as numbers (JSON numbers, XLSX numeric cells) carry no convention and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from oprisk.errors import MappingError
from oprisk.ingest.amounts import AmountParser
from oprisk.ingest.fields import Invalid
from oprisk.ingest.records import ExactNumber, Record

__all__ = ["Convention", "detect_convention"]

_POINT, _COMMA = (".", ","), (",", ".")


@dataclass(frozen=True)
class Convention:
    """The separators a file's amounts are read with, and the cell that showed them (if any)."""

    decimal: str
    thousands: str
    line: int | None = None
    column: str | None = None
    text: str | None = None

    def evidence(self) -> str:
        """``line 2, 'Gross loss' = '1.234,56'`` (or that no cell needed a convention)."""
        if self.line is None:
            return "no amount in the file has a separator that could be read two ways"
        return f"line {self.line}, {self.column!r} = {self.text!r}"


def _read(parser: AmountParser, text: str) -> Decimal | None:
    try:
        return parser.parse(text)[0]
    except (Invalid, ArithmeticError, ValueError):
        return None


def detect_convention(
    records: Iterable[Record], columns: list[str], symbols: Mapping[str, str], where: str
) -> Convention:
    """The convention of the amount ``columns`` of ``records``: the first cell that reads one way
    only decides; an ambiguous cell with nothing to decide is a :class:`MappingError`."""
    point, comma = AmountParser(*_POINT, symbols), AmountParser(*_COMMA, symbols)
    ambiguous: tuple[int, str, str, Decimal, Decimal] | None = None
    for record in records:
        for column in columns:
            text = record.values.get(column)
            if not text or type(text) is ExactNumber or ("." not in text and "," not in text):
                continue
            a, b = _read(point, text), _read(comma, text)
            if a is not None and b is None:
                return Convention(*_POINT, record.line, column, text)
            if b is not None and a is None:
                return Convention(*_COMMA, record.line, column, text)
            if a is not None and b is not None and a != b and ambiguous is None:
                ambiguous = (record.line, column, text, a, b)
    if ambiguous is None:
        return Convention(*_POINT)
    line, column, text, a, b = ambiguous
    raise MappingError(
        f"cannot tell how to read the amounts of {where}: line {line}, {column!r} = {text!r} is "
        f"{a} with a decimal point or {b} with a decimal comma, and no amount in the file settles "
        'it; declare it in a mapping: [read] decimal = "." and thousands = "," (or decimal = "," '
        'and thousands = ".")'
    )
