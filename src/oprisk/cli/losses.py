"""``oprisk losses`` and ``oprisk history``: loss events as known at a cut-off, and one event's
versions."""

from __future__ import annotations

import click

from oprisk.cli.options import Command, as_of_option, fmt_option, open_db, parse_as_of
from oprisk.cli.output import emit

#: the columns ``oprisk losses`` shows unless ``--all-columns`` is given (table and CSV alike)
SUMMARY_COLUMNS = [
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


@click.command("losses", cls=Command)
@as_of_option
@click.option(
    "--accounted-until", default=None, help="Business cut-off: accounting date (YYYY-MM-DD)."
)
@click.option("--year", type=int, default=None, help="Only events first accounted in this year.")
@click.option(
    "--business-line",
    multiple=True,
    help="Only this business line: a code or label, level 1 or 2 (repeat for several).",
)
@click.option(
    "--event-type",
    multiple=True,
    help="Only this event type: a code or label, level 1 or 2 (repeat for several).",
)
@click.option("--legal-entity", multiple=True, help="Only this legal entity (repeat for several).")
@click.option("--source", multiple=True, help="Only events loaded from this source (repeat).")
@click.option("--all-columns", is_flag=True, help="Every column, not the summary set.")
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for Excel: a UTF-8 byte-order mark, so Chinese text opens readable.",
)
@fmt_option
@click.pass_context
def losses(
    ctx: click.Context,
    as_of: str | None,
    accounted_until: str | None,
    year: int | None,
    business_line: tuple[str, ...],
    event_type: tuple[str, ...],
    legal_entity: tuple[str, ...],
    source: tuple[str, ...],
    all_columns: bool,
    excel: bool,
    fmt: str,
) -> None:
    """Loss events as known at a cut-off (the summary columns unless --all-columns); the
    filters are applied in the database."""
    if excel and fmt == "table":
        fmt = "csv"
    with open_db(ctx) as database:
        df = database.losses(
            as_of=parse_as_of(as_of),
            accounted_until=accounted_until,
            year=year,
            business_line=business_line or None,
            event_type=event_type or None,
            legal_entity=legal_entity or None,
            source=source or None,
        )
    if not all_columns and fmt != "json":
        df = df[SUMMARY_COLUMNS]
    emit(df, fmt, bom=excel)


@click.command("history", cls=Command)
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
