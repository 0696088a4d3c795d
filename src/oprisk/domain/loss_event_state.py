"""The state of one loss event and ``evolve(state, fact) → state``, the pure fold of its facts.

``evolve`` is used both to rebuild an event from its stream (:func:`replay`) and by the read
models, so what the database shows is what a replay of the log gives. The rules that decide which
facts a command produces are in :mod:`oprisk.domain.loss_event`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from oprisk.domain import events as e
from oprisk.errors import DomainError, invalid

Status = Literal["open", "submitted", "approved", "rejected", "closed", "withdrawn"]
ZERO = Decimal(0)


@dataclass(frozen=True)
class Line:
    """One ledger line as the aggregate remembers it (enough to make re-sent lines idempotent)."""

    kind: str
    amount: Decimal
    currency: str
    accounted_on: date
    received: bool = True


@dataclass(frozen=True)
class Request:
    """A change awaiting a second actor's approval: its kind, who asked, the version of the
    request fact, and what the change will record when approved."""

    kind: str  # exclusion | withdrawal | reopening
    requested_by: str
    version: int
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class LossEventState:
    """The current state of one loss event, as a fold of its facts."""

    event_id: str
    version: int = 0
    title: str = ""
    description: str = ""
    event_type: str = ""
    cause: str = ""
    business_line: str = ""
    legal_entity: str = ""
    lei: str | None = None
    org_unit: str = ""
    occurred_on: date | None = None
    discovered_on: date | None = None
    first_accounted_on: date | None = None
    currency: str = ""
    near_miss: bool = False
    gain: bool = False
    credit_boundary: bool = False
    market_boundary: bool = False
    legal: bool = False
    source: str | None = None
    external_id: str | None = None
    reported_by: str = ""
    submitted_by: str | None = None
    approved_by: str | None = None  # who approved it last (kept when it returns to review)
    approved_version: int | None = None  # the version approved; None: not approved now
    status: Status = "open"
    pending: Request | None = None
    root_event_id: str | None = None
    excluded: bool = False
    exclusion_reference: str | None = None
    gross_loss: Decimal = ZERO
    provisions: Decimal = ZERO
    recoveries_insurance: Decimal = ZERO
    recoveries_other: Decimal = ZERO
    recoveries_receivable: Decimal = ZERO
    lines: Mapping[str, Line] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.version > 0

    @property
    def net_loss(self) -> Decimal:
        """Gross loss less recoveries received in cash (receivables do not count: SAMA §9.2.1)."""
        return self.gross_loss - self.recoveries_insurance - self.recoveries_other

    @property
    def was_approved(self) -> bool:
        """Approved at some point: withdrawing or reopening it then needs four eyes."""
        return self.approved_by is not None

    @property
    def recoveries(self) -> Decimal:
        return self.recoveries_insurance + self.recoveries_other + self.recoveries_receivable


def initial(event_id: str) -> LossEventState:
    # ``LossEventState(event_id=event_id)`` without running the 35-field frozen ``__init__``
    new = object.__new__(LossEventState)
    new.__dict__.update(_INITIAL)
    new.__dict__["event_id"] = event_id
    new.__dict__["lines"] = {}
    return new


_INITIAL = dict(LossEventState(event_id="").__dict__)


_DATE_FIELDS = {"occurred_on", "discovered_on"}
_BOOL_FIELDS = {"near_miss", "gain", "credit_boundary", "market_boundary", "legal"}


def typed_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Amendment values as the state holds them (dates from ISO text, booleans strict)."""
    out: dict[str, Any] = {}
    for k, v in changes.items():
        if k in _DATE_FIELDS and v is not None:
            v = v if isinstance(v, date) else date.fromisoformat(str(v))
        elif k in _BOOL_FIELDS:
            if not isinstance(v, bool):
                raise DomainError(invalid(k, v, "must be true or false"))
        elif k not in _DATE_FIELDS and k != "lei" and v is None:
            v = ""
        out[k] = v
    return out


# --- evolve -----------------------------------------------------------------------------------


def replace(s: LossEventState, **changes: Any) -> LossEventState:
    """``dataclasses.replace`` without re-running ``__init__`` (evolve runs once per fact, twice per append)."""
    new = object.__new__(LossEventState)
    new.__dict__.update(s.__dict__)
    new.__dict__.update(changes)
    return new


