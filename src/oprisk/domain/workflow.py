"""The four-eyes workflow of a loss event: submission and approval, and the changes that take
effect only when a second actor approves them (exclusion; withdrawal and reopening of an event
that was approved).

Actors are compared as people (:func:`oprisk.domain.actors.same_actor`), never as strings. A
request is a fact of its own (``loss_event.*_requested``); approving it records
``loss_event.request_approved`` followed by the change itself (``loss_event.excluded``,
``.withdrawn``, ``.reopened``), so capital and exports see the change only from then on.
"""

from __future__ import annotations

from typing import Any

from oprisk.domain import commands as c
from oprisk.domain import events as e
from oprisk.domain.actors import same_actor
from oprisk.domain.loss_event_state import LossEventState, Request
from oprisk.errors import (
    DomainError,
    FourEyesError,
    NothingToChangeError,
    WorkflowError,
    invalid,
)


def submit(cmd: c.SubmitLossEvent, s: LossEventState, _: Any) -> list[e.Fact]:
    if s.status not in ("open", "rejected"):
        raise WorkflowError(
            f"loss event {cmd.event_id!r} is {s.status}: only open or rejected events can be submitted"
        )
    return [e.LossEventSubmitted(submitted_by=cmd.actor)]


def _four_eyes(cmd: c.Command, s: LossEventState, verb: str) -> None:
    if s.status != "submitted":
        raise WorkflowError(
            f"loss event {cmd.event_id!r} is {s.status}: only submitted events can be {verb}"
        )
    if same_actor(cmd.actor, s.reported_by) or same_actor(cmd.actor, s.submitted_by):
        raise FourEyesError(
            invalid(
                "actor",
                cmd.actor,
                f"the reporter or submitter of {cmd.event_id!r} cannot be its approver (four eyes)",
            )
        )


def approve(cmd: c.ApproveLossEvent, s: LossEventState, _: Any) -> list[e.Fact]:
    _four_eyes(cmd, s, "approved")
    return [e.LossEventApproved(approved_by=cmd.actor, approved_version=s.version)]


def reject(cmd: c.RejectLossEvent, s: LossEventState, _: Any) -> list[e.Fact]:
    _four_eyes(cmd, s, "rejected")
    return [e.LossEventRejected(rejected_by=cmd.actor, reason=cmd.reason)]


def reopen(cmd: c.ReopenLossEvent, s: LossEventState, _: Any) -> list[e.Fact]:
    if s.status != "closed":
        raise WorkflowError(
            f"loss event {cmd.event_id!r} is {s.status}: only closed events can be reopened"
        )
    if s.was_approved:
        return _request(cmd, s, e.ReopeningRequested(reason=cmd.reason, requested_by=cmd.actor))
    return [e.LossEventReopened(reason=cmd.reason)]


def withdraw(cmd: c.WithdrawLossEvent, s: LossEventState, _: Any) -> list[e.Fact]:
    if not cmd.reason.strip():
        raise DomainError(
            invalid("reason", cmd.reason, "a withdrawal needs a reason (duplicate, error …)")
        )
    if s.was_approved:
        return _request(cmd, s, e.WithdrawalRequested(reason=cmd.reason, requested_by=cmd.actor))
    return [e.LossEventWithdrawn(reason=cmd.reason)]


def exclude(cmd: c.ExcludeLossEvent, s: LossEventState, _: Any) -> list[e.Fact]:
    if s.excluded:
        raise NothingToChangeError(
            f"loss event {cmd.event_id!r} is already excluded ({s.exclusion_reference})"
        )
    if not cmd.approval_reference.strip():
        raise DomainError(
            invalid(
                "approval_reference",
                cmd.approval_reference,
                "an exclusion needs the supervisor's approval reference",
            )
        )
    request = e.ExclusionRequested(
        approval_reference=cmd.approval_reference,
        approved_on=cmd.approved_on,
        reason=cmd.reason,
        requested_by=cmd.actor,
    )
    return _request(cmd, s, request, same=("approval_reference",))


_REQUESTS: dict[type, str] = {
    e.ExclusionRequested: "exclusion",
    e.WithdrawalRequested: "withdrawal",
    e.ReopeningRequested: "reopening",
}


def _request(
    cmd: c.Command, s: LossEventState, request: e.Fact, same: tuple[str, ...] = ()
) -> list[e.Fact]:
    """A change that waits for a second actor. Asking again for the pending change is a no-op
    (a loader re-reading its file); asking for another while one is pending is refused."""
    kind = _REQUESTS[type(request)]
    p = s.pending
    if p is None:
        return [request]
    if p.kind == kind and all(p.fields.get(k) == getattr(request, k) for k in same):
        return []
    raise WorkflowError(
        f"loss event {cmd.event_id!r} has a pending {p.kind} request by {p.requested_by} "
        f"(version {p.version}): approve or reject it first"
    )


def _pending(cmd: c.ApproveRequest | c.RejectRequest, s: LossEventState) -> Request:
    p = s.pending
    if p is None:
        raise WorkflowError(f"loss event {cmd.event_id!r} has no pending request")
    if cmd.request is not None and cmd.request != p.kind:
        raise WorkflowError(
            f"loss event {cmd.event_id!r} has a pending {p.kind} request, not a {cmd.request} request"
        )
    return p


def approve_request(cmd: c.ApproveRequest, s: LossEventState, _: Any) -> list[e.Fact]:
    p = _pending(cmd, s)
    if same_actor(cmd.actor, p.requested_by) or same_actor(cmd.actor, s.reported_by):
        raise FourEyesError(
            invalid(
                "actor",
                cmd.actor,
                f"the requester or reporter of {cmd.event_id!r} cannot approve its {p.kind} "
                "(four eyes)",
            )
        )
    f = p.fields
    effect: e.Fact
    if p.kind == "exclusion":
        effect = e.LossEventExcluded(
            approval_reference=f["approval_reference"],
            approved_on=f["approved_on"],
            reason=f["reason"],
        )
    elif p.kind == "withdrawal":
        effect = e.LossEventWithdrawn(reason=f["reason"])
    else:
        if s.status != "closed":
            raise WorkflowError(
                f"loss event {cmd.event_id!r} is {s.status}: only closed events can be reopened"
            )
        effect = e.LossEventReopened(reason=f["reason"])
    approved = e.RequestApproved(
        request=p.kind,  # type: ignore[arg-type]
        requested_by=p.requested_by,
        approved_by=cmd.actor,
        request_version=p.version,
    )
    return [approved, effect]


def reject_request(cmd: c.RejectRequest, s: LossEventState, _: Any) -> list[e.Fact]:
    p = _pending(cmd, s)
    if not cmd.reason.strip():
        raise DomainError(invalid("reason", cmd.reason, "a rejection needs a reason"))
    return [
        e.RequestRejected(
            request=p.kind,  # type: ignore[arg-type]
            requested_by=p.requested_by,
            rejected_by=cmd.actor,
            reason=cmd.reason,
        )
    ]
