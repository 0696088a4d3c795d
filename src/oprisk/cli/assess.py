"""``oprisk assess weights|record|list``: AHP control-effectiveness assessments.

``weights`` needs no database: it reads a judgement file (``.toml`` or ``.csv``) and prints local
and global weights, λmax, CI, RI and CR per node and the hierarchic CR. An inconsistent file is a
failed check (one line, exit 1); a malformed one a usage error (one line, exit 2). ``record``
assesses a file and stores one unit's assessment; ``list`` shows the assessments known at a
knowledge cut-off.
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import math
from typing import Any

import click
import pandas as pd

from oprisk.cli.options import Group, as_of_option, fmt_option, open_db, parse_as_of
from oprisk.cli.output import emit


def _weights_frame(result: Any) -> pd.DataFrame:
    frame = result.weights.summary().reset_index()
    local = result.weights.local
    for col, attr in (
        ("lambda_max", "lambda_max"),
        ("consistency_index", "consistency_index"),
        ("random_index", "random_index"),
    ):
        frame[col] = [
            getattr(local[i], attr) if i in local and local[i].n > 1 else math.nan
            for i in frame["id"]
        ]
    cols = [
        "id",
        "parent",
        "level",
        "name",
        "local_weight",
        "global_weight",
        "lambda_max",
        "consistency_index",
        "random_index",
        "consistency_ratio",
        "indicator",
    ]
    return frame[cols]


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


@click.group("assess", cls=Group)
def assess() -> None:
    """Control-effectiveness assessments (AHP): weights, recording, listing."""


@assess.command("weights", db_help="Not used: weights reads no database.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Weights and consistency as JSON.")
def weights(file: str, as_json: bool) -> None:
    """Weights and consistency of a judgement file (.toml or .csv); no database needed."""
    from oprisk.assess import assess, read_judgements

    judgements = dataclasses.replace(read_judgements(file), scores=None)  # weights only
    result = assess(judgements)
    hw = result.weights
    frame = _weights_frame(result)
    if as_json:
        out = {
            "source": judgements.source, "template": judgements.id, "method": hw.method,
            "cr_limit": hw.cr_limit, "consistency_ratio": hw.consistency_ratio,
            "level_consistency": {str(k): v for k, v in hw.level_consistency.items()},
            "consistent": hw.cr_limit is None or hw.consistency_ratio <= hw.cr_limit,
            "nodes": frame.to_dict(orient="records"),
            "expert_consistency": {k: dict(v) for k, v in result.expert_consistency.items()},
        }  # fmt: skip
        click.echo(json.dumps(_jsonable(out), indent=1, ensure_ascii=False))
        return
    with pd.option_context(
        "display.max_rows", 500, "display.width", 200, "display.max_columns", 20
    ):
        table = frame.drop(columns=["name", "indicator"]).rename(
            columns={"consistency_index": "CI", "random_index": "RI", "consistency_ratio": "CR"}
        )
        click.echo(table.to_string(index=False, na_rep="-", float_format=lambda v: f"{v:.4f}"))
    limit = "none" if hw.cr_limit is None else f"{hw.cr_limit:g}"
    click.echo(
        f"overall (hierarchic) CR = {hw.consistency_ratio:.4f} (limit {limit}); method {hw.method}"
    )


@assess.command("record")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", required=True, help="The unit whose scores to record.")
@click.option("--date", "on", default=None, help="Assessment date YYYY-MM-DD (default: today).")
@click.option("--actor", default=None, help="Who records it (default: the login name).")
@click.option(
    "--scores",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="Scores CSV (unit + one column per indicator) for a CSV judgement file.",
)
@click.pass_context
def record(
    ctx: click.Context,
    file: str,
    unit: str,
    on: str | None,
    actor: str | None,
    scores: str | None,
) -> None:
    """Assess a judgement file and record one unit's assessment."""
    from oprisk.services.assessments import load_assessments

    who = actor or getpass.getuser()
    with open_db(ctx) as database:
        recorded = load_assessments(
            database, file, actor=who, unit=unit, assessed_on=on, scores=scores
        )
    for r in recorded:
        p = r.payload
        click.echo(
            f"recorded assessment of {p['unit']} on {p['assessed_on']}: composite "
            f"{p['composite']:.2f}, CR {p['consistency_ratio']:.4f} (position {r.position})"
        )


@assess.command("list")
@as_of_option
@fmt_option
@click.pass_context
def list_cmd(ctx: click.Context, as_of: str | None, fmt: str) -> None:
    """Assessments known at a cut-off: one row per unit and date (latest revision)."""
    with open_db(ctx) as database:
        df = database.assessments(as_of=parse_as_of(as_of))
    df["assessed_on"] = df["assessed_on"].map(lambda d: d.isoformat())
    df["recorded_at"] = df["recorded_at"].map(lambda t: t.isoformat())
    emit(df if fmt == "json" else df.drop(columns=["record"]), fmt)
