"""Printing query results: a DataFrame as a table, JSON records or CSV."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pandas as pd


def emit(df: pd.DataFrame, fmt: str, *, bom: bool = False) -> None:
    """Print a DataFrame as a table, JSON records or CSV (``bom``: with a UTF-8 byte-order mark,
    which Excel needs to read UTF-8)."""
    if fmt == "json":
        click.echo(json.dumps(records(df), ensure_ascii=False, indent=1))
    elif fmt == "csv":
        days = _date_columns(df)
        if days:  # calendar days as 2025-03-31, timestamps in full
            df = df.assign(**{c: df[c].dt.strftime("%Y-%m-%d") for c in days})
        text = df.to_csv(index=False)
        click.echo(("\ufeff" if bom else "") + text, nl=False)
    else:
        import pandas as pd

        with pd.option_context(
            "display.max_rows", 200, "display.width", 160, "display.max_columns", 20
        ):
            click.echo(df.to_string(index=False) if len(df) else "(none)")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dates as ISO dates, timestamps as ISO timestamps, NaN as null."""
    days = _date_columns(df)
    out = []
    for row in df.astype(object).where(df.notna(), None).to_dict(orient="records"):
        out.append(
            {k: _plain(v.date() if k in days and v is not None else v) for k, v in row.items()}
        )
    return out


def _date_columns(df: pd.DataFrame) -> set[str]:
    """``datetime64`` columns that hold calendar days (every value at midnight): shown as dates."""
    import pandas as pd

    out = set()
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_datetime64_any_dtype(col) and getattr(col.dt, "tz", None) is None:
            present = col.dropna()
            if (present == present.dt.normalize()).all():
                out.add(name)
    return out


def _plain(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    if isinstance(v, Decimal):  # the same text from SQLite and PostgreSQL's NUMERIC(28, 8)
        return format(v.normalize(), "f") if v.is_finite() else str(v)
    return v
