"""``oprisk fx record|list``: FX rates as facts (a rate learned later never changes an earlier answer)."""

from __future__ import annotations

import getpass
from datetime import date

import click

from oprisk.cli.options import Group, as_of_option, fmt_option, open_db, parse_as_of
from oprisk.cli.output import emit
from oprisk.errors import ConfigurationError, invalid


@click.group("fx", cls=Group)
def fx() -> None:
    """FX rates: record a rate, list the rates known at a cut-off."""


@fx.command("record")
@click.argument("currency")
@click.argument("rate_date", metavar="DATE")
@click.argument("rate")
@click.option("--quote", default=None, help="Quote currency (default: the reporting currency).")
@click.option("--actor", default=None, help="Who records it (default: the login name).")
@click.pass_context
def fx_record(
    ctx: click.Context,
    currency: str,
    rate_date: str,
    rate: str,
    quote: str | None,
    actor: str | None,
) -> None:
    """Record RATE units of the quote currency per CURRENCY, dated DATE (YYYY-MM-DD)."""
    try:
        on = date.fromisoformat(rate_date)
    except ValueError:
        raise ConfigurationError(
            invalid("DATE", rate_date, "must be a date like 2025-12-31")
        ) from None
    with open_db(ctx) as db:
        facts = db.record_fx_rate(currency, on, rate, actor=actor or getpass.getuser(), quote=quote)
        shown = quote or db.reporting_currency
    click.echo(
        f"recorded {currency.upper()}/{shown.upper()} {rate} on {on} (position {facts[-1].position})"
    )


@fx.command("list")
@as_of_option
@fmt_option
@click.pass_context
def fx_list(ctx: click.Context, as_of: str | None, fmt: str) -> None:
    """The FX rates known at a cut-off: one per pair and date (the latest revision)."""
    with open_db(ctx) as db:
        df = db.fx_rates(as_of=parse_as_of(as_of))
    cols = [c for c in ("currency", "quote", "rate_date", "rate", "position") if c in df]
    emit(df[cols] if len(df) else df, fmt)
