"""``oprisk capital bia|tsa|asa|sa``: capital from the database as known at a knowledge cut-off.

Table output is the run's summary (cut-off, profile, then the headline figures); ``--json`` is
``CapitalRun.to_dict()``: every intermediate figure at full precision, the knowledge cut-off used
(position and time) and the profile.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import click
import pandas as pd

from oprisk.capital.profiles import DEFAULT_THRESHOLD
from oprisk.cli.icaap import icaap_cmd
from oprisk.cli.options import (
    Group,
    as_of_option,
    confidence_option,
    open_db,
    parse_as_of,
    parse_subsidiaries,
    seed_option,
    settings,
)
from oprisk.errors import ConfigurationError

_OFFSETTING = click.Choice(["within-year", "none"])


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A float option that must be a finite number ≥ 0 (``1e999`` parses as infinity)."""
    if not math.isfinite(value) or value < 0:
        raise click.BadParameter(f"{value!r}: must be a finite number ≥ 0")
    return value


@click.group("capital", cls=Group)
def capital() -> None:
    """Capital charges (BIA, TSA, ASA, Basel III SA, LDA, ICAAP) as known at a knowledge cut-off."""


capital.add_command(icaap_cmd)


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    for deco in reversed(
        [
            click.option(
                "--year", required=True, type=int, help="Year t (losses accounted up to 31 Dec t)."
            ),
            click.option(
                "--as-of",
                default=None,
                help="Knowledge cut-off: a log position, an ISO date/timestamp, now, today or '2 hours ago' (default: now).",
            ),
            click.option(
                "--legal-entity",
                default=None,
                help="Legal entity of the financial inputs (required if several are recorded).",
            ),
            click.option(
                "--json",
                "as_json",
                is_flag=True,
                help="Every intermediate, the cut-off and the profile, as JSON.",
            ),
        ]
    ):
        fn = deco(fn)
    return fn


def _show(run: Any, as_json: bool) -> None:
    """The run's summary with thousands separators; the header names the money unit."""
    if as_json:
        click.echo(json.dumps(run.to_dict(), indent=1, ensure_ascii=False))
        return
    frame = run.summary().reset_index()
    unit = Decimal(getattr(run.result, "bi_unit", 1) or 1)
    money = run.currency if unit == 1 else f"{run.currency} × {unit.normalize():,f}"
    frame["value"] = [_number(v) for v in frame["value"]]
    frame = frame.rename(columns={"value": f"value ({money})"})
    with pd.option_context(
        "display.max_rows", 500, "display.width", 200, "display.max_colwidth", 90
    ):
        click.echo(frame.to_string(index=False))


def _number(value: Any) -> Any:
    """2145000000.00 → 2,145,000,000.00 (the value's own decimals kept); text unchanged."""
    if isinstance(value, Decimal):
        return f"{value:,f}"
    if isinstance(value, float) and value == value:
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.2f}"
    return value


@capital.command("bia")
@_common
@click.option("--profile", default="basel", show_default=True, help="Profile (recorded only).")
@click.option("--allow-fewer-years", is_flag=True, help="Accept 1-2 years (new institutions).")
@click.pass_context
def bia_cmd(
    ctx: click.Context,
    year: int,
    as_of: str | None,
    legal_entity: str | None,
    as_json: bool,
    profile: str,
    allow_fewer_years: bool,
) -> None:
    """Basic Indicator Approach from the recorded gross income."""
    with open_db(ctx) as db:
        run = db.capital.bia(
            year,
            as_of=parse_as_of(as_of),
            legal_entity=legal_entity,
            profile=profile,
            allow_fewer_years=allow_fewer_years,
        )
    _show(run, as_json)


@capital.command("tsa")
@_common
@click.option("--profile", default="basel", show_default=True, help="Profile (line set).")
@click.option("--offsetting", type=_OFFSETTING, default="within-year", show_default=True)
@click.pass_context
def tsa_cmd(
    ctx: click.Context,
    year: int,
    as_of: str | None,
    legal_entity: str | None,
    as_json: bool,
    profile: str,
    offsetting: str,
) -> None:
    """Standardised Approach from the recorded gross income by business line."""
    with open_db(ctx) as db:
        run = db.capital.tsa(
            year,
            as_of=parse_as_of(as_of),
            legal_entity=legal_entity,
            profile=profile,
            offsetting=offsetting,
        )
    _show(run, as_json)


