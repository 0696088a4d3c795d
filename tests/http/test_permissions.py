"""Every role × every endpoint: the allowed roles succeed (2xx), every other role gets a 403
problem detail and appends nothing, and no token at all gets a 401.

The expected table is written out here from the issue (#18), independently of the server's own
table: reporter reports, amends, records lines and submits; approver approves, rejects, excludes
and withdraws; analyst reads, computes capital and exports; auditor reads, sees history and
verifies; loader uploads; admin manages principals. Approvers and reporters may also read the
events they act on.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.conftest import BACKENDS, _need_pg
from tests.http.conftest import ROLES, Service, make_service

EXPECTED: dict[str, set[str]] = {
    "report": {"reporter"},
    "amend": {"reporter"},
    "impacts": {"reporter"},
    "recoveries": {"reporter"},
    "provisions": {"reporter"},
    "submit": {"reporter"},
    "approve": {"approver"},
    "reject": {"approver"},
    "withdraw": {"approver"},
    "exclusions": {"approver"},
    "list": {"analyst", "auditor", "approver"},
    "read": {"analyst", "auditor", "approver", "reporter"},
    "history": {"auditor"},
    "capital": {"analyst"},
    "exports": {"analyst"},
    "verify": {"auditor"},
    "load": {"loader"},
    "principals": {"admin"},
}

LINE = {"amount": "250.00", "currency": "EUR", "accounted_on": "2025-04-30"}
CSV = (
    "external_id,title,event_type,business_line,legal_entity,occurred_on,discovered_on,accounted_on,"
    "currency,gross_loss\nUP-{n},Upload,ET2.1,BL3,Bank,2025-01-10,2025-01-15,2025-01-31,EUR,5000\n"
)

Request = Callable[[Service, int], tuple[str, str, dict[str, Any]]]


def _ev(s: Service, n: int, state: str = "open") -> str:
    return s.new_event(state=state)


REQUESTS: dict[str, Request] = {
    "report": lambda s, n: ("POST", "/v1/loss-events", {"json": {
        "external_id": f"P-{n}", "source": "MATRIX", "title": "t", "event_type": "ET2.1",
        "business_line": "BL3", "discovered_on": "2025-03-04", "currency": "EUR"}}),
    "amend": lambda s, n: ("PATCH", f"/v1/loss-events/{_ev(s, n)}", {"json": {"title": f"new {n}"}}),
    "impacts": lambda s, n: ("POST", f"/v1/loss-events/{_ev(s, n)}/impacts", {"json": LINE}),
    "recoveries": lambda s, n: ("POST", f"/v1/loss-events/{_ev(s, n)}/recoveries", {"json": LINE}),
    "provisions": lambda s, n: ("POST", f"/v1/loss-events/{_ev(s, n)}/provisions", {"json": LINE}),
    "submit": lambda s, n: ("POST", f"/v1/loss-events/{_ev(s, n)}/submit", {}),
    "approve": lambda s, n: ("POST", f"/v1/loss-events/{_ev(s, n, 'submitted')}/approve", {}),
    "reject": lambda s, n: ("POST", f"/v1/loss-events/{_ev(s, n, 'submitted')}/reject",
                            {"json": {"reason": "figures missing"}}),
    "withdraw": lambda s, n: ("POST", f"/v1/loss-events/{_ev(s, n)}/withdraw",
                              {"json": {"reason": "duplicate"}}),
    "exclusions": lambda s, n: ("POST", f"/v1/loss-events/{_ev(s, n)}/exclusions", {"json": {
        "approval_reference": "ECB-2025-1", "approved_on": "2025-06-01", "reason": "divested"}}),
    "list": lambda s, n: ("GET", "/v1/loss-events", {}),
    "read": lambda s, n: ("GET", f"/v1/loss-events/{s.first}", {}),
    "history": lambda s, n: ("GET", f"/v1/loss-events/{s.first}/history", {}),
    "capital": lambda s, n: ("GET", "/v1/capital/bia?year=2025", {}),
    "exports": lambda s, n: ("GET", "/v1/exports/c17.01?period=2025&format=csv", {}),
    "verify": lambda s, n: ("GET", "/v1/verify", {}),
    "load": lambda s, n: ("POST", "/v1/loads", {"data": {"kind": "incidents"}, "files": {
        "file": (f"matrix-{n}.csv", io.BytesIO(CSV.format(n=n).encode()), "text/csv")}}),
    "principals": lambda s, n: ("GET", "/v1/principals", {}),
}  # fmt: skip


@pytest.fixture(scope="module", params=BACKENDS)
def matrix(request, tmp_path_factory, pg_server) -> Iterator[Service]:  # type: ignore[no-untyped-def]
    """One service per backend for the whole matrix: a principal per role, financials for BIA."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'm.db'}", None
    else:
        server = _need_pg(pg_server)
        url = server.create()
        drop = server
    for s in make_service(url):
        for role in ROLES:
            s.add(f"only-{role}", role)
        s.db.record_financials(
            [{"legal_entity": "Bank", "year": y, "item": "gross_income", "amount": a}
             for y, a in ((2023, "900"), (2024, "1000"), (2025, "1100"))],
            actor="setup",
        )  # fmt: skip
        s.first = s.new_event()  # type: ignore[attr-defined]
        s.counter = 0  # type: ignore[attr-defined]
        yield s
    if drop:
        drop.drop(url)


