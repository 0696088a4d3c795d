"""Column plans: which source header feeds which canonical field, and the unit a header declares."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from oprisk.domain.money import ISO_4217
from oprisk.errors import MappingError, invalid
from oprisk.ingest.fields import (
    AMOUNT_FIELDS,
    KIND_FIELDS,
    NORMALISED_FIELDS,
    fold,
    header_key,
    simplified,
)
from oprisk.ingest.units import parse_unit

__all__ = ["ColumnPlan", "field_for", "plan_columns"]

_BRACKETED = re.compile(r"^(.*?)\s*[(\[]([^()\[\]]*)[)\]]\s*$")


@dataclass(frozen=True)
class ColumnPlan:
    """How one file's headers map to the canonical fields of one kind.

    ``sources`` maps a canonical field to its source header; ``units`` and ``currencies`` hold
    what a header declared in brackets (``损失金额(万元)``, ``Gross loss (EUR)``); ``unmapped``
    lists the source headers no field uses (ignored on load).
    """

    kind: str
    sources: dict[str, str]
    units: dict[str, Decimal]
    currencies: dict[str, str]
    unmapped: tuple[str, ...]


def field_for(columns: Mapping[str, str], header: str) -> tuple[str | None, str | None]:
    """The canonical field a source header maps to (or ``None``) and its bracketed suffix.

    ``columns`` maps folded source headers (:func:`~oprisk.ingest.fields.header_key`) to fields.
    """
    key = header_key(header)
    target = columns.get(key) or (key if key in NORMALISED_FIELDS else None)
    if target is not None:
        return NORMALISED_FIELDS.get(target, target), None
    m = _BRACKETED.match(unicodedata.normalize("NFKC", header))
    if m:
        base = header_key(m.group(1))
        target = columns.get(base) or (base if base in NORMALISED_FIELDS else None)
        if target is not None:
            return NORMALISED_FIELDS.get(target, target), m.group(2)
    return None, None


def plan_columns(
    headers: Iterable[str],
    kind: str,
    columns: Mapping[str, str],
    symbols: Mapping[str, str],
) -> ColumnPlan:
    """Match a file's headers to the fields of ``kind``; two headers for one field is fatal.

    ``symbols`` maps folded currency symbols to ISO codes (for ``Gross loss (RMB)``).
    """
    fields = KIND_FIELDS[kind]
    sources: dict[str, str] = {}
    units: dict[str, Decimal] = {}
    currencies: dict[str, str] = {}
    unmapped: list[str] = []
    for header in headers:
        target, suffix = field_for(columns, header)
        if target is None or target not in fields:
            unmapped.append(header)
            continue
        if target in sources:
            raise MappingError(
                f"columns {sources[target]!r} and {header!r} both map to {target!r}; "
                "map one of them explicitly in [columns]"
            )
        sources[target] = header
        if suffix is not None and target in AMOUNT_FIELDS:
            unit, currency = bracket_unit(header, suffix, symbols)
            if unit is not None:
                units[target] = unit
            if currency is not None:
                currencies[target] = currency
    return ColumnPlan(kind, sources, units, currencies, tuple(unmapped))


def bracket_unit(
    header: str, suffix: str, symbols: Mapping[str, str]
) -> tuple[Decimal | None, str | None]:
    """``万元`` → (10000, None); ``人民币万元`` → (10000, CNY); ``EUR m`` → (10**6, EUR)."""
    text = fold(simplified(suffix))
    currency = None
    for sym in sorted(symbols, key=len, reverse=True):
        if sym and sym != "元" and sym in text:
            currency = symbols[sym]
            text = text.replace(sym, " ", 1)
            break
    else:
        for word in text.replace(",", " ").split():
            if word.upper() in ISO_4217:
                currency = word.upper()
                text = text.replace(word, " ", 1)
                break
    try:
        unit = parse_unit(text, key=header)
    except MappingError:
        raise MappingError(
            invalid(header, suffix, "cannot tell the unit of this amount column; "
                    "map the whole header in [columns] and set its unit in [units]")
        ) from None  # fmt: skip
    return (None if unit == 1 and not text.strip() else unit), currency