@capital.command("asa")
@_common
@click.option("--profile", default="basel", show_default=True, help="Profile (line set).")
@click.option("--offsetting", type=_OFFSETTING, default="within-year", show_default=True)
@click.option("--aggregate-rb-cb", is_flag=True, help="Retail + commercial loans at β 15 %.")
@click.option("--aggregate-other-lines", is_flag=True, help="Other lines' GI at β 18 %.")
@click.pass_context
def asa_cmd(
    ctx: click.Context,
    year: int,
    as_of: str | None,
    legal_entity: str | None,
    as_json: bool,
    profile: str,
    offsetting: str,
    aggregate_rb_cb: bool,
    aggregate_other_lines: bool,
) -> None:
    """Alternative Standardised Approach (loans and advances for BL3 / BL4)."""
    with open_db(ctx) as db:
        run = db.capital.asa(
            year,
            as_of=parse_as_of(as_of),
            legal_entity=legal_entity,
            profile=profile,
            offsetting=offsetting,
            aggregate_rb_cb=aggregate_rb_cb,
            aggregate_other_lines=aggregate_other_lines,
        )
    _show(run, as_json)


@capital.command("sa")
@_common
@click.option(
    "--profile",
    default=None,
    help="Jurisdiction profile (required): basel, basel-bucket1-ilm, eu-crr3, uk-pra, cn-nfra.",
)
@click.option(
    "--threshold",
    default=None,
    help="Loss threshold in the profile's currency (default: the profile's, EUR 20000 = "
    "CRR3 Art 319(1) / OPE25; 100000 for buckets 2-3 where allowed).",
)
@click.option(
    "--bi-unit",
    default="1",
    show_default=True,
    help="Unit the figures are shown in, e.g. 1e6 for millions.",
)
@click.option(
    "--years-of-data",
    type=int,
    default=None,
    help="Years of good-quality loss data (default: the profile's 10).",
)
@click.option(
    "--subsidiary",
    "subsidiaries",
    multiple=True,
    help="CRR3 Art 314(3) subsidiary whose ILDC is computed apart, as NAME=LEI (repeat).",
)
@click.option(
    "--art316-waiver", is_flag=True, help="The institution holds a CRR3 Art 316(2) waiver."
)
@click.option(
    "--fc-approach",
    type=click.Choice(["accounting", "prudential"]),
    default="accounting",
    show_default=True,
    help="Trading / banking book values the financial component uses.",
)
@click.pass_context
def sa_cmd(
    ctx: click.Context,
    year: int,
    as_of: str | None,
    legal_entity: str | None,
    as_json: bool,
    profile: str | None,
    threshold: str | None,
    bi_unit: str,
    years_of_data: int | None,
    subsidiaries: tuple[str, ...],
    art316_waiver: bool,
    fc_approach: str,
) -> None:
    """Basel III standardised approach: BI, BIC, LC, ILM, ORC and RWA."""

    if profile is None:
        from oprisk.capital import PROFILES

        raise ConfigurationError(
            f"capital sa needs --profile (the jurisdiction decides the ILM): one of {', '.join(PROFILES)}"
        )
    with open_db(ctx) as db:
        run = db.capital.sa(
            year,
            as_of=parse_as_of(as_of),
            legal_entity=legal_entity,
            profile=profile,
            threshold=threshold,
            bi_unit=bi_unit,
            years_of_data=years_of_data,
            subsidiaries=parse_subsidiaries(subsidiaries),
            art316_waiver=art316_waiver,
            fc_approach=fc_approach,
        )
    _show(run, as_json)


