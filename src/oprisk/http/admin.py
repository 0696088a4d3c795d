"""Principals over HTTP, for the ``admin`` role: list, add, rotate a token, revoke.

A token appears once, in the response that created it. These endpoints keep no idempotency
record (it would hold the token): a client that lost the response rotates the token instead.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from oprisk.api import Database
from oprisk.http.auth import Guard
from oprisk.http.models import PrincipalBody, ReasonBody
from oprisk.http.reads import json_response


def public(p: Any) -> dict[str, Any]:
    """A principal without its token hash."""
    return {
        "name": p.name,
        "roles": list(p.roles),
        "active": p.active,
        "added_by": p.added_by,
        "added_at": p.added_at,
        "revoked_by": p.revoked_by,
        "revoked_at": p.revoked_at,
        "revoked_reason": p.revoked_reason,
    }


def router(db: Database, guard: Guard) -> APIRouter:
    r = APIRouter(tags=["principals"], dependencies=[guard.need("principals")])

    def meta(request: Request) -> dict[str, Any]:
        return {"request_id": request.state.request_id, "via": "http"}

    @r.get("/v1/principals")
    def list_principals(request: Request) -> Response:
        """Every principal ever added, revoked ones included."""
        guard.confirm(request)
        return json_response([public(p) for p in db.principals.all()])

    @r.post("/v1/principals", status_code=201)
    def add(request: Request, body: PrincipalBody) -> Response:
        """Add a principal; the response holds its token, shown this once."""
        caller = guard.confirm(request)
        p, token = db.principals.add(body.name, body.roles, actor=caller.name, meta=meta(request))
        return json_response({**public(p), "token": token}, status=201)

    @r.post("/v1/principals/{name}/rotate")
    def rotate(request: Request, name: str) -> Response:
        """Replace the principal's token; the old one stops working at once."""
        caller = guard.confirm(request)
        p, token = db.principals.rotate(name, actor=caller.name, meta=meta(request))
        return json_response({**public(p), "token": token})

    @r.post("/v1/principals/{name}/revoke")
    def revoke(request: Request, name: str, body: ReasonBody) -> Response:
        """Revoke the principal for good; its facts keep its name as their actor."""
        caller = guard.confirm(request)
        p = db.principals.revoke(name, actor=caller.name, reason=body.reason, meta=meta(request))
        return json_response(public(p))

    return r
