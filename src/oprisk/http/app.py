"""The ASGI application: ``create_app(db)`` puts the routes, authentication, problem details and
request logging over one :class:`oprisk.api.Database`."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oprisk.api import Database
from oprisk.errors import FourEyesError, OpriskError
from oprisk.http import admin, logs, problems, reads, uploads, writes
from oprisk.http.auth import Guard, Settings
from oprisk.http.idempotent import Runner
from oprisk.http.problems import Problem


def create_app(
    db: Database, settings: Settings | None = None, *, close_db: bool = False
) -> FastAPI:
    """The service over ``db`` (closed on shutdown when ``close_db``)."""
    from oprisk import __version__

    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        runner.writer.close()
        if close_db:
            db.close()

    app = FastAPI(
        title="oprisk",
        version=__version__,
        summary="Operational-risk loss events, capital and exports over HTTP",
        lifespan=lifespan,
    )
    guard = Guard(db.principals, settings)
    runner = Runner(db, guard)
    app.state.db, app.state.guard, app.state.runner = db, guard, runner
    app.include_router(writes.router(runner, guard))
    app.include_router(reads.router(db, guard))
    app.include_router(uploads.router(db, guard, runner, settings.max_upload_bytes))
    app.include_router(admin.router(db, guard))
    _health(app, db)
    _errors(app)
    app.add_middleware(RequestLog)
    return app


def _health(app: FastAPI, db: Database) -> None:
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is up (no database access)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> Response:
        """The database answers with an oprisk schema (503 otherwise)."""
        return reads.json_response({"status": "ready", "position": db.position()})


def _errors(app: FastAPI) -> None:
    def answer(request: Request, problem: Problem) -> Response:
        rid = getattr(request.state, "request_id", "")
        return problems.response(problem, request.url.path, rid)

    async def on_problem(request: Request, err: Exception) -> Response:
        return answer(request, problems.from_error(err))

    async def on_oprisk(request: Request, err: Exception) -> Response:
        problem = problems.from_error(err)
        if isinstance(err, FourEyesError):
            caller = getattr(request.state, "caller", None)
            logs.denied(
                request.state.request_id, 422, str(err),
                principal=getattr(caller, "name", None), path=request.url.path,
            )  # fmt: skip
        return answer(request, problem)

    async def on_request_validation(request: Request, err: Exception) -> Response:
        assert isinstance(err, RequestValidationError)
        errors = problems.validation_errors(err.errors())
        detail = "; ".join(e["message"] for e in errors)
        return answer(request, Problem(400, "validation", detail, errors=errors))

    async def on_http(request: Request, err: Exception) -> Response:
        assert isinstance(err, HTTPException)
        detail = (
            str(err.detail) if err.status_code != 404 else f"no such resource: {request.url.path}"
        )
        return answer(
            request, Problem(err.status_code, "http", detail, headers=dict(err.headers or {}))
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(OpriskError, on_oprisk)
    app.add_exception_handler(ValidationError, on_problem)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(HTTPException, on_http)


class RequestLog:
    """A request id for every request (``X-Request-ID``), one log line each, and a problem
    detail instead of a traceback for anything unexpected (plain ASGI: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", rid)
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            logs.log.exception("unhandled error", extra={"event": "error", "request_id": rid})
            problem = Problem(500, "internal", f"internal error; quote request id {rid}")
            await problems.response(problem, scope["path"], rid)(scope, receive, sending)
        headers = dict(scope["headers"])
        caller: Any = state.get("caller")
        logs.request_done(
            rid,
            method=scope["method"],
            path=scope["path"],
            status=status[0],
            principal=getattr(caller, "name", None),
            ms=round((time.perf_counter() - started) * 1000, 2),
            client_request_id=headers.get(b"x-request-id", b"").decode() or None,
        )