@capital.command("lda")
@click.option("--year", required=True, type=int, help="Last year of the observation window.")
@as_of_option
@click.option(
    "--uom",
    type=click.Choice(["bl-et", "et", "bl", "cause"]),
    default="et",
    show_default=True,
    help="Units of measure.",
)
@confidence_option
@click.option(
    "--method",
    type=click.Choice(["auto", "mc", "fft", "panjer"]),
    default="auto",
    show_default=True,
    help="auto/fft: each unit by FFT where its error estimate allows, else Monte Carlo; "
    "panjer: the same with the recursion; mc: every unit by Monte Carlo.",
)
@click.option(
    "--sims",
    default=200_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Simulated years.",
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=1),
    help="Local worker processes (default: every core); the figures do not depend on it.",
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address (tcp://HOST:8786): run the fits, simulations and bootstrap "
    "there (needs the dask extra).",
)
@click.option(
    "--bootstrap",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Refits on resampled losses for a 95 % interval of the portfolio VaR.",
)
@click.option(
    "--bootstrap-sims",
    default=100_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Simulated years per bootstrap refit.",
)
@seed_option
@click.option(
    "--threshold",
    default=float(DEFAULT_THRESHOLD),
    show_default=True,
    type=float,
    help="Loss threshold (the same default as capital sa and export: EUR 20,000).",
    callback=_finite,
)
@click.option(
    "--copula",
    type=click.Choice(["independence", "comonotonic", "gaussian", "t"]),
    default="gaussian",
    show_default=True,
)
@click.option(
    "--correlation", default=0.2, show_default=True, type=float, help="Pairwise correlation."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Every fitted parameter, the cut-off and the seed."
)
@click.pass_context
def lda_cmd(
    ctx: click.Context,
    year: int,
    as_of: str | None,
    uom: str,
    confidence: float,
    method: str,
    sims: int,
    workers: int | None,
    scheduler: str | None,
    bootstrap: int,
    bootstrap_sims: int,
    seed: int,
    threshold: float,
    copula: str,
    correlation: float,
    as_json: bool,
) -> None:
    """Loss Distribution Approach: fits per unit of measure, aggregate VaR / ES, copula."""
    if scheduler is not None:
        from oprisk.capital.lda.parallel import DASK_MISSING

        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ConfigurationError(f"--scheduler {scheduler}: {DASK_MISSING}") from None
    with open_db(ctx) as db:
        run = db.capital.lda(
            year,
            as_of=parse_as_of(as_of),
            uom=uom,
            confidence_level=confidence,
            method=method,
            n_simulations=sims,
            random_state=seed,
            threshold=threshold,
            copula=copula,
            correlation=correlation,
            n_workers=workers,
            scheduler=scheduler,
            bootstrap=bootstrap,
            bootstrap_simulations=bootstrap_sims,
            progress=False if settings(ctx).quiet else None,
        )
    if as_json:
        click.echo(json.dumps(run.to_dict(), indent=1, ensure_ascii=False, default=str))
        return
    click.echo(
        f"LDA {year}: cut-off position {run.cutoff_position}, threshold {run.threshold:,.0f} "
        f"{run.currency}, {run.method} {run.n_simulations:,} years, seed {run.random_state}, "
        f"{run.n_workers} worker(s) ({run.where})"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        click.echo(run.summary().to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
    click.echo(
        f"portfolio VaR {run.confidence_level:.1%} ({run.copula}): {run.portfolio_var:,.0f} "
        f"(SE {run.portfolio_var_se:,.0f}); sum of standalone {run.sum_standalone_var:,.0f}; "
        f"diversification {run.diversification_benefit:,.0f}"
    )
    for unit, why in run.monte_carlo_units.items() if run.method != "mc" else ():
        click.echo(f"{unit}: Monte Carlo ({why})")
    b = run.bootstrap
    if b is not None:
        click.echo(
            f"bootstrap ({b.n_replicates} refits, {b.n_simulations:,} years each): "
            f"{b.interval:.0%} interval of VaR {b.confidence_level:.1%} {b.lower:,.0f} – {b.upper:,.0f} "
            f"(median {b.median:,.0f}; Monte Carlo SE per refit {b.mc_se:,.0f}; "
            f"{b.failed} refit(s) failed; {b.seconds_per_refit:.2f} s per refit)"
        )
    if len(run.thin_units):
        click.echo(
            f"too thin (< min losses): {', '.join(run.thin_units.unit)} — {run.thin_units.suggestion.iloc[0]}"
        )
