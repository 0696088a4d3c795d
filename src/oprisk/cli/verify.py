"""``oprisk verify`` and ``oprisk rebuild``: the log's integrity and the read models."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from oprisk.cli.options import Command, open_db


@click.command("verify", cls=Command)
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A signed checkpoint the log must agree with (repeatable).",
)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The public key the checkpoints must be signed with.",
)
@click.pass_context
def verify(
    ctx: click.Context, as_json: bool, checkpoints: tuple[Path, ...], public_key: Path | None
) -> None:
    """Re-walk the hash chains, compare the log with signed checkpoints and the read models with
    a rebuild (exit 1 on any mismatch, naming the first position that disagrees)."""
    from oprisk.errors import IntegrityError
    from oprisk.store.checkpoint import Checkpoint
    from oprisk.store.signing import load_public_key

    if checkpoints and public_key is None:
        raise click.UsageError(
            "--checkpoint needs --public-key (a signature proves nothing without it)"
        )
    public = load_public_key(public_key) if public_key else None
    with open_db(ctx) as database:
        try:
            report = database.verify([Checkpoint.read(p) for p in checkpoints], public)
        except IntegrityError as err:  # a checkpoint that is not signed by the key, or changed
            click.echo(f"error: {err}", err=True)
            sys.exit(1)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "events": report.events,
                    "streams": report.streams,
                    "first_position": report.first_position,
                    "checkpoints": [
                        {"file": c.source, "position": c.position, "head": c.head}
                        for c in report.checkpoints
                    ],
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
    """Rebuild the read models from position 0 (on PostgreSQL: as oprisk_owner)."""
    with open_db(ctx) as database:
        n = database.rebuild()
    click.echo(f"read models rebuilt from {n} facts")
