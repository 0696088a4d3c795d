"""Errors as RFC 9457 problem details, with the messages the command line prints.

Every error class of :mod:`oprisk.errors` maps to one status here (:func:`status_of`), so the
same rule gives the same answer on every endpoint: 400 for a value that is wrong in itself (with
``errors``: field, value, rule), 404 for an unknown event, 409 for a version conflict, 412 for a
failed ``If-Match``, 422 for a domain rule the request breaks. Nothing else leaves the server: an
unexpected exception is logged with its traceback and answered with a 500 naming the request id.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError
from starlette.responses import Response

from oprisk.errors import (
    CapitalError,
    ConcurrencyError,
    ConfigurationError,
    DomainError,
    EventAlreadyExistsError,
    EventNotFoundError,
    IngestionError,
    InvalidMoneyError,
    OpriskError,
    ReportError,
    SchemaError,
    StoreError,
    UnknownTaxonomyError,
    invalid,
)

MEDIA_TYPE = "application/problem+json"

#: (error class, status, problem slug), most specific first; the first match wins.
STATUS: list[tuple[type[BaseException], int, str]] = [
    (EventNotFoundError, 404, "not-found"),
    (EventAlreadyExistsError, 409, "already-exists"),
    (ConcurrencyError, 409, "version-conflict"),
    (SchemaError, 503, "schema"),
    (StoreError, 500, "store"),
    (UnknownTaxonomyError, 400, "validation"),
    (InvalidMoneyError, 400, "validation"),
    (ConfigurationError, 400, "validation"),
    (IngestionError, 400, "unreadable-file"),
    (DomainError, 422, "domain-rule"),
    (CapitalError, 422, "capital-inputs"),
    (ReportError, 422, "report"),
    (ValidationError, 400, "validation"),
    (OpriskError, 422, "rule"),
]

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Problem(Exception):
    """An error response the HTTP layer decided on (authentication, roles, preconditions …)."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail
        self.errors = errors
        self.headers = headers or {}


def bad(field: str, value: Any, rule: str) -> Problem:
    """A 400 for one bad value, in the house format with field, value and rule."""
    message = invalid(field, value, rule)
    errors = [{"field": field, "value": _jsonable(value), "rule": rule, "message": message}]
    return Problem(400, "validation", message, errors=errors)


def status_of(err: BaseException) -> tuple[int, str]:
    if isinstance(err, OpriskError) and isinstance(err, LookupError):
        return 404, "not-found"  # an unknown event, principal, assessment …
    for cls, status, slug in STATUS:
        if isinstance(err, cls):
            return status, slug
    return 500, "internal"


def from_error(err: BaseException) -> Problem:
    """The problem an oprisk (or pydantic) error becomes; the detail is the CLI's message."""
    if isinstance(err, Problem):
        return err
    status, slug = status_of(err)
    if isinstance(err, ValidationError):
        found = validation_errors(err.errors(include_url=False))
        return Problem(400, slug, "; ".join(e["message"] for e in found), errors=found)
    errors: list[dict[str, Any]] | None = None
    if isinstance(err, UnknownTaxonomyError):
        errors = [
            {
                "field": err.kind,
                "value": err.value,
                "rule": "must be one of " + ", ".join(err.valid),
                "message": str(err),
            }
        ]
    return Problem(status, slug, str(err), errors=errors)


def validation_errors(raw: Any) -> list[dict[str, Any]]:
    """Pydantic / FastAPI validation errors as field, value, rule and the house message."""
    out = []
    for e in raw:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = ".".join(loc) or "body"
        value = e.get("input")
        rule = str(e.get("msg", "is invalid"))
        rule = rule.removeprefix("Value error, ")
        if e.get("type") == "missing":
            value, rule = None, "is required"
        out.append(
            {
                "field": field,
                "value": _jsonable(value),
                "rule": rule,
                "message": invalid(field, value, rule),
            }
        )
    return out


def _jsonable(v: Any) -> Any:
    try:
        orjson.dumps(v)
        return v
    except TypeError:
        return str(v)


def response(problem: Problem, instance: str, request_id: str) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:oprisk:problem:{problem.slug}",
        "title": TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.detail,
        "instance": instance,
        "request_id": request_id,
    }
    if problem.errors:
        body["errors"] = problem.errors
    return Response(
        orjson.dumps(body),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=problem.headers,
    )
