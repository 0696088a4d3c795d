"""Answers kept in memory (``Runner.answers``): a retry is answered from them without a trip to
the writer or a read of the answer, and still refused if its token was revoked meanwhile."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from tests.http.conftest import INCIDENT, Service

from oprisk.api import connect

REPORT = {"external_id": "INC-1", "source": "GRC", **INCIDENT}
LINE = {"amount": "182000.00", "currency": "EUR", "accounted_on": "2025-03-31"}
PATH = "/v1/loss-events/GRC:INC-1/impacts"


class Statements:
    """The SQL statements the service's engine runs while the block is open."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.seen = engine, []

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.seen.append(statement)

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self.seen

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def impact(service: Service, key: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"Idempotency-Key": key}
    return service.call("rep", "POST", PATH, json=body or LINE, headers=headers)


def test_a_retry_is_answered_from_memory_byte_for_byte(service: Service) -> None:
    service.call("rep", "POST", "/v1/loss-events", json=REPORT)
    first = impact(service, "line-1")
    assert first.status_code == 200
    after = service.facts()
    with Statements(service.db.engine) as seen:
        again = impact(service, "line-1")
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    # no writer's transaction (which locks the log head), no read of the answer: the caller's
    # confirmation (the principal facts since the last look) is the one statement
    reads = [s for s in seen if s.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]
    assert len(reads) == 1 and "events.stream_type" in reads[0], seen
    assert service.facts() == after
    other = impact(service, "line-1", {**LINE, "amount": "1.00"})  # the key, another request
    assert other.status_code == 422
    assert other.json()["type"] == "urn:oprisk:problem:idempotency-key-reused"
    assert service.facts() == after


def test_a_retry_of_a_revoked_token_is_refused(db_url: str, service: Service) -> None:
    service.call("rep", "POST", "/v1/loss-events", json=REPORT)
    assert impact(service, "line-1").status_code == 200
    elsewhere = connect(db_url)  # another process on the same database
    try:
        elsewhere.principals.revoke("rep", actor="elsewhere")
    finally:
        elsewhere.close()
    r = impact(service, "line-1")
    assert r.status_code == 401


def test_an_answer_read_from_the_database_is_remembered(service: Service) -> None:
    service.call("rep", "POST", "/v1/loss-events", json=REPORT)
    first = impact(service, "line-1")
    answers = service.client.app.state.runner.answers
    assert answers.get("rep", "line-1") is not None
    answers._answers.clear()  # as after a restart: the answer is in the table only
    again = impact(service, "line-1")
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert answers.get("rep", "line-1") is not None
