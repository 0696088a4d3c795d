"""``oprisk capital bia|tsa|asa|sa``: capital from the database as known at a knowledge cut-off.

Table output is the run's summary (cut-off, profile, then the headline figures); ``--json`` is
``CapitalRun.to_dict()``: every intermediate figure at full precision, the knowledge cut-off used
(position and time) and the profile.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import click
import pandas as pd

_OFFSETTING = click.Choice(["within-year", "none"])


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    for deco in reversed(
        [
            click.option(
                "--year", required=True, type=int, help="Year t (losses accounted up to 31 Dec t)."
            ),
            click.option(
                "--as-of",
                default=None,
                help="Knowledge cut-off: ISO date/timestamp or a log position (default: now).",
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
    if as_json:
        click.echo(json.dumps(run.to_dict(), indent=1, ensure_ascii=False))
        return
    frame = run.summary().reset_index()
    with pd.option_context(
        "display.max_rows", 500, "display.width", 200, "display.max_colwidth", 90
    ):
        click.echo(frame.to_string(index=False))


def register(main: click.Group) -> None:
    from oprisk.cli import command, open_db, parse_as_of
    from oprisk.errors import ConfigurationError

    group = main.commands.get("capital")
    if not isinstance(group, click.Group):

        @main.group("capital")
        def capital() -> None:
            """Capital charges (BIA, TSA, ASA, Basel III SA) as known at a knowledge cut-off."""

        group = capital

    @command(group, "bia")
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

    @command(group, "tsa")
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

    @command(group, "asa")
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

    @command(group, "sa")
    @_common
    @click.option(
        "--profile",
        default=None,
        help="Jurisdiction profile (required): basel, basel-bucket1-ilm, eu-crr3, uk-pra, cn-nfra.",
    )
    @click.option("--threshold", default=None, help="Loss threshold (required): 20000 or 100000.")
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
    ) -> None:
        """Basel III standardised approach: BI, BIC, LC, ILM, ORC and RWA."""
        if profile is None:
            from oprisk.capital import PROFILES

            raise ConfigurationError(
                f"capital sa needs --profile (the jurisdiction decides the ILM): one of {', '.join(PROFILES)}"
            )
        if threshold is None:
            raise ConfigurationError("capital sa needs --threshold: 20000 or 100000")
        with open_db(ctx) as db:
            run = db.capital.sa(
                year,
                as_of=parse_as_of(as_of),
                legal_entity=legal_entity,
                profile=profile,
                threshold=threshold,
                bi_unit=bi_unit,
                years_of_data=years_of_data,
            )
        _show(run, as_json)

    @command(group, "lda")
    @click.option("--year", required=True, type=int, help="Last year of the observation window.")
    @click.option(
        "--as-of", default=None, help="Knowledge cut-off: ISO date/timestamp or a log position."
    )
    @click.option(
        "--uom",
        type=click.Choice(["bl-et", "et", "bl", "cause"]),
        default="et",
        show_default=True,
        help="Units of measure.",
    )
    @click.option("--confidence", default=0.999, show_default=True, type=float)
    @click.option(
        "--method", type=click.Choice(["mc", "fft", "panjer"]), default="mc", show_default=True
    )
    @click.option("--sims", default=200_000, show_default=True, type=int, help="Monte Carlo years.")
    @click.option("--seed", default=2026, show_default=True, type=int)
    @click.option(
        "--threshold",
        default=10_000.0,
        show_default=True,
        type=float,
        help="Collection threshold.",
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
        seed: int,
        threshold: float,
        copula: str,
        correlation: float,
        as_json: bool,
    ) -> None:
        """Loss Distribution Approach: fits per unit of measure, aggregate VaR / ES, copula."""
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
            )
        if as_json:
            click.echo(json.dumps(run.to_dict(), indent=1, ensure_ascii=False, default=str))
            return
        click.echo(
            f"LDA {year}: cut-off position {run.cutoff_position}, threshold {run.threshold:,.0f} "
            f"{run.currency}, {run.method} {run.n_simulations:,} years, seed {run.random_state}"
        )
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            click.echo(run.summary().to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
        click.echo(
            f"portfolio VaR {run.confidence_level:.1%} ({run.copula}): {run.portfolio_var:,.0f}; "
            f"sum of standalone {run.sum_standalone_var:,.0f}; diversification {run.diversification_benefit:,.0f}"
        )
        if len(run.thin_units):
            click.echo(
                f"too thin (< min losses): {', '.join(run.thin_units.unit)} — {run.thin_units.suggestion.iloc[0]}"
            )


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A float option that must be a finite number ≥ 0 (``1e999`` parses as infinity)."""
    if not math.isfinite(value) or value < 0:
        raise click.BadParameter(f"{value!r}: must be a finite number ≥ 0")
    return value
