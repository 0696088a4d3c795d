"""``oprisk demo``: a small, self-explaining round trip through the loss-event store."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click


def register(main: click.Group) -> None:
    from oprisk.cli import _fail_cleanly

    @main.command("demo")
    @click.option(
        "--db", "db_url", default=None, help="Database URL (default: sqlite file in --out)."
    )
    @click.option(
        "--out", "out_dir", default="demo-out", show_default=True, type=click.Path(file_okay=False)
    )
    @click.option("--seed", default=2026, show_default=True, type=int)
    @_fail_cleanly
    def demo(db_url: str | None, out_dir: str, seed: int) -> None:
        """Create a demo database, record a few facts and show them round-tripping."""
        run_demo(db_url, Path(out_dir), seed)


def run_demo(db_url: str | None, out: Path, seed: int) -> Any:
    from oprisk.api import connect

    out.mkdir(parents=True, exist_ok=True)
    if db_url is None:
        path = out / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        db_url = f"sqlite:///{path.resolve()}"
    db = connect(db_url)
    click.echo(f"database: {db_url}")
    db.report(
        "DEMO-1",
        actor="analyst.li",
        title="Forged certificate of deposit used as loan collateral",
        event_type="内部欺诈",
        business_line="商业银行",
        occurred_on=date(2023, 11, 2),
        discovered_on=date(2024, 2, 14),
        currency="CNY",
        legal=True,
    )
    db.record_fx_rate("CNY", date(2024, 1, 1), "0.128", actor="treasury")
    db.record_impact(
        "DEMO-1",
        actor="analyst.li",
        kind="provision",
        amount="8000000",
        currency="CNY",
        accounted_on=date(2024, 3, 31),
    )
    cut = db.position()
    db.reclassify(
        "DEMO-1",
        actor="reviewer.wang",
        event_type="ET2.1",
        reason="accomplices were outside the bank",
    )
    db.record_recovery(
        "DEMO-1",
        actor="analyst.li",
        kind="other",
        amount="1500000",
        currency="CNY",
        accounted_on=date(2024, 9, 30),
    )
    cols = [
        "event_id",
        "event_type",
        "event_type_name",
        "business_line_name",
        "gross_loss",
        "net_loss",
        "net_loss_reporting",
    ]
    click.echo(f"\nas known at position {cut}:")
    click.echo(db.losses(as_of=cut)[cols].to_string(index=False))
    click.echo("\nas known now:")
    click.echo(db.losses()[cols].to_string(index=False))
    click.echo("\nhistory of DEMO-1:")
    h = db.history("DEMO-1")[
        ["version", "valid_from_position", "fact", "actor", "event_type", "gross_loss", "net_loss"]
    ]
    click.echo(h.to_string(index=False))
    click.echo(f"\nverify: {db.verify()}")
    return db
