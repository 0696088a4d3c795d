"""``oprisk demo``: the demo bank, loaded, measured and exported (see :mod:`oprisk.demo.run`)."""

from __future__ import annotations

from pathlib import Path

import click


def register(main: click.Group) -> None:
    from oprisk.cli import _fail_cleanly

    @main.command("demo")
    @click.option(
        "--db", "db_url", default=None, help="Database URL (default: a new SQLite file in --out)."
    )
    @click.option(
        "--out", "out_dir", default="demo-out", show_default=True, type=click.Path(file_okay=False)
    )
    @click.option("--seed", default=2026, show_default=True, type=int)
    @_fail_cleanly
    def demo(db_url: str | None, out_dir: str, seed: int) -> None:
        """Generate a demo bank, load it, compute BIA/TSA/ASA/SA/LDA, write the exports."""
        from oprisk.demo.run import run_demo

        run_demo(db_url, Path(out_dir), seed, echo=click.echo)
