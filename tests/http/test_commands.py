"""Commands over HTTP on both databases: the principal as actor, idempotent retries, ETag and
If-Match, version conflicts, four eyes (case-folded), problem details."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import text
from tests.http.conftest import INCIDENT, Service

from oprisk.store.eventstore import NewEvent

REPORT = {"external_id": "INC-1", "source": "GRC", **INCIDENT}
LINE = {"amount": "182000.00", "currency": "EUR", "accounted_on": "2025-03-31"}


def test_report_records_the_principal_as_actor_and_the_request_id(service: Service) -> None:
    r = service.call("rep", "POST", "/v1/loss-events", json=REPORT)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/v1/loss-events/GRC:INC-1"
    assert r.headers["etag"] == '"1"'
    assert r.json()["version"] == 1
    (fact,) = service.db.events()[-1:]
    assert fact.stream_id == "GRC:INC-1"
    assert fact.meta["actor"] == "rep"
    assert fact.meta["request_id"] == r.headers["x-request-id"] == r.json()["request_id"]
    assert service.db.state("GRC:INC-1").reported_by == "rep"


def test_source_defaults_to_the_principal_and_actor_cannot_be_sent(service: Service) -> None:
    body = {k: v for k, v in REPORT.items() if k != "source"}
    r = service.call("rep", "POST", "/v1/loss-events", json=body)
    assert r.status_code == 201 and r.json()["event_id"] == "rep:INC-1"
    before = service.facts()
    r = service.call("rep", "POST", "/v1/loss-events", json={**REPORT, "actor": "someone.else"})
    assert r.status_code == 400
    problem = r.json()
    assert problem["errors"][0]["field"] == "actor"
    assert problem["detail"].startswith("invalid value 'someone.else' for 'actor'")
    assert service.facts() == before


def test_a_retried_report_returns_the_first_response_and_appends_nothing(service: Service) -> None:
    first = service.call("rep", "POST", "/v1/loss-events", json=REPORT,
                         headers={"Idempotency-Key": "abc-1"})  # fmt: skip
    after = service.facts()
    again = service.call("rep", "POST", "/v1/loss-events", json=REPORT,
                         headers={"Idempotency-Key": '"abc-1"'})  # fmt: skip
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    assert (
        again.headers["etag"] == first.headers["etag"]
        and "idempotent-replayed" not in first.headers
    )
    assert service.facts() == after
    # without the key the same report is a conflict with the existing event, not a duplicate
    r = service.call("rep", "POST", "/v1/loss-events", json=REPORT)
    assert r.status_code == 409 and "already exists" in r.json()["detail"]
    # the key on a different request is refused
    other = {**REPORT, "external_id": "INC-2"}
    r = service.call(
        "rep", "POST", "/v1/loss-events", json=other, headers={"Idempotency-Key": "abc-1"}
    )
    assert r.status_code == 422 and r.json()["type"] == "urn:oprisk:problem:idempotency-key-reused"
    assert service.facts() == after


def test_retried_impacts_append_one_line_each(service: Service) -> None:
    service.call("rep", "POST", "/v1/loss-events", json=REPORT)
    path = "/v1/loss-events/GRC:INC-1/impacts"
    for key in ("line-1", "line-2"):
        for _ in range(3):
            r = service.call("rep", "POST", path, json=LINE, headers={"Idempotency-Key": key})
            assert r.status_code == 200, r.text
    assert service.db.state("GRC:INC-1").gross_loss == 2 * 182000
    assert len(service.db.ledger()) == 2
    # keys belong to their principal: another reporter's "line-1" is a new request
    service.add("rep2", "reporter")
    r = service.call("rep2", "POST", path, json=LINE, headers={"Idempotency-Key": "line-1"})
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers
    assert len(service.db.ledger()) == 3


def test_copies_racing_each_other_append_once(service: Service) -> None:
    service.call("rep", "POST", "/v1/loss-events", json=REPORT)
    start, answers = threading.Barrier(6), []

    def send() -> None:
        start.wait()
        answers.append(service.call("rep", "POST", "/v1/loss-events/GRC:INC-1/impacts",
                                    json=LINE, headers={"Idempotency-Key": "race"}))  # fmt: skip

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["facts"][0]["position"] for a in answers}) == 1
    assert len(service.db.ledger()) == 1
    assert service.db.verify().ok


def test_facts_under_a_key_without_a_stored_answer_are_answered_from_the_log(
    service: Service,
) -> None:
    """Facts appended under a request's store key with no answer stored (a copy that lost the
    race sees exactly this): the request finds the facts by the key and answers as the first
    request would have, appending nothing."""
    service.call("rep", "POST", "/v1/loss-events", json=REPORT)
    from oprisk.domain import commands as c

    cmd = c.RecordImpact(event_id="GRC:INC-1", actor="rep", amount="182000.00", currency="EUR",
                         accounted_on=date(2025, 3, 31))  # fmt: skip
    (fact,) = service.db.execute(cmd, idempotency_key="http:rep:lost-1", meta={"request_id": "r0"})
    before = service.facts()
    r = service.call("rep", "POST", "/v1/loss-events/GRC:INC-1/impacts", json=LINE,
                     headers={"Idempotency-Key": "lost-1"})  # fmt: skip
    assert r.status_code == 200
    assert r.json()["facts"][0]["position"] == fact.position and r.json()["request_id"] == "r0"
    assert r.headers["etag"] == '"2"'
    assert service.facts() == before


def test_if_match_guards_the_version(service: Service) -> None:
    service.call("rep", "POST", "/v1/loss-events", json=REPORT)
    path = "/v1/loss-events/GRC:INC-1"
    r = service.call(
        "rep", "PATCH", path, json={"title": "Skimming, 3 ATMs"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.headers["etag"] == '"2"'
    before = service.facts()
    r = service.call("rep", "PATCH", path, json={"title": "stale"}, headers={"If-Match": '"1"'})
    assert r.status_code == 412
    assert (
        r.json()["detail"] == "If-Match \"1\": loss event 'GRC:INC-1' is at version 2, expected 1"
    )
    r = service.call("rep", "PATCH", path, json={"title": "x"}, headers={"If-Match": "version 2"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "If-Match"
    assert service.facts() == before
    got = service.call("ana", "GET", path)
    assert got.headers["etag"] == '"2"' and got.json()["title"] == "Skimming, 3 ATMs"
    assert service.call("ana", "GET", path, headers={"If-None-Match": '"2"'}).status_code == 304


def test_patch_amends_and_reclassifies_in_one_request(service: Service) -> None:
    service.call("rep", "POST", "/v1/loss-events", json=REPORT)
    r = service.call("rep", "PATCH", "/v1/loss-events/GRC:INC-1",
                     json={"org_unit": "Cards", "business_line": "BL33", "reason": "card services"})  # fmt: skip
    assert r.status_code == 200
    assert [f["fact"] for f in r.json()["facts"]] == [
        "loss_event.amended",
        "loss_event.reclassified",
    ]
    s = service.db.state("GRC:INC-1")
    assert (s.org_unit, s.business_line) == ("Cards", "BL33")
    r = service.call("rep", "PATCH", "/v1/loss-events/GRC:INC-1", json={})
    assert r.status_code == 400


@pytest.mark.postgres
def test_a_concurrent_writer_holding_the_head_decides_the_request(pg_service: Service) -> None:
    """The request waits for the log head that this test holds before it reads the event;
    meanwhile the test closes the event, so the request is decided on the closed event."""
    s = pg_service
    event_id = s.new_event()
    answer = []

    def request() -> None:
        answer.append(s.call("rep", "POST", f"/v1/loss-events/{event_id}/impacts", json=LINE))

    with s.db.engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT position FROM log_head WHERE id = 1 FOR UPDATE"))
        worker = threading.Thread(target=request)
        worker.start()
        blocked = "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
        while not conn.execute(text(blocked)).scalar():  # until the request waits on our lock
            pass
        fact = NewEvent("loss_event.closed", {"reason": "closed meanwhile"}, 1, {"actor": "x"})
        s.db.store.append(conn, event_id, "loss_event", [fact])
    worker.join()
    r = answer[0]
    assert r.status_code == 422, r.text
    assert "is closed" in r.json()["detail"]
    assert len(s.db.ledger()) == 1  # the set-up line only


def test_four_eyes_compares_case_folded_names(service: Service) -> None:
    event_id = service.new_event("ＡＬＩＣＥ", state="submitted")  # full-width capitals (NFKC)
    service.add("alice", "approver")
    before = service.facts()
    r = service.call("alice", "POST", f"/v1/loss-events/{event_id}/approve")
    assert r.status_code == 422
    assert r.json()["detail"] == (
        f"invalid value 'alice' for 'actor': the reporter or submitter of {event_id!r} cannot be "
        "its approver (four eyes)"
    )
    assert service.facts() == before
    r = service.call("appr", "POST", f"/v1/loss-events/{event_id}/approve")
    assert r.status_code == 200
    assert service.db.state(event_id).approved_by == "appr"


def test_a_principal_with_both_roles_cannot_approve_its_own_report(service: Service) -> None:
    service.add("both", "reporter", "approver")
    service.call("both", "POST", "/v1/loss-events", json=REPORT)
    service.call("both", "POST", "/v1/loss-events/GRC:INC-1/submit")
    r = service.call("both", "POST", "/v1/loss-events/GRC:INC-1/reject", json={"reason": "mine"})
    assert r.status_code == 422 and "four eyes" in r.json()["detail"]


def test_domain_rules_are_422_with_the_cli_message(service: Service) -> None:
    event_id = service.new_event()
    r = service.call("appr", "POST", f"/v1/loss-events/{event_id}/approve")
    assert r.status_code == 422
    assert r.json() | {"request_id": None} == {
        "type": "urn:oprisk:problem:domain-rule",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": f"loss event {event_id!r} is open: only submitted events can be approved",
        "instance": f"/v1/loss-events/{event_id}/approve",
        "request_id": None,
    }
    r = service.call("rep", "POST", f"/v1/loss-events/{event_id}/recoveries",
                     json={**LINE, "amount": "5000"})  # fmt: skip
    assert r.status_code == 422 and "above the gross loss 1000" in r.json()["detail"]


def test_validation_errors_are_400_with_field_value_rule(service: Service) -> None:
    r = service.call("rep", "POST", "/v1/loss-events", json={**REPORT, "event_type": "ET99"})
    assert r.status_code == 400
    (err,) = r.json()["errors"]
    assert (err["field"], err["value"]) == ("event_type", "ET99")
    assert r.json()["detail"].startswith("invalid value 'ET99' for 'event_type': must be one of")
    r = service.call(
        "rep", "POST", "/v1/loss-events", json={**REPORT, "discovered_on": "2025-02-30"}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "discovered_on"
    r = service.call("rep", "POST", "/v1/loss-events", content=b"{not json",
                     headers={"Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 400
    r = service.call("rep", "POST", "/v1/loss-events/NOPE:1/impacts", json=LINE)
    assert (
        r.status_code == 404 and r.json()["detail"] == "loss event 'NOPE:1' has not been reported"
    )
    r = service.call("rep", "GET", "/v1/no-such-thing")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
