"""``oprisk scenario list|show|history|approve|withdraw``: scenario analysis as known at a cut-off.

Scenarios are loaded with ``oprisk load --kind scenarios`` (or recorded from Python with
``db.record_scenario``); a loaded revision is a draft until a second person approves it.
"""

from __future__ import annotations

import getpass
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import click

from oprisk.cli.options import Group, as_of_option, fmt_option, open_db, parse_as_of
from oprisk.cli.output import emit, records

AS_OF_HELP = (
    "Knowledge cut-off: a log position, an ISO date/timestamp, now, today or '2 hours ago'."
)
#: the columns ``oprisk scenario list`` shows as a table
LIST_COLUMNS = [
    "scenario_id", "event_type", "business_line", "title", "workshop_on", "owner", "frequency",
    "currency", "status", "revision",
]  # fmt: skip
SEVERITY_TABLE = ["label", "return_period", "quantile", "stated", "amount", "currency",
                  "amount_reporting"]  # fmt: skip


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Data-quality warnings (a missing FX rate) as ``warning:`` lines on stderr."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        yield
    for w in seen:
        click.echo(f"warning: {w.message}", err=True)


@click.group("scenario", cls=Group)
def scenario() -> None:
    """Scenario analysis: workshops' frequency and severity estimates per unit of measure."""


@scenario.command("list")
@as_of_option
@click.option("--include-withdrawn", is_flag=True, help="Show withdrawn scenarios too.")
@click.option("--approved-only", is_flag=True, help="The latest approved revision of each.")
@click.option("--all-columns", is_flag=True, help="Every column, not the summary set.")
@fmt_option
@click.pass_context
def list_cmd(
    ctx: click.Context,
    as_of: str | None,
    include_withdrawn: bool,
    approved_only: bool,
    all_columns: bool,
    fmt: str,
) -> None:
    """Scenarios known at a cut-off: one row each, its latest revision."""
    with open_db(ctx) as database:
        df = database.scenarios(
            parse_as_of(as_of), include_withdrawn=include_withdrawn, approved_only=approved_only
        )
    if not all_columns and fmt == "table":
        df = df[LIST_COLUMNS]
    emit(df, fmt)


@scenario.command("show")
@click.argument("scenario_id")
@as_of_option
@fmt_option
@click.pass_context
def show(ctx: click.Context, scenario_id: str, as_of: str | None, fmt: str) -> None:
    """One scenario as known at a cut-off: its fields and severity points (--csv: the points)."""
    from oprisk.errors import ScenarioNotFoundError

    cut = parse_as_of(as_of)
    with open_db(ctx) as database, _warnings_as_lines():
        found = database.scenarios(cut, include_withdrawn=True)
        found = found[found.scenario_id == scenario_id]
        if found.empty:
            raise ScenarioNotFoundError(
                f"scenario {scenario_id!r} is not known at this cut-off "
                "(see `oprisk scenario list --include-withdrawn`)"
            )
        points = database.scenario_severities(cut, include_withdrawn=True)
    points = points[points.scenario_id == scenario_id].reset_index(drop=True)
    if fmt == "json":
        doc = {"scenario": records(found)[0], "severities": records(points)}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        emit(points, fmt)
    else:
        row = records(found)[0]
        width = max(map(len, row))
        for key, value in row.items():
            click.echo(f"{key:<{width}}  {'' if value is None else value}")
        click.echo("")
        emit(points[SEVERITY_TABLE], fmt)


@scenario.command("history")
@click.argument("scenario_id")
@as_of_option
@fmt_option
@click.pass_context
def history(ctx: click.Context, scenario_id: str, as_of: str | None, fmt: str) -> None:
    """Every fact of one scenario: revisions, approvals, the withdrawal."""
    with open_db(ctx) as database:
        df = database.scenario_history(scenario_id, parse_as_of(as_of))
    if fmt != "json":
        df = df.drop(columns=["payload"])
    emit(df, fmt)


@scenario.command("approve")
@click.argument("scenario_id")
@click.option("--actor", default=None, help="Who approves (default: the login name).")
@click.pass_context
def approve(ctx: click.Context, scenario_id: str, actor: str | None) -> None:
    """Approve a scenario's latest revision (four eyes: not by its author)."""
    with open_db(ctx) as database:
        facts = database.approve_scenario(scenario_id, actor=actor or getpass.getuser())
    click.echo(f"approved revision {facts[0].payload['revision']} of {scenario_id} "
               f"(position {facts[0].position})")  # fmt: skip


@scenario.command("withdraw")
@click.argument("scenario_id")
@click.option("--reason", required=True, help="Why (kept in the log).")
@click.option("--actor", default=None, help="Who withdraws (default: the login name).")
@click.pass_context
def withdraw(ctx: click.Context, scenario_id: str, reason: str, actor: str | None) -> None:
    """Withdraw a scenario: a fact; it stays in its history and leaves later answers."""
    with open_db(ctx) as database:
        facts = database.withdraw_scenario(
            scenario_id, actor=actor or getpass.getuser(), reason=reason
        )
    click.echo(f"withdrew {scenario_id} (position {facts[0].position})")
