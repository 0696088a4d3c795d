"""Mappings: how a source file's columns and cell formats become oprisk's canonical columns.

A mapping is a TOML file (format in ``docs/ingest.md``); ``extends`` chains it to a preset
(``canonical``, ``zh-CN``) or another file. :func:`load_mapping` returns a frozen :class:`Mapping`
that knows the column renames and parses cells: dates, amounts (decimal and thousands
separators, currency symbols, units such as 万元), booleans and per-field value maps.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from oprisk.domain.money import ISO_4217
from oprisk.domain.taxonomy import normalise
from oprisk.errors import MappingError, invalid

__all__ = [
    "AMOUNT_FIELDS",
    "DATE_FIELDS",
    "ISO_4217",
    "KINDS",
    "KIND_FIELDS",
    "PRESETS",
    "ColumnPlan",
    "Invalid",
    "Mapping",
    "load_mapping",
    "parse_unit",
]

KINDS = ("incidents", "movements", "financials")

#: The canonical columns of each kind (the row models in :mod:`oprisk.ingest.rows` have these fields).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "incidents": (
        "external_id", "title", "description", "event_type", "event_type_l2", "cause",
        "business_line", "business_line_l2", "legal_entity", "lei", "org_unit", "occurred_on",
        "discovered_on", "accounted_on", "currency", "gross_loss", "recovery_insurance",
        "recovery_other", "near_miss", "gain", "credit_boundary", "market_boundary", "legal",
        "root_external_id", "deleted", "exclusion_reference",
    ),
    "movements": ("external_id", "line_id", "kind", "amount", "currency", "accounted_on", "received"),
    "financials": ("legal_entity", "year", "item", "business_line", "amount", "currency"),
}  # fmt: skip
ALL_FIELDS = frozenset(f for fields in KIND_FIELDS.values() for f in fields)
AMOUNT_FIELDS = frozenset({"gross_loss", "recovery_insurance", "recovery_other", "amount"})
DATE_FIELDS = frozenset({"occurred_on", "discovered_on", "accounted_on"})

# Active ISO 4217 codes (plus the precious metals and XDR that ledgers use).

# Words for amount units, in headers (``损失金额(万元)``) and mappings (``unit = "万元"``).
_UNIT_WORDS: dict[str, Decimal] = {
    "元": Decimal(1), "yuan": Decimal(1), "units": Decimal(1), "unit": Decimal(1), "": Decimal(1),
    "千": Decimal(10**3), "千元": Decimal(10**3), "k": Decimal(10**3), "thousand": Decimal(10**3),
    "thousands": Decimal(10**3), "000": Decimal(10**3), "000s": Decimal(10**3),
    "万": Decimal(10**4), "万元": Decimal(10**4), "十万": Decimal(10**5), "十万元": Decimal(10**5),
    "百万": Decimal(10**6), "百万元": Decimal(10**6), "m": Decimal(10**6), "mn": Decimal(10**6),
    "mm": Decimal(10**6), "mio": Decimal(10**6), "million": Decimal(10**6),
    "millions": Decimal(10**6), "千万": Decimal(10**7), "千万元": Decimal(10**7),
    "亿": Decimal(10**8), "亿元": Decimal(10**8), "bn": Decimal(10**9), "billion": Decimal(10**9),
    "billions": Decimal(10**9), "萬": Decimal(10**4), "萬元": Decimal(10**4), "億": Decimal(10**8),
    "億元": Decimal(10**8), "千萬": Decimal(10**7), "千萬元": Decimal(10**7), "百萬": Decimal(10**6),
    "百萬元": Decimal(10**6),
}  # fmt: skip

_MAPPING_KEYS = {
    "extends", "name", "description", "kind", "read", "columns", "date_formats", "decimal",
    "thousands", "unit", "units", "currency_symbols", "values", "booleans", "defaults",
    "future_tolerance_days",
}  # fmt: skip
_READ_KEYS = {"encoding", "delimiter", "sheet", "header_row", "merged_cells"}
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 after Excel's fictitious 1900-02-29
_BRACKETED = re.compile(r"^(.*?)\s*[(\[]([^()\[\]]*)[)\]]\s*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_UNIT_SUFFIX = re.compile(r"^([\d.,' ]*\d[\d.,' ]*?)\s*([^\d\s.,']+)$")
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "\u2009": " ", "\u202f": " ", "\xa0": " "})


# Traditional → simplified for header and label characters the taxonomy's own table lacks.
_T2S_EXTRA = str.maketrans(
    "現條線綫賠刪項邊聯準編償萬億計則據撥轉餘額歸屬應帳簿",
    "现条线线赔删项边联准编偿万亿计则据拨转余额归属应账簿",
)


def _key(text: str) -> str:
    """Fold a header or a value-map label: the taxonomy's normalisation plus more traditional characters."""
    return normalise(text.translate(_T2S_EXTRA))


