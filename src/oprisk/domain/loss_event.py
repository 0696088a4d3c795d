"""The ``LossEvent`` aggregate: ``decide(command, state) → facts`` and ``evolve(state, fact)``.

``decide`` holds every invariant (design.md §3) and raises a typed error naming the rule;
``evolve`` is a pure fold used both to rebuild an event from its stream and by the read models,
so what the database shows is what a replay of the log gives. The state and its fold live in
:mod:`oprisk.domain.loss_event_state` and are importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from oprisk.domain import commands as c
from oprisk.domain import events as e
from oprisk.domain import workflow
from oprisk.domain.loss_event_state import (
    Line,
    LossEventState,
    Request,
    Status,
    evolve,
    initial,
    replay,
    typed_changes,
)
from oprisk.domain.taxonomy import business_line, cause, default_cause, event_type
from oprisk.errors import (
    DomainError,
    EventAlreadyExistsError,
    EventClosedError,
    EventNotFoundError,
    EventWithdrawnError,
    InvalidDateOrderError,
    InvalidLinkError,
    InvalidMoneyError,
    NothingToChangeError,
    RecoveryExceedsLossError,
    WorkflowError,
    invalid,
)

__all__ = [
    "Line",
    "LossEventState",
    "Request",
    "Status",
    "decide",
    "evolve",
    "initial",
    "replay",
]


def _check_dates(occurred: date | None, discovered: date | None) -> None:
    if occurred and discovered and discovered < occurred:
        raise InvalidDateOrderError(
            invalid(
                "discovered_on",
                discovered.isoformat(),
                f"must not be before occurred_on {occurred.isoformat()}",
            )
        )


def _classify(
    et: str, bl: str, ca: str | None, cause_overrides: Mapping[str, str] | None
) -> tuple[str, str, str]:
    et_code = event_type(et).code
    bl_code = business_line(bl).code
    ca_code = cause(ca).code if ca else default_cause(et_code, cause_overrides)
    return et_code, bl_code, ca_code


def _require(state: LossEventState, cmd: c.Command) -> None:
    if not state.exists:
        raise EventNotFoundError(f"loss event {cmd.event_id!r} has not been reported")
    if state.status == "withdrawn":
        raise EventWithdrawnError(
            f"loss event {cmd.event_id!r} was withdrawn: {type(cmd).__name__} is not allowed"
        )


def decide(
    cmd: c.Command, state: LossEventState, *, cause_overrides: Mapping[str, str] | None = None
) -> list[e.Fact]:
    """Turn a command into the facts it produces, or raise the rule it breaks."""
    if isinstance(cmd, c.ReportLossEvent):
        if state.exists:
            raise EventAlreadyExistsError(f"loss event {cmd.event_id!r} already exists")
        _check_dates(cmd.occurred_on, cmd.discovered_on)
        et, bl, ca = _classify(cmd.event_type, cmd.business_line, cmd.cause, cause_overrides)
        if not cmd.title.strip():
            raise DomainError(invalid("title", cmd.title, "must not be blank"))
        return [
            e.LossEventReported(
                event_id=cmd.event_id,
                title=cmd.title,
                description=cmd.description,
                event_type=et,
                cause=ca,
                business_line=bl,
                legal_entity=cmd.legal_entity,
                lei=cmd.lei,
                org_unit=cmd.org_unit,
                occurred_on=cmd.occurred_on,
                discovered_on=cmd.discovered_on,
                currency=cmd.currency,
                near_miss=cmd.near_miss,
                gain=cmd.gain,
                credit_boundary=cmd.credit_boundary,
                market_boundary=cmd.market_boundary,
                legal=cmd.legal,
                source=cmd.source,
                external_id=cmd.external_id,
                reported_by=cmd.actor,
            )
        ]
    _require(state, cmd)
    handler = _HANDLERS.get(type(cmd))
    if handler is None:
        raise DomainError(f"unknown command {type(cmd).__name__}")
    facts: list[e.Fact] = handler(cmd, state, cause_overrides)
    what = _MATERIAL.get(type(cmd))
    if facts and what and state.approved_version is not None:
        # the approval was given to another amount or classification: review it again
        facts.append(
            e.LossEventReturnedToReview(
                changed_by=cmd.actor,
                approved_version=state.approved_version,
                reason=f"{what} changed after approval",
            )
        )
    return facts


def _amend(cmd: c.AmendLossEvent, s: LossEventState, _: Any) -> list[e.Fact]:
    unknown = sorted(set(cmd.changes) - set(e.AMENDABLE))
    if unknown:
        raise DomainError(
            invalid(
                "changes",
                unknown,
                "amendable fields are "
                + ", ".join(e.AMENDABLE)
                + " (classification changes go through reclassify)",
            )
        )
    probe = e.LossEventAmended(changes=cmd.changes, reason=cmd.reason)  # normalise types via JSON
    changes = {
        k: v for k, v in typed_changes(probe.payload()["changes"]).items() if getattr(s, k) != v
    }
    if not changes:
        raise NothingToChangeError(f"amendment of {cmd.event_id!r} changes nothing")
    _check_dates(
        changes.get("occurred_on", s.occurred_on), changes.get("discovered_on", s.discovered_on)
    )
    return [e.LossEventAmended(changes=changes, reason=cmd.reason)]


def _reclassify(cmd: c.ReclassifyLossEvent, s: LossEventState, overrides: Any) -> list[e.Fact]:
    et = event_type(cmd.event_type).code if cmd.event_type else s.event_type
    bl = business_line(cmd.business_line).code if cmd.business_line else s.business_line
    if cmd.cause:
        ca = cause(cmd.cause).code
    elif et != s.event_type and s.cause == default_cause(s.event_type, overrides):
        ca = default_cause(et, overrides)  # the cause followed the old default: follow the new one
    else:
        ca = s.cause
    if (et, bl, ca) == (s.event_type, s.business_line, s.cause):
        raise NothingToChangeError(f"reclassification of {cmd.event_id!r} changes nothing")
    return [
        e.LossEventReclassified(
            event_type=et,
            cause=ca,
            business_line=bl,
            previous_event_type=s.event_type,
            previous_cause=s.cause,
            previous_business_line=s.business_line,
            reason=cmd.reason,
        )
    ]


def _line_checks(cmd: c._Line, s: LossEventState) -> str | None:
    """Common ledger-line rules; returns None when the same line was already recorded."""
    if s.status == "closed":
        raise EventClosedError(
            f"loss event {cmd.event_id!r} is closed: reopen it before recording lines"
        )
    if cmd.currency != s.currency:
        raise InvalidMoneyError(
            invalid(
                "currency",
                cmd.currency,
                f"must be the event's currency {s.currency}; convert the amount first",
            )
        )
    if s.occurred_on and cmd.accounted_on < s.occurred_on:
        raise InvalidDateOrderError(
            invalid(
                "accounted_on",
                cmd.accounted_on.isoformat(),
                f"must not be before occurred_on {s.occurred_on.isoformat()}",
            )
        )
    line_id = cmd.line_id or f"L{s.version + 1}"
    return line_id


def _same_line(s: LossEventState, line_id: str, new: Line) -> bool:
    old = s.lines.get(line_id)
    if old is None:
        return False
    if old != new:
        raise DomainError(
            invalid(
                "line_id",
                line_id,
                "was already recorded with different content; record a new line for a change",
            )
        )
    return True


def _impact(cmd: c.RecordImpact, s: LossEventState, _: Any) -> list[e.Fact]:
    line_id = _line_checks(cmd, s)
    assert line_id
    if _same_line(s, line_id, Line(cmd.kind, cmd.amount, cmd.currency, cmd.accounted_on)):
        return []
    if cmd.kind == "provision_release" and cmd.amount > s.provisions:
        raise DomainError(
            invalid(
                "amount",
                str(cmd.amount),
                f"a provision release must not exceed the provisions outstanding ({s.provisions})",
            )
        )
    if cmd.kind in ("reversal", "provision_release") and cmd.amount > s.gross_loss:
        raise DomainError(
            invalid(
                "amount",
                str(cmd.amount),
                f"must not take the gross loss ({s.gross_loss}) below zero",
            )
        )
    return [
        e.ImpactRecorded(
            line_id=line_id,
            kind=cmd.kind,
            amount=cmd.amount,
            currency=cmd.currency,
            accounted_on=cmd.accounted_on,
            note=cmd.note,
        )
    ]


def _recovery(cmd: c.RecordRecovery, s: LossEventState, _: Any) -> list[e.Fact]:
    line_id = _line_checks(cmd, s)
    assert line_id
    if _same_line(
        s, line_id, Line(cmd.kind, cmd.amount, cmd.currency, cmd.accounted_on, cmd.received)
    ):
        return []
    if s.recoveries + cmd.amount > s.gross_loss and not cmd.allow_excess:
        raise RecoveryExceedsLossError(
            invalid(
                "amount",
                str(cmd.amount),
                f"recoveries would reach {s.recoveries + cmd.amount}, above the gross loss {s.gross_loss}; "
                "pass allow_excess=True if that is right",
            )
        )
    return [
        e.RecoveryRecorded(
            line_id=line_id,
            kind=cmd.kind,
            amount=cmd.amount,
            currency=cmd.currency,
            accounted_on=cmd.accounted_on,
            received=cmd.received,
            note=cmd.note,
        )
    ]


def _link(cmd: c.LinkLossEvent, s: LossEventState, _: Any) -> list[e.Fact]:
    if cmd.root_event_id == cmd.event_id:
        raise InvalidLinkError(
            invalid("root_event_id", cmd.root_event_id, "must not be the event itself")
        )
    if cmd.root_event_id == s.root_event_id:
        raise NothingToChangeError(
            f"loss event {cmd.event_id!r} is already linked to {cmd.root_event_id!r}"
        )
    return [e.LossEventLinked(root_event_id=cmd.root_event_id)]


def _close(cmd: c.CloseLossEvent, s: LossEventState, _: Any) -> list[e.Fact]:
    if s.status == "closed":
        raise WorkflowError(f"loss event {cmd.event_id!r} is already closed")
    return [e.LossEventClosed(reason=cmd.reason)]


#: commands whose facts are a material change: an approved event goes back to review
_MATERIAL: dict[type, str] = {
    c.RecordImpact: "amount",
    c.RecordRecovery: "amount",
    c.ReclassifyLossEvent: "classification",
}

_HANDLERS: dict[type, Any] = {
    c.AmendLossEvent: _amend,
    c.ReclassifyLossEvent: _reclassify,
    c.RecordImpact: _impact,
    c.RecordRecovery: _recovery,
    c.LinkLossEvent: _link,
    c.SubmitLossEvent: workflow.submit,
    c.ApproveLossEvent: workflow.approve,
    c.RejectLossEvent: workflow.reject,
    c.CloseLossEvent: _close,
    c.ReopenLossEvent: workflow.reopen,
    c.WithdrawLossEvent: workflow.withdraw,
    c.ExcludeLossEvent: workflow.exclude,
    c.ApproveRequest: workflow.approve_request,
    c.RejectRequest: workflow.reject_request,
}
