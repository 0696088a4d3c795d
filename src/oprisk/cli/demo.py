"""``oprisk demo``: the demo bank, loaded, measured and exported (see :mod:`oprisk.demo.run`)."""

from __future__ import annotations

from pathlib import Path

import click

from oprisk.cli.options import Command, settings


@click.command("demo", cls=Command, db_help="Database URL (default: a new SQLite file in --out).")
@click.option(
    "--out", "out_dir", default="demo-out", show_default=True, type=click.Path(file_okay=False)
)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.pass_context
def demo(ctx: click.Context, out_dir: str, seed: int) -> None:
    """Generate a demo bank, load it, compute BIA/TSA/ASA/SA/LDA, write the exports."""
    from oprisk.demo.run import run_demo

    # only a --db on the command line: the demo wants an empty database, so it does not take
    # OPRISK_DATABASE_URL (the everyday database) but makes a new SQLite file
    s = settings(ctx)
    run_demo(
        s.url if s.url_given else None,
        Path(out_dir),
        seed,
        echo=click.echo,
        progress=False if s.quiet else None,
    )
