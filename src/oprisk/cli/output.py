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
    out = []
    for row in df.astype(object).where(df.notna(), None).to_dict(orient="records"):
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    if isinstance(v, Decimal):
        return str(v)
    return v
