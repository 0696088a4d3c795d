"""Column plans: which source header feeds which canonical field, and the unit a header declares.

Every column of a file is accounted for: mapped to a field, ignored because the mapping says so
(``ignore``), or unmapped. An unmapped header close to a known field or alias (``法律事件`` next to
``法律风险``, ``Gross loss EUR``) is most likely a column the mapping misses, so
:func:`suspicious_columns` finds those for the caller to refuse with a "did you mean".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher

from oprisk.domain.money import ISO_4217
from oprisk.errors import MappingError, invalid
from oprisk.ingest.fields import (
    AMOUNT_FIELDS,
    KIND_FALLBACK,
    KIND_FIELDS,
    NORMALISED_FIELDS,
    fold,
    header_key,
    simplified,
)
from oprisk.ingest.units import parse_unit

__all__ = ["ColumnPlan", "field_for", "plan_columns", "suspicious_columns"]

_BRACKETED = re.compile(r"^(.*?)\s*[(\[]([^()\[\]]*)[)\]]\s*$")


@dataclass(frozen=True)
class ColumnPlan:
    """How one file's headers map to the canonical fields of one kind.

    ``sources`` maps a canonical field to its source header; ``units`` and ``currencies`` hold
    what a header declared in brackets (``损失金额(万元)``, ``Gross loss (EUR)``); ``unmapped``
    lists the source headers no field uses, ``ignored`` those the mapping says to leave unused.
    """

    kind: str
    sources: dict[str, str]
    units: dict[str, Decimal]
    currencies: dict[str, str]
    unmapped: tuple[str, ...]
    ignored: tuple[str, ...] = ()

    @property
    def mapped(self) -> dict[str, str]:
        """Source header → canonical field."""
        return {header: f for f, header in self.sources.items()}


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
    ignore: frozenset[str] = frozenset(),
    ignore_headers: frozenset[str] = frozenset(),
) -> ColumnPlan:
    """Match a file's headers to the fields of ``kind``; two headers for one field is fatal.

    ``symbols`` maps folded currency symbols to ISO codes (for ``Gross loss (RMB)``); ``ignore``
    holds folded headers and ``ignore_headers`` exact ones to leave unused.
    """
    fields = KIND_FIELDS[kind]
    sources: dict[str, str] = {}
    units: dict[str, Decimal] = {}
    currencies: dict[str, str] = {}
    unmapped: list[str] = []
    ignored: list[str] = []
    for header in headers:
        if header in ignore_headers or header_key(header) in ignore:
            ignored.append(header)
            continue
        target, suffix = field_for(columns, header)
        target = KIND_FALLBACK.get(kind, {}).get(target or "", target)
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
    return ColumnPlan(kind, sources, units, currencies, tuple(unmapped), tuple(ignored))


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


#: how alike two folded headers must be (difflib's ratio) to count as the same name mistyped
_CLOSE = 0.8
#: a folded header containing a known name (or inside one) of at least this many characters,
#: and at least half as long as the other, is close too: 关联主事件编号 ⊃ 主事件编号
_CONTAINED = 4


def suspicious_columns(
    headers: Iterable[str], kind: str, columns: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """Unmapped headers close to a field of ``kind`` or to an alias of one: header → (the known
    name it is close to, its field)."""
    fields = KIND_FIELDS[kind]
    known = {header_key(f): f for f in fields}
    known.update({alias: f for alias, f in columns.items() if f in fields})
    out: dict[str, tuple[str, str]] = {}
    for header in headers:
        key = header_key(header)
        m = _BRACKETED.match(unicodedata.normalize("NFKC", header))
        keys = {key, header_key(m.group(1))} if m else {key}
        best: tuple[float, str, str] | None = None
        for name, target in known.items():
            for k in keys:
                score = _closeness(k, name)
                if score and (best is None or score > best[0]):
                    best = (score, name, target)
        if best is not None:
            out[header] = best[1:]
    return out


def _closeness(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    short, long = sorted((a, b), key=len)
    if len(short) >= _CONTAINED and short in long and len(short) * 2 >= len(long):
        return 1.0 + len(short) / len(long)  # above any ratio; the longer the name, the likelier
    ratio = SequenceMatcher(None, a, b).ratio()
    return ratio if ratio >= _CLOSE else 0.0