def test_the_table_covers_every_action_of_the_server():
    from oprisk.http import ACTIONS

    assert set(EXPECTED) == set(ACTIONS) == set(REQUESTS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_role_may_or_may_not(matrix: Service, action: str, role: str) -> None:
    matrix.counter += 1  # type: ignore[attr-defined]
    method, path, kw = REQUESTS[action](matrix, matrix.counter)  # type: ignore[attr-defined]
    before = matrix.facts()
    r = matrix.call(f"only-{role}", method, path, **kw)
    if role in EXPECTED[action]:
        assert 200 <= r.status_code < 300, (action, role, r.status_code, r.text)
    else:
        assert r.status_code == 403, (action, role, r.status_code, r.text)
        problem = r.json()
        assert r.headers["content-type"] == "application/problem+json"
        assert problem["status"] == 403 and problem["type"] == "urn:oprisk:problem:forbidden"
        assert f"may not {action}" in problem["detail"]
        assert matrix.facts() == before, "a denied request appended facts"


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_no_token_is_401_everywhere(matrix: Service, action: str) -> None:
    matrix.counter += 1  # type: ignore[attr-defined]
    method, path, kw = REQUESTS[action](matrix, matrix.counter)  # type: ignore[attr-defined]
    before = matrix.facts()
    for headers in ({}, {"Authorization": "Bearer oprisk_0123456789abcdef_" + "x" * 43},
                    {"Authorization": "Basic dXNlcjpwYXNz"}):  # fmt: skip
        r = matrix.client.request(method, path, headers=headers, **kw)
        assert r.status_code == 401, (action, headers, r.text)
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.json()["type"] == "urn:oprisk:problem:unauthenticated"
    assert matrix.facts() == before


def test_a_revoked_token_is_refused_on_every_endpoint_at_once(service: Service) -> None:
    """Tokens seen before are recognised from memory; each endpoint confirms against the log
    before acting, so a revocation made elsewhere a moment ago refuses the very next request."""
    service.add("everything", *ROLES)
    service.first = service.new_event()  # type: ignore[attr-defined]
    assert service.call("everything", "GET", "/v1/verify").status_code == 200  # now remembered
    service.db.principals.revoke("everything", actor="another process")
    for n, (action, request) in enumerate(sorted(REQUESTS.items())):
        method, path, kw = request(service, 10_000 + n)
        r = service.call("everything", method, path, **kw)
        assert r.status_code == 401, (action, r.status_code, r.text)
    assert not [f for f in service.db.events() if f.meta.get("actor") == "everything"]
