"""``oprisk capital icaap``: the four data elements, stage by stage, as known at a cut-off.

The table is the attribution (VaR and ES of ILD only → + external → + scenarios → + BEICF, and
stressed); ``--units`` adds the per-unit VaR by stage; ``--json`` is ``IcaapRun.to_dict()``;
``--plot PATH`` writes the waterfall as PNG (or any format matplotlib knows from the suffix).
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from oprisk.capital.profiles import DEFAULT_THRESHOLD
from oprisk.cli.options import (
    Command,
    as_of_option,
    confidence_option,
    open_db,
    parse_as_of,
    seed_option,
)
from oprisk.safefiles import atomic_write


def _positive(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise click.BadParameter(f"{value!r}: must be a finite number > 0")
    return value


@click.command("icaap", cls=Command)
@as_of_option
@click.option(
    "--year",
    default=None,
    type=int,
    help="Last year of the window (default: the last year with an accounted loss).",
)
@confidence_option
@click.option(
    "--dependence",
    type=click.Choice(["independence", "comonotonic", "gaussian", "t"]),
    default="gaussian",
    show_default=True,
)
@click.option(
    "--correlation",
    default=0.2,
    show_default=True,
    type=float,
    help="Pairwise correlation (gaussian, t).",
)
@click.option("--sims", default=1_000_000, show_default=True, type=int, help="Monte Carlo years.")
@seed_option
@click.option(
    "--threshold",
    default=float(DEFAULT_THRESHOLD),
    show_default=True,
    type=float,
    callback=_positive,
    help="Collection threshold H.",
)
@click.option(
    "--bank-size",
    default=None,
    type=float,
    callback=_positive,
    help="The bank's size indicator (needed to scale external losses).",
)
@click.option(
    "--alpha",
    default=None,
    type=float,
    help="Scaling exponent (default: estimated from the external losses).",
)
@click.option(
    "--beicf-on",
    type=click.Choice(["severity", "frequency"]),
    default="severity",
    show_default=True,
)
@click.option(
    "--beicf-bounds", default="0.8,1.2", show_default=True, help="Lower,upper control factor."
)
@click.option(
    "--scenario-severity",
    type=click.Choice(["splice", "credibility"]),
    default="splice",
    show_default=True,
    help="Scenario tail spliced on the body, or lognormal μ by credibility.",
)
@click.option(
    "--engine",
    type=click.Choice(["mc", "portfolio"]),
    default="mc",
    show_default=True,
    help="mc: every unit simulated per stage; portfolio: each unit's lattice where accurate.",
)
@click.option(
    "--workers",
    default=None,
    type=int,
    help="Threads of the simulation (default: every core; the same figures for any number).",
)
@click.option("--stress", default=None, help="Multipliers of every unit, e.g. freq=1.5,sev=1.2.")
@click.option("--units", "show_units", is_flag=True, help="Also the VaR of every unit by stage.")
@click.option(
    "--plot",
    "plot_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the waterfall here.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Every figure, input count, cut-off and seed as JSON."
)
@click.pass_context
def icaap_cmd(
    ctx: click.Context, as_of: str | None, year: int | None, confidence: float, dependence: str,
    correlation: float, sims: int, seed: int, threshold: float, bank_size: float | None,
    alpha: float | None, beicf_on: str, beicf_bounds: str, scenario_severity: str, engine: str, workers: int | None,
    stress: str | None, show_units: bool,
    plot_path: Path | None, as_json: bool,
) -> None:  # fmt: skip
    """ICAAP / Pillar 2: VaR and ES from internal losses, + external data, + scenarios, + BEICF."""
    try:
        lo, hi = (float(v) for v in beicf_bounds.split(","))
    except ValueError:
        raise click.BadParameter(
            f"{beicf_bounds!r}: must be lower,upper e.g. 0.8,1.2", param_hint="--beicf-bounds"
        ) from None
    kw: dict[str, Any] = dict(
        as_of=parse_as_of(as_of), year=year, confidence=confidence, dependence=dependence,
        correlation=correlation, sims=sims, seed=seed, threshold=threshold, bank_size=bank_size,
        alpha=alpha, beicf_on=beicf_on, beicf_bounds=(lo, hi), stress=stress,
        scenario_severity=scenario_severity, n_workers=workers, engine=engine,
    )  # fmt: skip
    with open_db(ctx) as db:
        run = db.capital.icaap(**kw)
    if plot_path is not None:
        buf = io.BytesIO()
        run.plot().savefig(buf, format=plot_path.suffix.lstrip(".") or "png", dpi=120)
        atomic_write(plot_path, buf.getvalue())
    if as_json:
        click.echo(json.dumps(run.to_dict(), indent=1, ensure_ascii=False, default=str))
        return
    click.echo(
        f"ICAAP {run.year}: cut-off position {run.cutoff_position}, {run.dependence}, "
        f"{run.n_simulations:,} years, seed {run.random_state}, amounts in {run.currency}"
    )
    table = run.summary().drop(columns=["stage"])
    table.columns = [
        "stage",
        f"VaR {confidence:.1%}",
        "change",
        f"ES {confidence:.1%}",
        "change ",
        "expected loss",
        "units",
    ]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        click.echo(table.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
        if show_units:
            click.echo(run.units_table().to_string(float_format=lambda v: f"{v:,.0f}"))
    for note in run.notes:
        click.echo(f"note: {note}")
