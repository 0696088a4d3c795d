"""The commands: report, amend / reclassify, ledger lines, the workflow, exclusions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from oprisk.domain import commands as c
from oprisk.http.auth import Guard
from oprisk.http.idempotent import Runner
from oprisk.http.models import (
    CommandResult,
    ExclusionBody,
    ImpactBody,
    PatchBody,
    ProvisionBody,
    ReasonBody,
    RecoveryBody,
    ReportBody,
)
from oprisk.http.problems import Problem

HEADERS = {
    "Idempotency-Key": "a retry with the same key returns the first response",
    "If-Match": 'the event version last seen, e.g. "3" (412 if it moved on)',
}
EVENT = "/v1/loss-events/{event_id:path}"


def router(runner: Runner, guard: Guard) -> APIRouter:
    r = APIRouter(prefix="", tags=["loss events: commands"])

    @r.post(
        "/v1/loss-events",
        status_code=201,
        response_model=CommandResult,
        dependencies=[guard.need("report")],
    )
    async def report(request: Request, body: ReportBody) -> Response:
        """Report a new loss event (``loss_event.reported``); 201 with ``Location`` and ``ETag``."""
        caller = guard.claimed(request)
        source = body.source or caller.name
        event_id = f"{source}:{body.external_id}"
        cmd = body.command(event_id, caller.name, source)
        return await runner.command(
            request, caller, event_id, [cmd], body.model_dump(mode="json"), created=True
        )

    @r.patch(EVENT, response_model=CommandResult, dependencies=[guard.need("amend")])
    async def amend(request: Request, event_id: str, body: PatchBody) -> Response:
        """Amend descriptive fields and/or reclassify (event type, cause, business line)."""
        caller = guard.claimed(request)
        cmds = body.commands(event_id, caller.name)
        if not cmds:
            raise Problem(
                400, "validation", "a PATCH needs at least one field to amend or reclassify"
            )
        payload = body.model_dump(mode="json", exclude_unset=True)
        return await runner.command(request, caller, event_id, cmds, payload)

    @r.post(EVENT + "/impacts", response_model=CommandResult, dependencies=[guard.need("impacts")])
    async def impacts(request: Request, event_id: str, body: ImpactBody) -> Response:
        """Record a loss, cost or reversal line (``loss_event.impact_recorded``)."""
        caller = guard.claimed(request)
        cmd = body.command(event_id, caller.name)
        return await runner.command(request, caller, event_id, [cmd], body.model_dump(mode="json"))

    @r.post(
        EVENT + "/provisions", response_model=CommandResult, dependencies=[guard.need("provisions")]
    )
    async def provisions(request: Request, event_id: str, body: ProvisionBody) -> Response:
        """Record a provision or a provision release."""
        caller = guard.claimed(request)
        cmd = body.command(event_id, caller.name)
        return await runner.command(request, caller, event_id, [cmd], body.model_dump(mode="json"))

    @r.post(
        EVENT + "/recoveries", response_model=CommandResult, dependencies=[guard.need("recoveries")]
    )
    async def recoveries(request: Request, event_id: str, body: RecoveryBody) -> Response:
        """Record an insurance or other recovery (``loss_event.recovery_recorded``)."""
        caller = guard.claimed(request)
        cmd = body.command(event_id, caller.name)
        return await runner.command(request, caller, event_id, [cmd], body.model_dump(mode="json"))

    @r.post(EVENT + "/submit", response_model=CommandResult, dependencies=[guard.need("submit")])
    async def submit(request: Request, event_id: str) -> Response:
        """Submit the event for approval."""
        caller = guard.claimed(request)
        cmd = c.SubmitLossEvent(event_id=event_id, actor=caller.name)
        return await runner.command(request, caller, event_id, [cmd], None)

    @r.post(EVENT + "/approve", response_model=CommandResult, dependencies=[guard.need("approve")])
    async def approve(request: Request, event_id: str) -> Response:
        """Approve a submitted event; the approver must not be its reporter or submitter."""
        caller = await run_in_threadpool(guard.confirm, request)
        cmd = c.ApproveLossEvent(event_id=event_id, actor=caller.name)
        return await runner.command(request, caller, event_id, [cmd], None, four_eyes=True)

    @r.post(EVENT + "/reject", response_model=CommandResult, dependencies=[guard.need("reject")])
    async def reject(request: Request, event_id: str, body: ReasonBody) -> Response:
        """Reject a submitted event, with a reason (four eyes as for approval)."""
        caller = await run_in_threadpool(guard.confirm, request)
        cmd = c.RejectLossEvent(event_id=event_id, actor=caller.name, reason=body.reason)
        return await runner.command(
            request, caller, event_id, [cmd], body.model_dump(mode="json"), four_eyes=True
        )

    @r.post(
        EVENT + "/withdraw", response_model=CommandResult, dependencies=[guard.need("withdraw")]
    )
    async def withdraw(request: Request, event_id: str, body: ReasonBody) -> Response:
        """Withdraw the event (a duplicate, an error): a fact, never a deletion."""
        caller = guard.claimed(request)
        cmd = c.WithdrawLossEvent(event_id=event_id, actor=caller.name, reason=body.reason)
        return await runner.command(request, caller, event_id, [cmd], body.model_dump(mode="json"))

    @r.post(
        EVENT + "/exclusions", response_model=CommandResult, dependencies=[guard.need("exclusions")]
    )
    async def exclusions(request: Request, event_id: str, body: ExclusionBody) -> Response:
        """Exclude the event from the capital data set, with the supervisor's approval reference."""
        caller = guard.claimed(request)
        cmd = c.ExcludeLossEvent(event_id=event_id, actor=caller.name, **body.model_dump())
        return await runner.command(request, caller, event_id, [cmd], body.model_dump(mode="json"))

    return r