class Invalid(ValueError):
    """A cell that cannot be parsed; ``args[0]`` is the rule it breaks (no field, no value)."""


def _fold(text: str) -> str:
    """Fold a label for value maps and booleans: NFKC, casefold, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def parse_unit(text: object, *, key: str = "unit") -> Decimal:
    """A unit word (``万元``, ``thousands``, ``m``) or a positive number → its multiplier."""
    if isinstance(text, int | float) and not isinstance(text, bool) and text > 0:
        return Decimal(str(text))
    if isinstance(text, str):
        folded = _fold(text).replace("'", "").replace("’", "").replace(" ", "")
        folded = folded.removeprefix("in")
        if folded in _UNIT_WORDS:
            return _UNIT_WORDS[folded]
        try:
            value = Decimal(folded)
        except InvalidOperation:
            pass
        else:
            if value.is_finite() and value > 0:
                return value
    raise MappingError(
        invalid(
            key,
            text,
            "must be a unit (元, 千元, 万元, 亿元, thousands, millions …) or a positive number",
        )
    )


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

    def __post_init__(self) -> None:
        d, t = re.escape(self.decimal), re.escape(self.thousands) if self.thousands else ""
        group = f"(?:{t}| )" if t else " "
        number = rf"^(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)?(?:{d}\d+)?(?:[eE][+-]?\d+)?$"
        object.__setattr__(self, "_number", re.compile(number))
        symbols = sorted(self.currency_symbols, key=len, reverse=True)
        object.__setattr__(self, "_symbols", symbols)
        object.__setattr__(self, "parse_date", lru_cache(maxsize=1 << 16)(self._parse_date))
        object.__setattr__(self, "parse_bool", lru_cache(maxsize=1024)(self._parse_bool))
        object.__setattr__(self, "parse_currency", lru_cache(maxsize=1024)(self._parse_currency))

    # --- columns ------------------------------------------------------------------------------

    def field_for(self, header: str) -> tuple[str | None, str | None]:
        """The canonical field a source header maps to (or ``None``) and its bracketed suffix."""
        key = _key(header)
        target = self.columns.get(key) or (key if key in _NORMALISED_FIELDS else None)
        if target is not None:
            return _NORMALISED_FIELDS.get(target, target), None
        m = _BRACKETED.match(unicodedata.normalize("NFKC", header))
        if m:
            base = _key(m.group(1))
            target = self.columns.get(base) or (base if base in _NORMALISED_FIELDS else None)
            if target is not None:
                return _NORMALISED_FIELDS.get(target, target), m.group(2)
        return None, None

    def is_known_header(self, header: object) -> bool:
        """Whether a cell looks like a header this mapping knows (for XLSX header detection)."""
        return isinstance(header, str) and self.field_for(header)[0] is not None

    def plan(self, headers: Iterable[str], kind: str) -> ColumnPlan:
        """Match a file's headers to the fields of ``kind``; two headers for one field is fatal."""
        fields = KIND_FIELDS[kind]
        sources: dict[str, str] = {}
        units: dict[str, Decimal] = {}
        currencies: dict[str, str] = {}
        unmapped: list[str] = []
        for header in headers:
            target, suffix = self.field_for(header)
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
                unit, currency = self._bracket_unit(header, suffix)
                if unit is not None:
                    units[target] = unit
                if currency is not None:
                    currencies[target] = currency
        return ColumnPlan(kind, sources, units, currencies, tuple(unmapped))

    def _bracket_unit(self, header: str, suffix: str) -> tuple[Decimal | None, str | None]:
        """``万元`` → (10000, None); ``人民币万元`` → (10000, CNY); ``EUR m`` → (10**6, EUR)."""
        text = _fold(suffix.translate(_T2S_EXTRA))
        currency = None
        for sym in self._symbols:  # type: ignore[attr-defined]
            if sym and sym != "元" and sym in text:
                currency = self.currency_symbols[sym]
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

    # --- cells --------------------------------------------------------------------------------

    def map_value(self, field_name: str, raw: str) -> str:
        """Apply the value map of a field (``外部欺诈`` → ``ET2`` …); unmapped values pass through."""
        table = self.values.get(field_name)
        if table:
            return table.get(_key(raw), raw)
        return raw

    def parse_bool(self, raw: str) -> bool:  # replaced by a cached bound function per mapping
        raise NotImplementedError

    def _parse_bool(self, raw: str) -> bool:
        folded = _fold(raw)
        if folded in self.true_values:
            return True
        if folded in self.false_values:
            return False
        raise Invalid("must be a yes/no value (true/false, yes/no, y/n, 1/0, 是/否 …)")

    def parse_date(self, raw: str) -> date:  # replaced by a cached bound function per mapping
        raise NotImplementedError

    def _parse_date(self, raw: str) -> date:
        s = raw.strip()
        m = _ISO_DATE.match(s)
        if m:  # ISO 8601 is always accepted (the XLSX reader renders date cells so)
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise Invalid("not a real calendar date") from None
        out_of_range = False
        for fmt in self.date_formats:
            if fmt == "excel":
                try:
                    serial = float(s)
                except ValueError:
                    continue
                if serial.is_integer() and 61 <= serial <= 2958465:
                    return _EXCEL_EPOCH + timedelta(days=int(serial))
                continue
            try:
                return datetime.strptime(s, fmt).date()
            except ValueError as exc:
                out_of_range = out_of_range or "out of range" in str(exc)
        if out_of_range:
            raise Invalid("not a real calendar date")
        raise Invalid("not a date in the formats " + ", ".join(self.date_formats))

    def parse_currency(self, raw: str) -> str:  # replaced by a cached bound function per mapping
        raise NotImplementedError

    def _parse_currency(self, raw: str) -> str:
        s = raw.strip()
        code = self.currency_symbols.get(_fold(s), s.upper())
        if code not in ISO_4217:
            raise Invalid("must be an ISO 4217 currency code such as EUR, USD, CNY")
        return code

    def parse_amount(self, raw: str) -> tuple[Decimal, str | None, Decimal | None]:
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
            word = _fold(m.group(2))
            if word in _UNIT_WORDS:
                s, unit = m.group(1).strip(), _UNIT_WORDS[word]
        if not s or not self._number.match(s) or not any(c.isdigit() for c in s):  # type: ignore[attr-defined]
            raise Invalid(
                f"not a number (decimal separator {self.decimal!r}, thousands {self.thousands!r})"
            )
        s = s.replace(" ", "")
        if self.thousands:
            s = s.replace(self.thousands, "")
        if self.decimal != ".":
            s = s.replace(self.decimal, ".")
        value = Decimal(s)
        return (-value if negative else value), currency, unit

    def _strip_currency(self, s: str) -> tuple[str, str | None]:
        folded = s.casefold()
        for sym in self._symbols:  # type: ignore[attr-defined]
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


