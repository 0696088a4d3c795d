"""``oprisk verify`` and ``oprisk rebuild``: the log's integrity and the read models."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from oprisk.cli.options import Command, open_db, settings


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
@click.option(
    "--streams",
    default=None,
    metavar="FIRST..LAST",
    help="Compare the read models of these streams only (ids from FIRST to LAST; either may be "
    "left out): to resume a long check or share it out. The chains are always checked whole.",
)
@click.option("--batch", "batch_facts", default=10_000, show_default=True,
              type=click.IntRange(min=1),
              help="Facts replayed and compared at once (memory is bounded by the batch).")  # fmt: skip
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(min=1),
              help="Processes comparing the read models side by side (PostgreSQL).")  # fmt: skip
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal and not --quiet).")  # fmt: skip
@click.pass_context
def verify(
    ctx: click.Context,
    as_json: bool,
    checkpoints: tuple[Path, ...],
    public_key: Path | None,
    streams: str | None,
    batch_facts: int,
    jobs: int,
    progress: bool | None,
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
            report = database.verify(
                [Checkpoint.read(p) for p in checkpoints],
                public,
                streams=streams,
                batch_facts=batch_facts,
                jobs=jobs,
                progress=False if progress is None and settings(ctx).quiet else progress,
            )
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
                    "streams_compared": str(report.stream_range or ".."),
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
@click.option("--batch", "batch_facts", default=10_000, show_default=True,
              type=click.IntRange(min=1),
              help="Facts replayed and written at once (memory is bounded by the batch).")  # fmt: skip
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal and not --quiet).")  # fmt: skip
@click.pass_context
def rebuild(ctx: click.Context, batch_facts: int, progress: bool | None) -> None:
    """Rebuild the read models from position 0 (on PostgreSQL: as oprisk_owner)."""
    if progress is None and settings(ctx).quiet:
        progress = False
    with open_db(ctx) as database:
        n = database.rebuild(batch_facts=batch_facts, progress=progress)
    click.echo(f"read models rebuilt from {n} facts")
