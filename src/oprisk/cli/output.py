"""Printing query results: a DataFrame as a table, JSON records or CSV."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pandas as pd


def emit(df: pd.DataFrame, fmt: str) -> None:
    """Print a DataFrame as a table, JSON records or CSV."""
    if fmt == "json":
        click.echo(json.dumps(records(df), ensure_ascii=False, indent=1))
    elif fmt == "csv":
        click.echo(df.to_csv(index=False), nl=False)
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
    if isinstance(v, Decimal):
        return str(v)
    return v