_NORMALISED_FIELDS = {normalise(f): f for f in ALL_FIELDS}

# --- loading ------------------------------------------------------------------------------------

PRESETS = ("canonical", "zh-CN")


def load_mapping(name_or_path: str | os.PathLike[str] | None = None) -> Mapping:
    """Load a preset (``"canonical"``, ``"zh-CN"``) or a TOML mapping file, following ``extends``.

    Raises :class:`~oprisk.errors.MappingError` naming the key for anything malformed.
    """
    return _build(_load_chain(name_or_path or "canonical", ()))


def _read_toml(name_or_path: str | os.PathLike[str]) -> tuple[dict[str, Any], str, Path | None]:
    text_name = str(name_or_path)
    if text_name in PRESETS:
        data = resources.files("oprisk.ingest").joinpath(f"presets/{text_name}.toml").read_bytes()
        where: Path | None = None
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise MappingError(
                invalid(
                    "mapping", text_name, f"must be a preset ({', '.join(PRESETS)}) or a TOML file"
                )
            )
        data, where = path.read_bytes(), path.parent
    try:
        return tomllib.loads(data.decode("utf-8-sig")), text_name, where
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"mapping {text_name!r} is not valid TOML: {exc}") from exc


def _load_chain(
    name_or_path: str | os.PathLike[str], seen: tuple[str, ...]
) -> list[tuple[str, dict[str, Any]]]:
    doc, label, where = _read_toml(name_or_path)
    key = str(Path(label).resolve()) if where is not None else label
    if key in seen:
        raise MappingError(invalid("extends", label, "forms a cycle: " + " → ".join((*seen, key))))
    unknown = set(doc) - _MAPPING_KEYS
    if unknown:
        raise MappingError(invalid(sorted(unknown)[0], doc[sorted(unknown)[0]],
                                   f"unknown mapping key in {label!r}; known keys: {', '.join(sorted(_MAPPING_KEYS))}"))  # fmt: skip
    parent = doc.get("extends")
    if parent is None:
        return [(label, doc)]
    if not isinstance(parent, str):
        raise MappingError(invalid("extends", parent, "must be a preset name or a path"))
    if parent not in PRESETS and where is not None and not Path(parent).is_absolute():
        parent = str(where / parent)
    return [*_load_chain(parent, (*seen, key)), (label, doc)]