def evolve(s: LossEventState, f: e.Fact) -> LossEventState:
    """Apply one fact to the state (pure)."""
    v = s.version + 1
    if isinstance(f, e.LossEventReported):
        data = f.__dict__  # the fields of ``f.model_dump(by_alias=True)``, without the dump
        return replace(s, version=v, **{key: data[name] for name, key in _REPORTED_FIELDS})
    if isinstance(f, e.LossEventAmended):
        return replace(s, version=v, **typed_changes(f.changes))
    if isinstance(f, e.LossEventReclassified):
        return replace(
            s, version=v, event_type=f.event_type_code, cause=f.cause, business_line=f.business_line
        )
    if isinstance(f, e.ImpactRecorded):
        sign = e.IMPACT_SIGN[f.kind]
        prov = s.provisions + (
            f.amount
            if f.kind == "provision"
            else -f.amount
            if f.kind == "provision_release"
            else ZERO
        )
        first = (
            min(s.first_accounted_on, f.accounted_on) if s.first_accounted_on else f.accounted_on
        )
        lines = {**s.lines, f.line_id: Line(f.kind, f.amount, f.currency, f.accounted_on)}
        return replace(
            s,
            version=v,
            gross_loss=s.gross_loss + sign * f.amount,
            provisions=prov,
            first_accounted_on=first,
            lines=lines,
        )
    if isinstance(f, e.RecoveryRecorded):
        lines = {
            **s.lines,
            f.line_id: Line(f.kind, f.amount, f.currency, f.accounted_on, f.received),
        }
        if not f.received:
            return replace(
                s, version=v, recoveries_receivable=s.recoveries_receivable + f.amount, lines=lines
            )
        if f.kind == "insurance":
            return replace(
                s, version=v, recoveries_insurance=s.recoveries_insurance + f.amount, lines=lines
            )
        return replace(s, version=v, recoveries_other=s.recoveries_other + f.amount, lines=lines)
    if isinstance(f, e.LossEventLinked):
        return replace(s, version=v, root_event_id=f.root_event_id)
    if isinstance(f, e.LossEventSubmitted):
        return replace(s, version=v, status="submitted", submitted_by=f.submitted_by)
    if isinstance(f, e.LossEventApproved):
        approved = s.version if f.approved_version is None else f.approved_version
        return replace(
            s, version=v, status="approved", approved_by=f.approved_by, approved_version=approved
        )
    if isinstance(f, e.LossEventReturnedToReview):
        return replace(
            s, version=v, status="submitted", submitted_by=f.changed_by, approved_version=None
        )
    if isinstance(f, e.LossEventRejected):
        return replace(s, version=v, status="rejected")
    if isinstance(f, e.LossEventClosed):
        return replace(s, version=v, status="closed")
    if isinstance(f, e.LossEventReopened):
        return replace(s, version=v, status="open")
    if isinstance(f, e.LossEventWithdrawn):
        return replace(s, version=v, status="withdrawn", pending=None)
    if isinstance(f, e.LossEventExcluded):
        return replace(s, version=v, excluded=True, exclusion_reference=f.approval_reference)
    if isinstance(f, e.ExclusionRequested | e.WithdrawalRequested | e.ReopeningRequested):
        fields = f.model_dump(exclude={"requested_by"})
        return replace(s, version=v, pending=Request(_KIND[type(f)], f.requested_by, v, fields))
    if isinstance(f, e.RequestApproved | e.RequestRejected):
        return replace(s, version=v, pending=None)
    raise DomainError(f"loss-event stream cannot apply fact {f.event_type!r}")


_KIND: dict[type, str] = {
    e.ExclusionRequested: "exclusion",
    e.WithdrawalRequested: "withdrawal",
    e.ReopeningRequested: "reopening",
}
_STATE_FIELDS = {f.name for f in dataclasses.fields(LossEventState)}
#: (attribute, state field) of the reported fact's fields the state holds (aliases resolved)
_REPORTED_FIELDS = [
    (name, info.alias or name)
    for name, info in e.LossEventReported.model_fields.items()
    if (info.alias or name) in _STATE_FIELDS
]


def replay(event_id: str, facts: Iterable[e.Fact]) -> LossEventState:
    """Fold a stream's facts into its state."""
    s = initial(event_id)
    for f in facts:
        s = evolve(s, f)
    return s
