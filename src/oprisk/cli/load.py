"""``oprisk load FILE…``: load incident, movement, financial or assessment files.

Exit codes: 0 every row loaded (or was already there), 1 some rows rejected (see
``FILE.rejects.csv``), 2 fatal (an unreadable file, a bad mapping, no database).
"""

from __future__ import annotations

import json
import sys

import click

from oprisk.cli.options import Command, open_db, settings
from oprisk.ingest.load import LOAD_KINDS


@click.command("load", cls=Command)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--kind", type=click.Choice(LOAD_KINDS), default=None,
              help="What the files hold (default: the mapping's kind).")  # fmt: skip
@click.option("--mapping", default=None, help="A preset (canonical, zh-CN) or a TOML file.")
@click.option("--source", default=None,
              help="Source system name; loss-event ids are SOURCE:external_id (default: the file's stem).")  # fmt: skip
@click.option("--actor", default="loader", show_default=True, help="Who the facts are recorded as.")
@click.option("--sheet", default=None, help="XLSX sheet: a name or a 0-based index.")
@click.option(
    "--strict", is_flag=True, help="Load nothing from a file if any of its rows is rejected."
)
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(min=1),
              help="Rows per transaction.")  # fmt: skip
@click.option("--dry-run", is_flag=True,
              help="Show what would be appended and write the rejects; change nothing.")  # fmt: skip
@click.option("--rejects", "rejects", default=None, type=click.Path(),
              help="Where the rejects go: a file, or a folder (default: next to each input).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the load report as JSON.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal and not --quiet).")  # fmt: skip
@click.pass_context
def load(
    ctx: click.Context,
    files: tuple[str, ...],
    kind: str | None,
    mapping: str | None,
    source: str | None,
    actor: str,
    sheet: str | None,
    strict: bool,
    batch_size: int,
    dry_run: bool,
    rejects: str | None,
    as_json: bool,
    progress: bool | None,
) -> None:
    """Load FILE… idempotently: new rows are reported, changed rows append their difference."""
    if progress is None and settings(ctx).quiet:
        progress = False  # an explicit --progress still wins over --quiet
    with open_db(ctx) as database:
        report = database.load(
            list(files),
            kind=kind,
            mapping=mapping,
            source=source,
            actor=actor,
            sheet=sheet,
            strict=strict,
            batch_size=batch_size,
            progress=progress,
            dry_run=dry_run,
            rejects=rejects,
        )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=1, ensure_ascii=False, default=str))
    else:
        click.echo(report.text())
    sys.exit(report.exit_code)
