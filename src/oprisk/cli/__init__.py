"""The ``oprisk`` command line. Exit codes: 0 success, 1 some input rejected or a check failed,
2 usage error or fatal error.

This module assembles the command groups; each lives in its own module and takes what it shares
with the others (global options, errors, opening the database, output) from
:mod:`oprisk.cli.options` and :mod:`oprisk.cli.output`, never from here.
"""

from __future__ import annotations

import click

from oprisk.cli import (
    assess,
    capital,
    checkpoint,
    db,
    demo,
    export,
    fx,
    keys,
    load,
    losses,
    review,
    scenario,
    serve,
    users,
    verify,
)
from oprisk.cli.options import DB_ENVVAR, Group, settings

__all__ = ["main"]


@click.group(cls=Group, db_envvar=DB_ENVVAR)
@click.option("--reporting-currency", default="EUR", show_default=True, help="Reporting currency.")
@click.version_option(package_name="oprisk")
@click.pass_context
def main(ctx: click.Context, reporting_currency: str) -> None:
    """oprisk: an event-sourced operational-risk loss-event database with a capital module."""
    settings(ctx).currency = reporting_currency


for _command in (
    db.db,
    load.load,
    losses.losses,
    losses.history,
    review.review,
    verify.verify,
    verify.rebuild,
    keys.keys,
    checkpoint.checkpoint,
    capital.capital,
    fx.fx,
    export.export,
    assess.assess,
    scenario.scenario,
    demo.demo,
    serve.serve,
    users.users,
):
    main.add_command(_command)
