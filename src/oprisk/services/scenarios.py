"""Scenario analysis in the store: record, revise, approve, withdraw; query as of a cut-off.

A scenario is one stream ``scenario-{scenario_id}`` of ``scenario.*`` facts
(:mod:`oprisk.domain.scenarios`); the rules and the workflow are the domain's
(:mod:`oprisk.domain.scenario_rules`). Queries fold those facts straight from the log up to a
knowledge cut-off (no read model, as for assessments): a revision, approval or withdrawal recorded
later never changes an answer given for an earlier cut-off.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from oprisk.domain.events import fact_from
from oprisk.domain.scenario_rules import (
    ScenarioState,
    decide_approve,
    decide_record,
    decide_withdraw,
    evolve,
    quantile_of,
    return_period_of,
)
from oprisk.domain.scenarios import SCENARIO, ScenarioApproved, ScenarioRecorded, scenario_stream
from oprisk.errors import DataQualityWarning, DomainError, ScenarioNotFoundError, invalid
from oprisk.projections import queries as q
from oprisk.store.eventstore import NewEvent, RecordedEvent, utc
from oprisk.store.schema import events

if TYPE_CHECKING:
    from oprisk.domain.fact import Fact
    from oprisk.ports import AsOf, Transactions

#: Columns of :func:`scenarios` (the contract of docs/scenarios.md; more may follow, never fewer).
COLUMNS = [
    "scenario_id", "event_type", "business_line", "title", "narrative", "workshop_on", "owner",
    "participants", "frequency", "frequency_low", "frequency_high", "currency", "status",
    "revision", "recorded_by", "approved_by", "reason", "position", "recorded_at",
]  # fmt: skip
#: Columns of :func:`scenario_severities`.
SEVERITY_COLUMNS = [
    "scenario_id", "revision", "label", "return_period", "quantile", "stated", "amount",
    "currency", "amount_reporting",
]  # fmt: skip
#: Columns of :func:`scenario_history`.
HISTORY_COLUMNS = [
    "scenario_id", "version", "position", "recorded_at", "fact", "actor", "revision", "status",
    "reason", "payload",
]  # fmt: skip

_MAX_ID = 200 - len(scenario_stream(""))


def check_id(scenario_id: Any) -> str:
    if (
        not isinstance(scenario_id, str)
        or not scenario_id
        or scenario_id != scenario_id.strip()
        or len(scenario_id) > _MAX_ID
        or "\x00" in scenario_id
    ):
        raise DomainError(
            invalid(
                "scenario_id",
                scenario_id,
                f"must be a non-empty string without surrounding spaces, ≤ {_MAX_ID} characters",
            )
        )
    return scenario_id


# --- writing ------------------------------------------------------------------------------------


def _fold(stored: list[RecordedEvent], scenario_id: str) -> ScenarioState:
    state = ScenarioState(scenario_id)
    for r in stored:
        if r.stream_type != SCENARIO:  # a loss event named "scenario-…" holds the stream
            raise DomainError(
                invalid("scenario_id", scenario_id, f"its stream {r.stream_id!r} already holds "
                        f"{r.stream_type} facts: choose another id")
            )  # fmt: skip
        state = evolve(state, fact_from(r.event_type, r.payload))
    return state


def _execute(
    uow: Transactions, scenario_id: str, actor: str, command: str, decide: Any
) -> list[RecordedEvent]:
    sid = check_id(scenario_id)
    if not isinstance(actor, str) or not actor.strip():
        raise DomainError(invalid("actor", actor, "must be a non-empty string"))
    stream = scenario_stream(sid)
    with uow.writing() as conn:
        stored = uow.store.read_stream(conn, stream)
        state = _fold(stored, sid)
        facts: list[Fact] = decide(state)
        if not facts:
            return []
        meta = {"actor": actor, "command": command}
        new = [NewEvent(f.event_type, f.payload(), f.schema_version, meta) for f in facts]
        return uow.store.append(conn, stream, SCENARIO, new, expected_version=len(stored))


def record_scenario(
    uow: Transactions, scenario_id: str, *, actor: str, reason: str = "", **fields: Any
) -> list[RecordedEvent]:
    """Record a new scenario or a revision of one (unstated fields keep their value).

    Returns the facts appended: none when the content is exactly the latest revision's. Every
    consistency rule is checked first (:class:`~oprisk.errors.ScenarioRuleError` names the rule).
    """
    return _execute(
        uow,
        scenario_id,
        actor,
        "RecordScenario",
        lambda s: decide_record(s, fields, actor=actor, reason=reason),
    )


def plan_scenario(
    uow: Transactions, scenario_id: str, *, actor: str, reason: str = "", **fields: Any
) -> tuple[list[Fact], str]:
    """What :func:`record_scenario` would append, without appending, and the scenario's status
    before it (``"none"`` for a new one); raises as it would."""
    sid = check_id(scenario_id)
    with uow.reading() as conn:
        state = _fold(uow.store.read_stream(conn, scenario_stream(sid)), sid)
    return decide_record(state, fields, actor=actor, reason=reason), state.status


def approve_scenario(uow: Transactions, scenario_id: str, *, actor: str) -> list[RecordedEvent]:
    """Approve the latest revision; the approver is not its author (four eyes)."""

    def decide(s: ScenarioState) -> list[Fact]:
        _exists(s)
        return decide_approve(s, actor=actor)

    return _execute(uow, scenario_id, actor, "ApproveScenario", decide)


def withdraw_scenario(
    uow: Transactions, scenario_id: str, *, actor: str, reason: str
) -> list[RecordedEvent]:
    """Withdraw a scenario (a fact: its history stays; queries leave it out from then on)."""

    def decide(s: ScenarioState) -> list[Fact]:
        _exists(s)
        return decide_withdraw(s, actor=actor, reason=reason)

    return _execute(uow, scenario_id, actor, "WithdrawScenario", decide)


def _exists(s: ScenarioState) -> None:
    if s.status == "none":
        raise ScenarioNotFoundError(f"scenario {s.scenario_id!r} has not been recorded")


# --- reading ------------------------------------------------------------------------------------


def _log(
    uow: Transactions, as_of: AsOf, scenario_id: str | None = None
) -> tuple[list[Any], pd.DataFrame]:
    with uow.reading() as conn:
        pos = uow.position(as_of, conn)
        sel = select(events).where(events.c.stream_type == SCENARIO, events.c.position <= pos)
        if scenario_id is not None:
            sel = sel.where(events.c.stream_id == scenario_stream(scenario_id))
        rows = conn.execute(sel.order_by(events.c.position)).all()
        fx = q.fx_at(conn, pos)
    return list(rows), fx


def _states(uow: Transactions, as_of: AsOf) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    rows, fx = _log(uow, as_of)
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        _, payload = uow.store.upcasters.upcast(r.event_type, r.schema_version, r.payload)
        f = fact_from(r.event_type, payload)
        sid = r.stream_id[len(scenario_stream("")) :]
        entry = out.setdefault(sid, {"state": ScenarioState(sid)})
        entry["state"] = evolve(entry["state"], f)
        if isinstance(f, ScenarioRecorded):
            entry.update(approved_by=None, reason=f.reason, fact=f)
        elif isinstance(f, ScenarioApproved):
            entry["approved_by"] = f.approved_by
        entry.update(position=int(r.position), recorded_at=utc(r.recorded_at))
        if isinstance(f, ScenarioApproved):  # the approved revision, as it stood when approved
            entry["approved"] = {k: v for k, v in entry.items() if k != "approved"}
    return [out[k] for k in sorted(out)], fx


def _visible(
    entries: list[dict[str, Any]], include_withdrawn: bool, approved_only: bool
) -> list[dict[str, Any]]:
    """One view per scenario: its latest revision, or with ``approved_only`` its latest approved
    revision (scenarios never approved left out); withdrawn ones only with ``include_withdrawn``."""
    out = []
    for e in entries:
        status = e["state"].status
        if status == "withdrawn" and not include_withdrawn:
            continue
        if not approved_only:
            out.append({**e, "status": status, "revision": e["state"].revision})
        elif "approved" in e:
            a = e["approved"]
            shown = "withdrawn" if status == "withdrawn" else "approved"
            out.append({**a, "status": shown, "revision": a["fact"].revision})
    return out


def scenarios(
    uow: Transactions,
    as_of: AsOf = None,
    *,
    include_withdrawn: bool = False,
    approved_only: bool = False,
) -> pd.DataFrame:
    """Scenarios known at ``as_of``: one row each, its latest revision (withdrawn ones left out
    unless ``include_withdrawn``; with ``approved_only`` the latest *approved* revision, so a draft
    revision under review does not replace the approved one). Columns :data:`COLUMNS`;
    frequencies are floats (events a year).
    """
    entries, _ = _states(uow, as_of)
    rows = []
    for e in _visible(entries, include_withdrawn, approved_only):
        f: ScenarioRecorded = e["fact"]
        rows.append({
            "scenario_id": f.scenario_id, "event_type": f.event_type_code,
            "business_line": f.business_line, "title": f.title, "narrative": f.narrative,
            "workshop_on": f.workshop_on, "owner": f.owner,
            "participants": "; ".join(f.participants), "frequency": float(f.frequency),
            "frequency_low": _float(f.frequency_low), "frequency_high": _float(f.frequency_high),
            "currency": f.currency, "status": e["status"], "revision": e["revision"],
            "recorded_by": f.recorded_by, "approved_by": e["approved_by"], "reason": e["reason"],
            "position": e["position"], "recorded_at": e["recorded_at"],
        })  # fmt: skip
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["workshop_on"] = pd.to_datetime(df["workshop_on"]).astype("datetime64[ns]")
    for c in ("frequency", "frequency_low", "frequency_high"):
        df[c] = df[c].astype("float64")
    df["revision"] = df["revision"].astype("int64")
    df["position"] = df["position"].astype("int64")
    return df


def scenario_severities(
    uow: Transactions,
    reporting_currency: str,
    as_of: AsOf = None,
    *,
    include_withdrawn: bool = False,
    approved_only: bool = False,
) -> pd.DataFrame:
    """The severity points of :func:`scenarios` (same options), long form, ordered by scenario and quantile.

    ``return_period`` (years) and ``quantile`` are both filled: the one the workshop stated
    (``stated``) and the other derived with ``q = 1 − 1/(λT)`` (λ the scenario's frequency;
    :mod:`oprisk.domain.scenario_rules`). ``amount_reporting`` converts at the workshop date with
    the FX rates known at the cut-off (NaN, with a :class:`~oprisk.errors.DataQualityWarning`,
    where no rate is known).
    """
    entries, fx = _states(uow, as_of)
    rows = []
    for e in _visible(entries, include_withdrawn, approved_only):
        f: ScenarioRecorded = e["fact"]
        for p in f.severities:
            if p.return_period is not None:
                rp, qq, stated = (
                    p.return_period,
                    quantile_of(p.return_period, f.frequency),
                    "return_period",
                )
            else:
                assert p.quantile is not None
                rp, qq, stated = return_period_of(p.quantile, f.frequency), p.quantile, "quantile"
            rows.append({
                "scenario_id": f.scenario_id, "revision": f.revision, "label": p.label,
                "return_period": float(rp), "quantile": float(qq), "stated": stated,
                "amount": float(p.amount), "currency": f.currency, "workshop_on": f.workshop_on,
            })  # fmt: skip
    df = pd.DataFrame(rows, columns=[*SEVERITY_COLUMNS[:-1], "workshop_on"])
    rate = q.RateTables(fx).rates(
        df["currency"].to_numpy(dtype=object), q.day_numbers(df["workshop_on"]), reporting_currency
    )
    df["amount_reporting"] = df["amount"].to_numpy(dtype=np.float64) * rate
    missing = df.loc[np.isnan(rate), ["scenario_id", "currency"]].drop_duplicates()
    if len(missing):
        warnings.warn(
            f"no FX rate to {reporting_currency} at the workshop date for scenarios "
            f"{', '.join(f'{r.scenario_id} ({r.currency})' for r in missing.itertuples())}: "
            "amount_reporting is NaN",
            DataQualityWarning,
            stacklevel=3,
        )
    for c in ("return_period", "quantile", "amount", "amount_reporting"):
        df[c] = df[c].astype("float64")
    df["revision"] = df["revision"].astype("int64")
    return df[SEVERITY_COLUMNS].reset_index(drop=True)


def scenario_history(uow: Transactions, scenario_id: str, as_of: AsOf = None) -> pd.DataFrame:
    """Every fact of one scenario in log order, with the status it left the scenario in."""
    sid = check_id(scenario_id)
    rows, _ = _log(uow, as_of, sid)
    if not rows:
        raise ScenarioNotFoundError(f"scenario {sid!r} has not been recorded")
    state = ScenarioState(sid)
    out = []
    for r in rows:
        _, payload = uow.store.upcasters.upcast(r.event_type, r.schema_version, r.payload)
        state = evolve(state, fact_from(r.event_type, payload))
        out.append({
            "scenario_id": sid, "version": int(r.version), "position": int(r.position),
            "recorded_at": utc(r.recorded_at), "fact": r.event_type,
            "actor": (r.meta or {}).get("actor"), "revision": state.revision,
            "status": state.status, "reason": payload.get("reason", ""), "payload": payload,
        })  # fmt: skip
    return pd.DataFrame(out, columns=HISTORY_COLUMNS)


def _float(v: Any) -> float:
    return float(v) if v is not None else float("nan")