def _table(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise MappingError(invalid(key, value, "must be a TOML table"))
    return value


def _build(chain: list[tuple[str, dict[str, Any]]]) -> Mapping:
    kw: dict[str, Any] = {
        "columns": {},
        "units": {},
        "currency_symbols": {},
        "values": {},
        "defaults": {},
    }
    formats: list[str] = []
    trues: set[str] = set(Mapping.true_values)
    falses: set[str] = set(Mapping.false_values)
    for label, doc in chain:
        kw["name"] = str(doc.get("name", label))
        kw["source"] = label
        if "kind" in doc:
            if doc["kind"] not in KINDS:
                raise MappingError(
                    invalid("kind", doc["kind"], "must be one of " + ", ".join(KINDS))
                )
            kw["kind"] = doc["kind"]
        for src, target in _table(doc, "columns").items():
            if not isinstance(target, str) or target not in ALL_FIELDS:
                raise MappingError(
                    invalid(
                        f"columns.{src}",
                        target,
                        "must be a canonical column: " + ", ".join(sorted(ALL_FIELDS)),
                    )
                )
            kw["columns"][_key(src)] = target
        dfs = doc.get("date_formats", [])
        if not isinstance(dfs, list) or not all(
            isinstance(f, str) and ("%" in f or f == "excel") for f in dfs
        ):
            raise MappingError(
                invalid("date_formats", dfs, 'must be a list of strptime formats or "excel"')
            )
        formats = [*dfs, *(f for f in formats if f not in dfs)]
        for key in ("decimal", "thousands"):
            if key in doc:
                sep = doc[key]
                if (
                    not isinstance(sep, str)
                    or len(sep) > 1
                    or sep.isalnum()
                    or (key == "decimal" and not sep)
                ):
                    raise MappingError(invalid(key, sep, "must be one non-alphanumeric character"))
                kw[key] = sep
        if "unit" in doc:
            kw["unit"] = parse_unit(doc["unit"], key="unit")
        for col, unit in _table(doc, "units").items():
            if col not in AMOUNT_FIELDS:
                raise MappingError(
                    invalid(
                        f"units.{col}",
                        unit,
                        "must name an amount column: " + ", ".join(sorted(AMOUNT_FIELDS)),
                    )
                )
            kw["units"][col] = parse_unit(unit, key=f"units.{col}")
        for sym, code in _table(doc, "currency_symbols").items():
            if not isinstance(code, str) or code not in ISO_4217:
                raise MappingError(
                    invalid(f"currency_symbols.{sym}", code, "must be an ISO 4217 code")
                )
            kw["currency_symbols"][_fold(sym)] = code
        for col, table in _table(doc, "values").items():
            if col not in ALL_FIELDS or not isinstance(table, dict):
                raise MappingError(
                    invalid(f"values.{col}", table, "must be a table under a canonical column name")
                )
            bad = [k for k, v in table.items() if not isinstance(v, str)]
            if bad:
                raise MappingError(
                    invalid(f"values.{col}.{bad[0]}", table[bad[0]], "must be a string")
                )
            kw["values"].setdefault(col, {}).update({_key(k): v for k, v in table.items()})
        booleans = _table(doc, "booleans")
        for key, target in (("true", trues), ("false", falses)):
            words = booleans.get(key, [])
            if not isinstance(words, list) or not all(isinstance(w, str | int) for w in words):
                raise MappingError(invalid(f"booleans.{key}", words, "must be a list of strings"))
            target.update(_fold(str(w)) for w in words)
        if set(booleans) - {"true", "false"}:
            raise MappingError(invalid("booleans", booleans, "takes only 'true' and 'false' lists"))
        for col, value in _table(doc, "defaults").items():
            if col not in ALL_FIELDS:
                raise MappingError(
                    invalid(f"defaults.{col}", value, "must name a canonical column")
                )
            kw["defaults"][col] = str(value).lower() if isinstance(value, bool) else str(value)
        _read_options(_table(doc, "read"), kw)
        if "future_tolerance_days" in doc:
            days = doc["future_tolerance_days"]
            if not isinstance(days, int) or isinstance(days, bool) or days < 0:
                raise MappingError(invalid("future_tolerance_days", days, "must be an integer ≥ 0"))
            kw["future_tolerance_days"] = days
    if trues & falses:
        raise MappingError(invalid("booleans", sorted(trues & falses), "are both true and false"))
    kw["date_formats"] = tuple(formats) or Mapping.date_formats
    kw["true_values"], kw["false_values"] = frozenset(trues), frozenset(falses)
    return Mapping(**kw)


def _read_options(read: dict[str, Any], kw: dict[str, Any]) -> None:
    for key, value in read.items():
        if key not in _READ_KEYS:
            raise MappingError(
                invalid(
                    f"read.{key}", value, "unknown key; known: " + ", ".join(sorted(_READ_KEYS))
                )
            )
        ok = {
            "encoding": isinstance(value, str),
            "delimiter": isinstance(value, str) and len(value) == 1,
            "sheet": isinstance(value, str)
            or (isinstance(value, int) and not isinstance(value, bool) and value >= 0),
            "header_row": isinstance(value, int) and not isinstance(value, bool) and value >= 1,
            "merged_cells": value in ("reject", "fill"),
        }[key]
        if key == "encoding" and ok:
            import codecs

            try:
                codecs.lookup(value)
            except LookupError:
                ok = False
        if not ok:
            rules = {
                "encoding": "must be a Python codec name (utf-8, gb18030, utf-16 …)",
                "delimiter": "must be one character",
                "sheet": "must be a sheet name or a 0-based index",
                "header_row": "must be a line number ≥ 1",
                "merged_cells": 'must be "reject" or "fill"',
            }
            raise MappingError(invalid(f"read.{key}", value, rules[key]))
        kw[key] = value
