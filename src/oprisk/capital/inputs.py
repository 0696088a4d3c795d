"""Turn the input shapes the capital functions accept into ``{year: {key: Decimal}}``.

Accepted shapes: a pandas Series indexed by year; a DataFrame indexed by year with one column per
key (wide); a DataFrame with ``year`` / key / value columns (long); a mapping ``{year: value}``,
``{year: {key: value}}`` or ``{key: {year: value}}``. Row order never matters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from oprisk.errors import CapitalError, MissingInputError, invalid

from .results import to_decimal, to_year


def _is_year(value: Any) -> bool:
    try:
        to_year(value)
    except CapitalError:
        return False
    return True


def year_values(data: Any, name: str) -> dict[int, Decimal]:
    """``{year: amount}`` from a Series, a one-column DataFrame or a mapping."""
    if isinstance(data, pd.DataFrame):
        if "year" in data.columns and name in data.columns:
            data = data.set_index("year")[name]
        elif data.shape[1] == 1:
            data = data.iloc[:, 0]
        else:
            raise CapitalError(
                invalid(name, list(data.columns), f"expected a 'year' and a {name!r} column")
            )
    if isinstance(data, pd.Series):
        data = dict(zip(data.index, data.to_numpy(dtype=object), strict=True))
    if not isinstance(data, Mapping):
        raise CapitalError(invalid(name, type(data).__name__, "must be a Series or a mapping"))
    out: dict[int, Decimal] = {}
    for key, value in data.items():
        year = to_year(key)
        if year in out:
            raise CapitalError(invalid(name, year, "year given twice"))
        out[year] = to_decimal(value, f"{name}[{year}]")
    return out


def keyed_table(
    data: Any,
    *,
    name: str,
    key_column: str,
    value_column: str,
    resolve: Callable[[Any], str],
) -> dict[int, dict[str, Decimal]]:
    """``{year: {key: amount}}`` from wide / long frames or nested mappings.

    ``resolve`` maps a raw key (a label) to its canonical code; several raw keys resolving to one
    code in the same year are summed only when they differ (level-2 lines rolled up), an exact
    repeat is an error. A missing cell (NaN/None) is a :class:`MissingInputError` naming it.
    """
    cells: list[tuple[Any, Any, Any]] = []  # (year, raw key, raw value)
    if isinstance(data, pd.DataFrame):
        if {"year", key_column, value_column} <= set(data.columns):
            for y, k, v in data[["year", key_column, value_column]].itertuples(index=False):
                cells.append((y, k, v))
        else:
            frame = data.set_index("year") if "year" in data.columns else data
            for y, row in frame.iterrows():
                for k, v in row.items():
                    cells.append((y, k, v))
    elif isinstance(data, Mapping):
        year_first = all(_is_year(k) for k in data)
        for outer, inner in data.items():
            if not isinstance(inner, Mapping):
                raise CapitalError(
                    invalid(name, {outer: inner}, f"expected {{year: {{{key_column}: amount}}}}")
                )
            for k, v in inner.items():
                cells.append((outer, k, v) if year_first else (k, outer, v))
    else:
        raise CapitalError(invalid(name, type(data).__name__, "must be a DataFrame or a mapping"))

    out: dict[int, dict[str, Decimal]] = {}
    raw_seen: set[tuple[int, str]] = set()
    for y, k, v in cells:
        year = to_year(y, "year")
        label = f"{name}[{year}, {k}]"
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            continue  # an empty cell is an absent value; completeness is checked by the caller
        code = resolve(k)
        raw = (year, str(k))
        if raw in raw_seen:
            raise CapitalError(invalid(label, v, f"{key_column} {k!r} given twice for {year}"))
        raw_seen.add(raw)
        amount = to_decimal(v, label)
        row = out.setdefault(year, {})
        row[code] = row.get(code, Decimal(0)) + amount
    return out


def require_complete(table: dict[int, dict[str, Decimal]], name: str, key_column: str) -> None:
    """Every key present in one year must be present in every year (a gap is missing input)."""
    keys = {k for row in table.values() for k in row}
    for year, row in sorted(table.items()):
        missing = sorted(keys - set(row))
        if missing:
            raise MissingInputError(
                invalid(f"{name}[{year}]", None, f"no value for {key_column} {', '.join(missing)}")
            )


def last_years(years: list[int], n: int, name: str, *, allow_fewer: bool = False) -> list[int]:
    """The last ``n`` years (consecutive); fewer is an error naming the years present."""
    years = sorted(years)
    if len(years) < n and not allow_fewer:
        raise MissingInputError(
            invalid(
                name,
                years,
                f"needs {n} years of data, got {len(years)}"
                + (f" ({', '.join(map(str, years))})" if years else ""),
            )
        )
    chosen = years[-n:]
    if chosen:
        missing = sorted(set(range(chosen[0], chosen[-1] + 1)) - set(chosen))
        if missing:
            raise MissingInputError(
                invalid(
                    name,
                    chosen,
                    f"years must be consecutive; missing {', '.join(map(str, missing))}",
                )
            )
    return chosen
