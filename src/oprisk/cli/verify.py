"""``oprisk verify`` and ``oprisk rebuild``: the log's integrity and the read models."""

from __future__ import annotations

import json
import sys

import click

from oprisk.cli.options import Command, open_db


@click.command("verify", cls=Command)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def verify(ctx: click.Context, as_json: bool) -> None:
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


@click.command("rebuild", cls=Command)
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Rebuild the read models from position 0."""
    with open_db(ctx) as database:
        n = database.rebuild()
    click.echo(f"read models rebuilt from {n} facts")
