"""Scenarios: the fields a workshop states, their consistency rules, and the workflow.

``scenario_content`` turns what a user or file gives into the normalised content of a
``scenario.recorded`` fact and checks every consistency rule; ``decide_*`` apply the workflow
(revisions, four-eyes approval, withdrawal) to a :class:`ScenarioState` folded by :func:`evolve`.

Return periods and quantiles (docs/scenarios.md, "Conventions"): with λ events a year, a loss
exceeded once in ``T`` years on average is exceeded by a fraction ``1/(λT)`` of the events, so it
is the severity quantile ``q = 1 − 1/(λT)`` and, conversely, ``T = 1/(λ(1 − q))`` — the
frequency-adjusted reading of "1-in-T years" used, for example, by Dutta & Babbel (2014),
"Scenario analysis in the measurement of operational risk capital: a change of measure approach",
*Journal of Risk and Insurance* 81(2). Both figures are stored with each point, so a model can
apply another convention (the annual-maximum one, ``q = 1 + ln(1 − 1/T)/λ``) from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any, Literal

from oprisk.domain.actors import same_actor
from oprisk.domain.fact import Fact
from oprisk.domain.money import currency_code, to_decimal
from oprisk.domain.scenarios import (
    ScenarioApproved,
    ScenarioRecorded,
    ScenarioWithdrawn,
    SeverityPoint,
)
from oprisk.domain.taxonomy import business_line, event_type
from oprisk.errors import (
    DomainError,
    FourEyesError,
    InvalidMoneyError,
    ScenarioRuleError,
    WorkflowError,
    invalid,
)

#: The fields of a scenario a user states (``record_scenario``'s keywords besides ``reason``).
FIELDS = (
    "event_type", "business_line", "title", "narrative", "workshop_on", "owner", "participants",
    "frequency", "frequency_low", "frequency_high", "currency", "severities",
)  # fmt: skip
REQUIRED = ("title", "workshop_on", "owner", "frequency", "currency", "severities")

Status = Literal["none", "draft", "approved", "withdrawn"]


def quantile_of(return_period: Decimal, frequency: Decimal) -> Decimal:
    """The severity quantile of the 1-in-``return_period``-years loss: ``1 − 1/(λT)``."""
    return 1 - 1 / (frequency * return_period)


def return_period_of(quantile: Decimal, frequency: Decimal) -> Decimal:
    """The return period (years) of the severity quantile ``q``: ``1/(λ(1 − q))``."""
    return 1 / (frequency * (1 - quantile))


# --- content ------------------------------------------------------------------------------------


def scenario_content(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise and check a scenario's fields (all of :data:`FIELDS`); raise on the first rule
    broken, naming it. Returns the fields as they are stored."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DomainError(invalid("fields", unknown, f"must be among {', '.join(FIELDS)}"))
    missing = [f for f in REQUIRED if fields.get(f) in (None, "")]
    if missing:
        raise ScenarioRuleError(invalid("fields", missing, "are required"), "fields_required")
    out: dict[str, Any] = {
        "event_type": _code(fields.get("event_type"), "event_type"),
        "business_line": _code(fields.get("business_line"), "business_line"),
        "title": _text(fields["title"], "title"),
        "narrative": _text(fields.get("narrative") or "", "narrative", blank=True),
        "workshop_on": _date(fields["workshop_on"]),
        "owner": _text(fields["owner"], "owner"),
        "participants": _participants(fields.get("participants")),
        "currency": currency_code(fields["currency"]),
    }
    if out["event_type"] is None and out["business_line"] is None:
        raise ScenarioRuleError(
            invalid("event_type", None, "a scenario needs a unit of measure: an event type, a "
                    "business line or both"),
            "unit_of_measure",
        )  # fmt: skip
    lam = _number(fields["frequency"], "frequency")
    low = _number(fields.get("frequency_low"), "frequency_low")
    high = _number(fields.get("frequency_high"), "frequency_high")
    assert lam is not None  # required above
    if lam <= 0:
        raise ScenarioRuleError(
            invalid("frequency", str(lam), "must be > 0 events a year"), "frequency_positive"
        )
    for name, v in (("frequency_low", low), ("frequency_high", high)):
        if v is not None and v < 0:
            raise ScenarioRuleError(
                invalid(name, str(v), "must be ≥ 0 events a year"), "frequency_positive"
            )
    if (low is not None and low > lam) or (high is not None and high < lam):
        shown = [str(x) if x is not None else None for x in (low, lam, high)]
        raise ScenarioRuleError(
            invalid(
                "frequency range", shown, "must satisfy frequency_low ≤ frequency ≤ frequency_high"
            ),
            "frequency_range",
        )
    out.update(frequency=lam, frequency_low=low, frequency_high=high)
    out["severities"] = severity_points(fields["severities"], lam)
    return out


def severity_points(value: Any, frequency: Decimal) -> tuple[SeverityPoint, ...]:
    """Severity points from ``[{"label", "return_period" | "quantile", "amount"}, …]`` or
    ``{return_period: amount}``, checked against the rules; ordered by quantile."""
    items: Iterable[Any] = (
        [{"return_period": k, "amount": v} for k, v in value.items()]
        if isinstance(value, Mapping)
        else value
    )
    points = []
    for i, item in enumerate(items):
        p = item if isinstance(item, SeverityPoint) else _point(item, i)
        points.append(p)
    if not points:
        raise ScenarioRuleError(
            invalid("severities", [], "must state at least one severity point"), "severity_points"
        )
    keyed = []
    for p in points:
        name = p.label or (f"1-in-{p.return_period}" if p.return_period else f"q={p.quantile}")
        if p.amount <= 0:
            raise ScenarioRuleError(
                invalid(f"severities[{name}].amount", str(p.amount), "must be > 0"),
                "severity_positive",
            )
        if p.return_period is not None:
            if p.return_period <= 0:
                raise ScenarioRuleError(
                    invalid(f"severities[{name}].return_period", str(p.return_period),
                            "must be > 0 years"),
                    "return_period_positive",
                )  # fmt: skip
            if frequency * p.return_period <= 1:
                raise ScenarioRuleError(
                    invalid(
                        f"severities[{name}].return_period", str(p.return_period),
                        f"must exceed 1/frequency = {1 / frequency:.6g} years: the 1-in-T loss is "
                        "the severity quantile 1 − 1/(frequency·T), which must lie in (0, 1)",
                    ),
                    "return_period_frequency",
                )  # fmt: skip
            q = quantile_of(p.return_period, frequency)
        else:
            q = p.quantile  # type: ignore[assignment]  # _point guarantees one of the two
        keyed.append((q, name, p))
    keyed.sort(key=lambda t: t[0])
    for (q0, n0, p0), (q1, n1, p1) in pairwise(keyed):
        if q0 == q1:
            raise ScenarioRuleError(
                invalid("severities", [n0, n1], f"state the same quantile {q0:.6g} twice"),
                "severity_points_distinct",
            )
        if p1.amount <= p0.amount:
            both_periods = p0.return_period is not None and p1.return_period is not None
            rule = "return_period_order" if both_periods else "severity_monotone"
            what = (
                f"the {n1} loss must exceed the {n0} loss"
                if both_periods
                else f"losses must increase with the quantile: {n1} (q={q1:.6g}) must exceed "
                f"{n0} (q={q0:.6g})"
            )
            raise ScenarioRuleError(
                invalid("severities", {n0: str(p0.amount), n1: str(p1.amount)}, what), rule
            )
    return tuple(p for _, _, p in keyed)


def _point(item: Any, i: int) -> SeverityPoint:
    if not isinstance(item, Mapping):
        raise DomainError(invalid(f"severities[{i}]", item, "must be a mapping"))
    extra = sorted(set(item) - {"label", "return_period", "quantile", "amount"})
    if extra:
        raise DomainError(
            invalid(
                f"severities[{i}]", extra, "keys must be label, return_period, quantile, amount"
            )
        )
    rp = _number(item.get("return_period"), f"severities[{i}].return_period")
    q = _number(item.get("quantile"), f"severities[{i}].quantile")
    amount = _number(item.get("amount"), f"severities[{i}].amount")
    label = _text(item.get("label") or "", f"severities[{i}].label", blank=True)
    if amount is None:
        raise ScenarioRuleError(
            invalid(f"severities[{i}].amount", None, "is required"), "severity_positive"
        )
    if (rp is None) == (q is None):
        raise ScenarioRuleError(
            invalid(f"severities[{i}]", dict(item), "must state a return period or a quantile, "
                    "not both and not neither"),
            "severity_point_kind",
        )  # fmt: skip
    if q is not None and not 0 < q < 1:
        raise ScenarioRuleError(
            invalid(f"severities[{label or i}].quantile", str(q), "must lie in (0, 1)"),
            "quantile_range",
        )
    if not label and rp is not None:
        label = f"1-in-{rp:f}"
    return SeverityPoint(label=label, return_period=rp, quantile=q, amount=amount)


def _number(value: Any, name: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value != value:  # NaN from a frame: not stated
        return None
    try:
        return to_decimal(value, name, allow_negative=True)
    except InvalidMoneyError as exc:
        raise DomainError(str(exc)) from None


def _code(value: Any, kind: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    cat = event_type(value) if kind == "event_type" else business_line(value)
    return cat.code if cat.level == 1 else cat.l1


def _text(value: Any, name: str, *, blank: bool = False) -> str:
    if not isinstance(value, str):
        raise DomainError(invalid(name, value, "must be text"))
    text = value.strip()
    if (not text and not blank) or "\x00" in text:
        raise DomainError(invalid(name, value, "must be non-blank text without NUL characters"))
    return text


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise DomainError(
            invalid("workshop_on", value, "must be an ISO date (YYYY-MM-DD)")
        ) from None


def _participants(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    parts = value.replace("；", ";").split(";") if isinstance(value, str) else list(value)
    return tuple(_text(p, "participants") for p in parts if str(p).strip())


# --- workflow -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioState:
    """A scenario folded from its facts."""

    scenario_id: str
    revision: int = 0
    status: Status = "none"
    author: str | None = None
    content: dict[str, Any] | None = None


def evolve(state: ScenarioState, f: Fact) -> ScenarioState:
    if isinstance(f, ScenarioRecorded):
        content = {k: getattr(f, "event_type_code" if k == "event_type" else k) for k in FIELDS}
        return replace(
            state, revision=f.revision, status="draft", author=f.recorded_by, content=content
        )
    if isinstance(f, ScenarioApproved):
        return replace(state, status="approved")
    if isinstance(f, ScenarioWithdrawn):
        return replace(state, status="withdrawn")
    return state


def decide_record(
    state: ScenarioState, fields: Mapping[str, Any], *, actor: str, reason: str = ""
) -> list[Fact]:
    """A new scenario or a revision: unstated fields keep their value; the same content again
    records nothing."""
    if state.status == "withdrawn":
        raise WorkflowError(f"scenario {state.scenario_id!r} is withdrawn: it cannot be revised")
    merged = {**(state.content or {}), **fields}
    content = scenario_content(merged)
    if state.content is not None and content == scenario_content(state.content):
        return []
    return [
        ScenarioRecorded(
            scenario_id=state.scenario_id,
            revision=state.revision + 1,
            recorded_by=_text(actor, "actor"),
            reason=_text(reason, "reason", blank=True),
            **content,
        )
    ]


def decide_approve(state: ScenarioState, *, actor: str) -> list[Fact]:
    """Four eyes: the approver is not the author of the revision approved."""
    if state.status != "draft":
        raise WorkflowError(
            f"scenario {state.scenario_id!r} is {state.status}: only a draft revision can be approved"
        )
    if same_actor(actor, state.author):
        raise FourEyesError(
            invalid(
                "actor",
                actor,
                f"the author of revision {state.revision} of scenario {state.scenario_id!r} "
                "cannot be its approver (four eyes)",
            )
        )
    return [ScenarioApproved(approved_by=_text(actor, "actor"), revision=state.revision)]


def decide_withdraw(state: ScenarioState, *, actor: str, reason: str) -> list[Fact]:
    if state.status == "withdrawn":
        raise WorkflowError(f"scenario {state.scenario_id!r} is already withdrawn")
    return [ScenarioWithdrawn(withdrawn_by=_text(actor, "actor"), reason=_text(reason, "reason"))]
