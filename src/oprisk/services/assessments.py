"""Control-effectiveness assessments in the store: record, query as of a cut-off, load from files.

An assessment (:mod:`oprisk.assess`, pure) is stored as one ``assessment.recorded`` fact per unit
and assessment date in stream ``assessment-{unit}``. Queries read those facts straight from the
log up to a knowledge cut-off (no read model): for each unit and ``assessed_on`` the latest
revision known at the cut-off wins, so a revision recorded later never changes an answer given
for an earlier cut-off.

Everything is validated before the write transaction opens; on any error nothing is stored.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from oprisk.assess import Assessment, assess, control_environment_factor, read_judgements
from oprisk.assess.errors import AssessmentError, InvalidScoreError, JudgementFileError
from oprisk.domain.assessments import ASSESSMENT, AssessmentRecorded, stream_id
from oprisk.errors import ConfigurationError, invalid
from oprisk.store.eventstore import Append, NewEvent, RecordedEvent, canonical, utc
from oprisk.store.schema import events

if TYPE_CHECKING:
    from oprisk.ports import AsOf, Transactions

#: Columns of :func:`assessments`.
COLUMNS = [
    "unit", "assessed_on", "assessor", "composite", "consistency_ratio", "template", "revision",
    "actor", "position", "recorded_at", "record",
]  # fmt: skip

#: Columns of :func:`adjusted_severity_scale`.
SCALE_COLUMNS = [
    "unit_of_measure", "assessment_unit", "assessed_on", "composite", "factor", "lower", "upper",
    "position",
]  # fmt: skip

_MAX_UNIT = 200 - len(stream_id(""))


class AssessmentNotFoundError(AssessmentError, LookupError):
    """No assessment of the unit (on the date asked) is known at the cut-off."""


# --- writing ------------------------------------------------------------------------------------


def record_assessment(
    uow: Transactions,
    assessment: Assessment,
    *,
    unit: str,
    actor: str,
    assessed_on: date | str | None = None,
) -> list[RecordedEvent]:
    """Record one unit's assessment (``assessment.recorded``) in one write transaction.

    ``assessed_on`` defaults to the assessment's own date, else today (UTC, by the store's clock);
    the assessor defaults to ``actor``. Recording the same unit and date again is a revision: the
    earlier fact stays in the log and is what queries return as of cut-offs before the revision.
    Recording exactly the latest assessment of that unit and date again appends nothing.
    """
    return _record(uow, assessment, [unit], actor=actor, assessed_on=assessed_on)


def load_assessments(
    uow: Transactions,
    path: str | Path,
    *,
    actor: str,
    unit: str | None = None,
    assessed_on: date | str | None = None,
    scores: str | Path | pd.DataFrame | Mapping[str, Mapping[str, float]] | None = None,
    assessor: str | None = None,
) -> list[RecordedEvent]:
    """Read a judgement file, assess it and record every unit (or only ``unit``) in one transaction.

    Returns the facts appended: a unit whose latest assessment for the same date is identical is
    not recorded again, so re-running a load appends nothing. See
    :func:`load_assessments_counted` for the number of units considered as well.
    """
    return load_assessments_counted(
        uow, path, actor=actor, unit=unit, assessed_on=assessed_on, scores=scores, assessor=assessor
    )[0]


def load_assessments_counted(
    uow: Transactions,
    path: str | Path,
    *,
    actor: str,
    unit: str | None = None,
    assessed_on: date | str | None = None,
    scores: str | Path | pd.DataFrame | Mapping[str, Mapping[str, float]] | None = None,
    assessor: str | None = None,
) -> tuple[list[RecordedEvent], int]:
    """:func:`load_assessments`, returning the facts appended and the number of units considered
    (the difference is the units already recorded with exactly this assessment).

    ``path`` is a ``.toml`` judgement file (template format, with ``[scores.<unit>]`` tables) or a
    ``.csv`` of judgements ``node,row,col,value[,expert,weight]``. Scores come from ``scores``
    (a DataFrame, ``{unit: {indicator: score}}`` or a CSV path with a ``unit`` column and one
    column per indicator), else from the TOML file, else from ``<stem>.scores.csv`` beside a CSV
    judgement file. Bad input raises a typed error (:class:`~oprisk.errors.AssessmentError`,
    :class:`~oprisk.errors.InconsistentJudgementError`, :class:`~oprisk.errors.JudgementFileError`)
    and stores nothing.
    """
    p = Path(path)
    try:
        judgements = read_judgements(p)
    except OSError as exc:
        raise JudgementFileError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    table: Any = scores
    if isinstance(scores, str | Path):
        table = read_scores(scores)
    elif scores is None and judgements.scores is None:
        sibling = p.with_name(f"{p.stem}.scores.csv")
        if not sibling.exists():
            raise InvalidScoreError(
                invalid(
                    "scores", None, f"{p} has no unit scores: pass scores= or put them in {sibling}"
                )
            )
        table = read_scores(sibling)
    on = _date(assessed_on, "assessed_on")
    result = assess(judgements, table, assessor=assessor or actor, assessed_on=on)
    if result.scores is None:  # pragma: no cover - assess always scores when given a table
        raise InvalidScoreError(invalid("scores", None, f"{p} has no unit scores"))
    units = [str(u) for u in result.scores.node_scores.index] if unit is None else [unit]
    return _record(uow, result, units, actor=actor, assessed_on=on), len(units)


def read_scores(path: str | Path) -> pd.DataFrame:
    """A scores CSV: a ``unit`` column and one column per indicator (id, English or Chinese name)."""
    p = Path(path)
    try:
        frame = pd.read_csv(p, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except OSError as exc:
        raise JudgementFileError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    except (ValueError, pd.errors.ParserError) as exc:
        raise JudgementFileError(f"{p}: not a readable CSV: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if "unit" not in frame.columns:
        raise JudgementFileError(
            invalid(f"{p}: columns", list(frame.columns), "must include 'unit'")
        )
    frame["unit"] = frame["unit"].str.strip()
    if (frame["unit"] == "").any() or frame["unit"].duplicated().any():
        dup = sorted(set(frame["unit"][frame["unit"].duplicated() | (frame["unit"] == "")]))
        raise JudgementFileError(invalid(f"{p}: unit", dup, "must be non-empty and unique"))
    if frame.empty:
        raise JudgementFileError(invalid(f"{p}", "no rows", "must score at least one unit"))
    return frame.set_index("unit").apply(
        lambda col: col.str.strip()
    )  # numbers checked by score_units


def _record(
    uow: Transactions,
    assessment: Assessment,
    units: Sequence[str],
    *,
    actor: str,
    assessed_on: date | str | None,
) -> list[RecordedEvent]:
    if not isinstance(assessment, Assessment):
        raise AssessmentError(
            invalid("assessment", type(assessment).__name__, "must be an oprisk.assess.Assessment")
        )
    if not isinstance(actor, str) or not actor.strip():
        raise ConfigurationError(invalid("actor", actor, "must be a non-empty string"))
    if assessment.scores is None:
        raise InvalidScoreError(
            invalid("assessment.scores", None, "must score the unit to record (assess(…, scores))")
        )
    if not units:
        raise InvalidScoreError(invalid("units", [], "must name at least one unit"))
    on = _date(assessed_on, "assessed_on") or assessment.assessed_on or utc(uow.store.clock()).date()
    a = dataclasses.replace(assessment, assessed_on=on, assessor=assessment.assessor or actor)
    cr = float(a.weights.consistency_ratio)
    facts = []
    for u in units:
        _check_unit(u)
        rec = a.to_dict(unit=u)  # raises AssessmentError naming the known units
        composite = float(rec["scores"]["units"][u]["composite"])
        if not (math.isfinite(composite) and math.isfinite(cr)):
            raise InvalidScoreError(invalid(f"composite of {u!r}", composite, "must be finite"))
        facts.append(
            AssessmentRecorded(
                unit=u,
                assessed_on=on,
                assessor=a.assessor,
                composite=composite,
                consistency_ratio=cr,
                record=rec,
            )
        )
    if len({f.unit for f in facts}) != len(facts):
        raise InvalidScoreError(invalid("units", list(units), "must be unique"))
    meta = {"actor": actor, "command": "RecordAssessment"}
    appends = [
        Append(
            stream_id(f.unit),
            ASSESSMENT,
            [NewEvent(f.event_type, f.payload(), f.schema_version, meta)],
        )
        for f in facts
    ]
    with uow.writing() as conn:
        stored = uow.store.read_streams(conn, [a.stream_id for a in appends])
        fresh = [a for a in appends if not _already_recorded(stored.get(a.stream_id, []), a)]
        return uow.store.append_batch(conn, fresh) if fresh else []


def _already_recorded(stored: Sequence[RecordedEvent], append: Append) -> bool:
    """The unit's latest fact for the same date has exactly this payload: recording it again
    would add nothing, so a re-run of the same load appends nothing."""
    new = append.events[0].payload
    same_day = [r for r in stored if r.payload.get("assessed_on") == new["assessed_on"]]
    return bool(same_day) and canonical(same_day[-1].payload) == canonical(new)


def _check_unit(unit: Any) -> None:
    if not isinstance(unit, str) or not unit or unit != unit.strip() or len(unit) > _MAX_UNIT:
        raise AssessmentError(
            invalid(
                "unit",
                unit,
                f"must be a non-empty string without surrounding spaces, ≤ {_MAX_UNIT} characters",
            )
        )


def _date(value: date | str | None, name: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigurationError(invalid(name, value, "must be an ISO date (YYYY-MM-DD)")) from None


# --- reading ------------------------------------------------------------------------------------


def _latest(uow: Transactions, as_of: AsOf) -> tuple[list[dict[str, Any]], int]:
    """One dict per (unit, assessed_on): the latest revision at or before the cut-off."""
    with uow.reading() as conn:
        pos = uow.position(as_of, conn)
        q = (
            select(events)
            .where(events.c.stream_type == ASSESSMENT, events.c.position <= pos)
            .order_by(events.c.position)
        )
        rows = conn.execute(q).all()
    latest: dict[tuple[str, date], dict[str, Any]] = {}
    for r in rows:
        if r.event_type != AssessmentRecorded.event_type:
            continue
        _, payload = uow.store.upcasters.upcast(r.event_type, r.schema_version, r.payload)
        f = AssessmentRecorded.model_validate(payload)
        key = (f.unit, f.assessed_on)
        revision = latest[key]["revision"] + 1 if key in latest else 1
        latest[key] = {
            "unit": f.unit, "assessed_on": f.assessed_on, "assessor": f.assessor,
            "composite": f.composite, "consistency_ratio": f.consistency_ratio,
            "template": f.record.get("template"), "revision": revision,
            "actor": (r.meta or {}).get("actor"), "position": int(r.position),
            "recorded_at": utc(r.recorded_at), "record": f.record,
        }  # fmt: skip
    return sorted(latest.values(), key=lambda d: (d["unit"], d["assessed_on"])), pos


def assessments(uow: Transactions, as_of: AsOf = None) -> pd.DataFrame:
    """Assessments known at ``as_of``: one row per unit and ``assessed_on`` (latest revision).

    Columns: ``unit, assessed_on, assessor, composite, consistency_ratio, template, revision``
    (how many facts for that unit and date are known), ``actor, position, recorded_at`` of the
    winning fact and ``record`` (the ``oprisk.assessment/1`` dict).
    """
    rows, _ = _latest(uow, as_of)
    return pd.DataFrame(rows, columns=COLUMNS)


def assessment(
    uow: Transactions, unit: str, as_of: AsOf = None, on: date | str | None = None
) -> Assessment:
    """One unit's assessment as known at ``as_of``, recomputed from its record.

    ``on`` picks the assessment date; by default the latest. Raises
    :class:`AssessmentNotFoundError` when there is none.
    """
    day = _date(on, "on")
    rows, pos = _latest(uow, as_of)
    mine = [r for r in rows if r["unit"] == unit and (day is None or r["assessed_on"] == day)]
    if not mine:
        when = "" if day is None else f" on {day.isoformat()}"
        raise AssessmentNotFoundError(
            f"no assessment of unit {unit!r}{when} is known at position {pos}"
        )
    return Assessment.from_dict(mine[-1]["record"])


# --- capital ------------------------------------------------------------------------------------


def adjusted_severity_scale(
    uow: Transactions,
    units_to_assessment_units: Mapping[str, str],
    *,
    lower: float,
    upper: float,
    as_of: AsOf = None,
) -> pd.DataFrame:
    """A control-environment severity factor per unit of measure, from its latest assessment.

    ``units_to_assessment_units`` maps each unit of measure to the assessed unit whose composite
    applies to it. ``factor = lower + (upper − lower)(1 − composite/100)`` (see
    :func:`oprisk.assess.control_environment_factor`; both bounds are required modelling choices).
    Returns one row per unit of measure with the factor and the composite, date and log position
    it came from. Scale the severity (not the frequency) by ``factor`` and report the adjusted
    figure beside the unadjusted one (``docs/assess.md``).
    """
    if not isinstance(units_to_assessment_units, Mapping) or not units_to_assessment_units:
        raise ConfigurationError(
            invalid(
                "units_to_assessment_units",
                units_to_assessment_units,
                "must be a non-empty mapping",
            )
        )
    rows, pos = _latest(uow, as_of)
    latest: dict[str, dict[str, Any]] = {r["unit"]: r for r in rows}  # sorted by date: last wins
    missing = sorted({str(a) for a in units_to_assessment_units.values()} - set(latest))
    if missing:
        raise AssessmentNotFoundError(
            invalid(
                "units_to_assessment_units",
                missing,
                f"no assessment of these units is known at position {pos}",
            )
        )
    out = []
    for uom, unit in units_to_assessment_units.items():
        r = latest[str(unit)]
        factor = control_environment_factor(float(r["composite"]), lower=lower, upper=upper)
        out.append({
            "unit_of_measure": uom, "assessment_unit": unit, "assessed_on": r["assessed_on"],
            "composite": r["composite"], "factor": factor, "lower": lower, "upper": upper,
            "position": r["position"],
        })  # fmt: skip
    return pd.DataFrame(out, columns=SCALE_COLUMNS)
