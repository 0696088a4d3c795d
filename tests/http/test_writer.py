"""Group commit on both databases: several requests in one transaction, one savepoint each, so a
refused command or a revoked token fails its own request only."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from tests.http.conftest import INCIDENT, Service, _date

from oprisk.api import Requested
from oprisk.domain import commands as c
from oprisk.errors import ConcurrencyError, DomainError
from oprisk.http.problems import Problem
from oprisk.http.writer import Job, Writer

FIELDS = {k: _date(v) for k, v in INCIDENT.items()}


def job(cmd: c.Command, key: str, check: Any = lambda: None, then: Any = None) -> Job:
    return Job([cmd], key, {"request_id": key, "via": "http"}, None, then, check)


def refused() -> None:
    raise Problem(401, "unauthenticated", "authentication required: revoked")


def test_one_refused_request_leaves_the_others_of_its_batch_committed(service: Service) -> None:
    writer = Writer(service.db)
    kept: list[int] = []
    batch = [
        job(c.ReportLossEvent(event_id="W:1", actor="rep", **FIELDS), "k1"),
        job(  # no such event: refused by the domain
            c.RecordImpact(
                event_id="W:missing",
                actor="rep",
                amount="5",
                currency="EUR",
                accounted_on=date(2025, 3, 31),
            ),
            "k2",
        ),
        job(c.ReportLossEvent(event_id="W:3", actor="rep", **FIELDS), "k3", check=refused),
        job(
            c.ReportLossEvent(event_id="W:4", actor="rep", **FIELDS),
            "k4",
            then=lambda conn, facts: kept.append(len(facts)),
        ),
    ]
    before = service.facts()
    writer.commit(batch)
    assert [f.stream_id for f in batch[0].done.result()] == ["W:1"]
    with pytest.raises(DomainError):
        batch[1].done.result()
    with pytest.raises(Problem) as err:
        batch[2].done.result()
    assert err.value.status == 401
    assert [f.stream_id for f in batch[3].done.result()] == ["W:4"]
    assert kept == [1]  # the answer is kept in the request's own savepoint
    facts = service.db.events()[before:]
    assert [(f.stream_id, f.meta["request_id"]) for f in facts] == [("W:1", "k1"), ("W:4", "k4")]
    assert service.db.verify().ok


def test_a_failing_then_rolls_back_its_own_facts_only(service: Service) -> None:
    def fail(conn: Any, facts: list[Any]) -> None:
        raise RuntimeError("the answer could not be kept")

    writer = Writer(service.db)
    batch = [
        job(c.ReportLossEvent(event_id="W:a", actor="rep", **FIELDS), "ka", then=fail),
        job(c.ReportLossEvent(event_id="W:b", actor="rep", **FIELDS), "kb"),
    ]
    writer.commit(batch)
    with pytest.raises(RuntimeError):
        batch[0].done.result()
    assert batch[1].done.result()[0].stream_id == "W:b"
    assert {f.stream_id for f in service.db.events() if f.stream_id.startswith("W:")} == {"W:b"}


def test_the_writer_thread_answers_and_stops(service: Service) -> None:
    writer = Writer(service.db)
    cmd = c.ReportLossEvent(event_id="W:t", actor="rep", **FIELDS)
    facts = writer.submit(Job([cmd], None, {}, None, None, lambda: None)).result()
    assert [f.version for f in facts] == [1]
    writer.close()
    assert writer._thread is None


def test_a_revoked_reporter_appends_nothing_over_http(service: Service) -> None:
    body = {"external_id": "INC-9", "source": "GRC", **INCIDENT}
    assert service.call("rep", "GET", "/v1/loss-events/GRC:none").status_code == 404
    service.db.principals.revoke("rep", actor="elsewhere")  # another process, same database
    before = service.facts()
    r = service.call("rep", "POST", "/v1/loss-events", json=body, headers={"Idempotency-Key": "x1"})
    assert r.status_code == 401
    assert service.facts() == before


def test_a_batch_decides_each_request_on_what_its_predecessors_appended(service: Service) -> None:
    line = {"amount": "5", "currency": "EUR", "accounted_on": date(2025, 3, 31)}
    writer = Writer(service.db)
    writer.commit([job(c.ReportLossEvent(event_id="W:s", actor="rep", **FIELDS), "http:rep:r")])
    batch = [
        job(c.RecordImpact(event_id="W:s", actor="rep", **line), "http:rep:i1"),
        job(c.ReportLossEvent(event_id="W:s", actor="rep", **FIELDS), "http:rep:r"),  # a retry
        job(c.RecordImpact(event_id="W:s", actor="rep", **line), "http:rep:i2"),
        Job(  # If-Match "2": the first impact made it version 2, the second one 3
            [c.RecordImpact(event_id="W:s", actor="rep", **line)],
            "http:rep:i3",
            {"request_id": "i3"},
            {"W:s": 2},
            None,
            lambda: None,
        ),
        job(c.ReportLossEvent(event_id="W:n", actor="rep", **FIELDS), "http:rep:n"),
    ]
    writer.commit(batch)
    assert [f.version for f in batch[0].done.result()] == [2]
    assert batch[1].done.result() == []  # its key appended before: nothing decided, nothing added
    assert [f.version for f in batch[2].done.result()] == [3]
    with pytest.raises(ConcurrencyError):
        batch[3].done.result()
    assert [f.stream_id for f in batch[4].done.result()] == ["W:n"]
    s = service.db.state("W:s")
    assert s.version == 3
    ledger = service.db.ledger()
    assert list(ledger.loc[ledger["event_id"] == "W:s", "amount"]) == [5, 5]  # the read model
    facts = service.db.events()
    assert [f.meta["request_id"] for f in facts if f.stream_id == "W:s"] == [
        "http:rep:r", "http:rep:i1", "http:rep:i2",
    ]  # fmt: skip
    assert service.db.verify().ok


def test_a_copy_sent_again_before_the_first_was_answered_appends_once(service: Service) -> None:
    """Both copies in one batch: the first is decided and appended, the copy answered ``[]``
    (as a retry after the commit is), and the batch still commits in one transaction."""
    line = {"amount": "5", "currency": "EUR", "accounted_on": date(2025, 3, 31)}
    service.db.report("W:c", actor="rep", **FIELDS)
    impact = c.RecordImpact(event_id="W:c", actor="rep", **line)
    missing = c.RecordImpact(event_id="W:gone", actor="rep", **line)
    requests = [
        Requested([impact], "http:rep:i", {"request_id": "first"}),
        Requested([impact], "http:rep:i", {"request_id": "copy"}),
        Requested([missing], "http:rep:m", {"request_id": "m1"}),
        Requested([missing], "http:rep:m", {"request_id": "m2"}),  # the first appended nothing
    ]
    with service.db.writing() as conn:
        out = service.db.recorder.execute_many(conn, requests)
    assert out is not None
    first, copy, m1, m2 = out
    assert isinstance(first, list) and [f.version for f in first] == [2]
    assert copy == []
    assert isinstance(m1, DomainError) and isinstance(m2, DomainError)
    facts = [f for f in service.db.events() if f.stream_id == "W:c"]
    assert [f.meta.get("request_id") for f in facts[1:]] == ["first"]
    assert service.db.verify().ok
