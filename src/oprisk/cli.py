"""The ``oprisk`` command line. Exit codes: 0 success, 1 some input rejected or a check failed,
2 usage error or fatal error."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import click
import pandas as pd

from oprisk.errors import OpriskError


def _fail_cleanly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn oprisk errors into a one-line message and exit code 2 (no traceback for users)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except OpriskError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)

    return wrapper


def command(
    group: click.Group, *args: Any, **kwargs: Any
) -> Callable[[Callable[..., Any]], click.Command]:
    def deco(fn: Callable[..., Any]) -> click.Command:
        return group.command(*args, **kwargs)(_fail_cleanly(fn))

    return deco


@click.group()
@click.option(
    "--db",
    "db_url",
    envvar="OPRISK_DATABASE_URL",
    default=None,
    help="Database URL (default: OPRISK_DATABASE_URL or ./oprisk.db).",
)
@click.option("--reporting-currency", default="EUR", show_default=True, help="Reporting currency.")
@click.version_option(package_name="oprisk")
@click.pass_context
def main(ctx: click.Context, db_url: str | None, reporting_currency: str) -> None:
    """oprisk: an event-sourced operational-risk loss-event database with a capital module."""
    ctx.obj = {"url": db_url, "currency": reporting_currency}


def open_db(ctx: click.Context) -> Any:
    from oprisk.api import connect

    return connect(ctx.obj["url"], reporting_currency=ctx.obj["currency"])


def emit(df: pd.DataFrame, fmt: str) -> None:
    """Print a DataFrame as a table, JSON records or CSV."""
    if fmt == "json":
        click.echo(json.dumps(records(df), ensure_ascii=False, indent=1))
    elif fmt == "csv":
        click.echo(df.to_csv(index=False), nl=False)
    else:
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


def fmt_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--json", "fmt", flag_value="json", help="JSON records.")(fn)
    fn = click.option("--csv", "fmt", flag_value="csv", help="CSV.")(fn)
    return click.option("--table", "fmt", flag_value="table", default=True, hidden=True)(fn)


@main.group()
def db() -> None:
    """Database schema."""


@command(db, "upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the schema to the latest revision."""
    from oprisk.store import migrate
    from oprisk.store.engine import make_engine

    engine = make_engine(ctx.obj["url"])
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    click.echo(f"{engine.url.render_as_string()}: schema {before or 'empty'} → {after}")


@command(main, "losses")
@click.option(
    "--as-of", default=None, help="Knowledge cut-off: ISO date/timestamp or a log position."
)
@click.option(
    "--accounted-until", default=None, help="Business cut-off: accounting date (YYYY-MM-DD)."
)
@click.option("--all-columns", is_flag=True, help="Every column, not the summary set.")
@fmt_option
@click.pass_context
def losses(
    ctx: click.Context, as_of: str | None, accounted_until: str | None, all_columns: bool, fmt: str
) -> None:
    """Loss events as known at a cut-off."""
    with open_db(ctx) as database:
        df = database.losses(as_of=parse_as_of(as_of), accounted_until=accounted_until)
    if not all_columns and fmt == "table":
        df = df[
            [
                "event_id",
                "event_type",
                "business_line",
                "cause",
                "status",
                "first_accounted_on",
                "currency",
                "gross_loss",
                "net_loss",
                "net_loss_reporting",
            ]
        ]
    emit(df, fmt)


@command(main, "history")
@click.argument("event_id")
@fmt_option
@click.pass_context
def history(ctx: click.Context, event_id: str, fmt: str) -> None:
    """Every version of one loss event and the fact that made it."""
    with open_db(ctx) as database:
        df = database.history(event_id)
    if fmt == "table":
        df = df[
            [
                "version",
                "valid_from_position",
                "valid_to_position",
                "valid_from_time",
                "fact",
                "actor",
                "event_type",
                "business_line",
                "status",
                "gross_loss",
                "net_loss",
            ]
        ]
    else:
        df = df.drop(columns=["payload"])
    emit(df, fmt)


@command(main, "verify")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def verify_cmd(ctx: click.Context, as_json: bool) -> None:
    """Re-walk every hash chain and compare the read models with a rebuild (exit 1 on any mismatch)."""
    with open_db(ctx) as database:
        report = database.verify()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "events": report.events,
                    "streams": report.streams,
                    "problems": [p.__dict__ for p in report.problems],
                },
                indent=1,
            )
        )
    else:
        click.echo(str(report))
    sys.exit(0 if report.ok else 1)


@command(main, "rebuild")
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Rebuild the read models from position 0."""
    with open_db(ctx) as database:
        n = database.rebuild()
    click.echo(f"read models rebuilt from {n} facts")


def parse_as_of(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def _register_extensions() -> None:
    """Sub-command groups that live in their own modules."""
    from oprisk import cli_capital, cli_demo

    cli_demo.register(main)
    cli_capital.register(main)
    from oprisk import cli_assess

    cli_assess.register(main)
    from oprisk import cli_load

    cli_load.register(main)
    from oprisk import cli_export

    cli_export.register(main)


_register_extensions()
