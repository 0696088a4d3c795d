"""Mappings: how a source file's columns and cell formats become oprisk's canonical columns.

A mapping is a TOML file (format in ``docs/ingest.md``); ``extends`` chains it to a preset
(``canonical``, ``zh-CN``, in ``presets/``) or another file. :func:`load_mapping` returns a frozen
:class:`~oprisk.ingest.settings.Mapping` that knows the column renames and parses cells: dates,
amounts (decimal and thousands separators, currency symbols, units such as 万元), booleans and
per-field value maps. This module reads and checks the TOML; the names of the pieces it builds
are re-exported here.
"""

from __future__ import annotations

import codecs
import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from oprisk.domain.money import ISO_4217
from oprisk.errors import MappingError, invalid
from oprisk.ingest.columns import ColumnPlan
from oprisk.ingest.fields import (
    ALL_FIELDS,
    AMOUNT_FIELDS,
    DATE_FIELDS,
    KIND_FIELDS,
    KINDS,
    Invalid,
    fold,
    header_key,
)
from oprisk.ingest.limits import Limits, parse_limits
from oprisk.ingest.settings import Mapping
from oprisk.ingest.units import parse_unit

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

_MAPPING_KEYS = {
    "extends", "name", "description", "kind", "read", "columns", "date_formats", "decimal",
    "thousands", "unit", "units", "currency_symbols", "values", "booleans", "defaults",
    "future_tolerance_days", "limits", "ignore",
}  # fmt: skip
#: how the file is read; the number and date settings may also stand at the top level
_NUMBER_KEYS = ("decimal", "thousands", "date_formats")
_READ_KEYS = {"encoding", "delimiter", "sheet", "header_row", "merged_cells", *_NUMBER_KEYS}
_MAX_TOLERANCE_DAYS = 3650

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
    limits = Limits()
    ignore: set[str] = set()
    for label, doc in chain:
        try:
            doc = _hoist_read_keys(doc)
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
                kw["columns"][header_key(src)] = target
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
                        raise MappingError(
                            invalid(key, sep, "must be one non-alphanumeric character")
                        )
                    kw[key] = sep
                    kw["numbers_declared"] = True
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
                kw["currency_symbols"][fold(sym)] = code
            for col, table in _table(doc, "values").items():
                if col not in ALL_FIELDS or not isinstance(table, dict):
                    raise MappingError(
                        invalid(
                            f"values.{col}", table, "must be a table under a canonical column name"
                        )
                    )
                bad = [k for k, v in table.items() if not isinstance(v, str)]
                if bad:
                    raise MappingError(
                        invalid(f"values.{col}.{bad[0]}", table[bad[0]], "must be a string")
                    )
                kw["values"].setdefault(col, {}).update(
                    {header_key(k): v for k, v in table.items()}
                )
            booleans = _table(doc, "booleans")
            for key, target in (("true", trues), ("false", falses)):
                words = booleans.get(key, [])
                if not isinstance(words, list) or not all(isinstance(w, str | int) for w in words):
                    raise MappingError(
                        invalid(f"booleans.{key}", words, "must be a list of strings")
                    )
                target.update(fold(str(w)) for w in words)
            if set(booleans) - {"true", "false"}:
                raise MappingError(
                    invalid("booleans", booleans, "takes only 'true' and 'false' lists")
                )
            for col, value in _table(doc, "defaults").items():
                if col not in ALL_FIELDS:
                    raise MappingError(
                        invalid(f"defaults.{col}", value, "must name a canonical column")
                    )
                kw["defaults"][col] = str(value).lower() if isinstance(value, bool) else str(value)
            _read_options(_table(doc, "read"), kw)
            if "future_tolerance_days" in doc:
                days = doc["future_tolerance_days"]
                if (
                    not isinstance(days, int)
                    or isinstance(days, bool)
                    or not 0 <= days <= _MAX_TOLERANCE_DAYS
                ):
                    raise MappingError(
                        invalid(
                            "future_tolerance_days",
                            days,
                            f"must be an integer from 0 to {_MAX_TOLERANCE_DAYS} (ten years)",
                        )
                    )
                kw["future_tolerance_days"] = days
            limits = parse_limits(_table(doc, "limits"), limits)
            headers = doc.get("ignore", [])
            if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
                raise MappingError(invalid("ignore", headers, "must be a list of column headers"))
            ignore.update(header_key(h) for h in headers)
        except MappingError as exc:  # name the mapping file the key is in
            raise MappingError(f"mapping {label!r}: {exc}") from None
    if trues & falses:
        raise MappingError(invalid("booleans", sorted(trues & falses), "are both true and false"))
    if kw.get("decimal", ".") == kw.get("thousands", ","):
        raise MappingError(
            invalid("thousands", kw.get("thousands", ","), "must differ from the decimal separator")
        )
    kw["limits"], kw["ignore"] = limits, frozenset(ignore)
    kw["date_formats"] = tuple(formats) or Mapping.date_formats
    kw["true_values"], kw["false_values"] = frozenset(trues), frozenset(falses)
    return Mapping(**kw)


def _hoist_read_keys(doc: dict[str, Any]) -> dict[str, Any]:
    """``[read] decimal`` etc. as if at the top level (where older mappings have them)."""
    read = doc.get("read")
    if not isinstance(read, dict) or not any(k in read for k in _NUMBER_KEYS):
        return doc
    out = {**doc, "read": {k: v for k, v in read.items() if k not in _NUMBER_KEYS}}
    for key in _NUMBER_KEYS:
        if key in read:
            if key in doc:
                raise MappingError(
                    invalid(f"read.{key}", read[key], f"is also set at the top level as {key!r}")
                )
            out[key] = read[key]
    return out


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
            "delimiter": isinstance(value, str)
            and len(value) == 1
            and not value.isalnum()
            and value not in '"\r\n',
            "sheet": isinstance(value, str)
            or (isinstance(value, int) and not isinstance(value, bool) and value >= 0),
            "header_row": isinstance(value, int) and not isinstance(value, bool) and value >= 1,
            "merged_cells": value in ("reject", "fill"),
        }[key]
        if key == "encoding" and ok:
            ok = _text_encoding(value)
        if not ok:
            rules = {
                "encoding": "must be the name of a text encoding (utf-8, gb18030, cp1252, utf-16 …)",
                "delimiter": "must be one character other than a letter, digit, quote or newline",
                "sheet": "must be a sheet name or a 0-based index",
                "header_row": "must be a line number ≥ 1",
                "merged_cells": 'must be "reject" or "fill"',
            }
            raise MappingError(invalid(f"read.{key}", value, rules[key]))
        kw[key] = value


def _text_encoding(name: str) -> bool:
    """Whether ``name`` is a codec that decodes bytes to text (``rot13`` and ``base64`` are not)."""
    try:
        return bool(codecs.lookup(name)._is_text_encoding)
    except LookupError:
        return False
