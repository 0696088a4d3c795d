"""The writer's kept states (``StateCache``) on both databases: they decide a command only while
no one else has appended; another process's append between two batches is seen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from tests.http.conftest import INCIDENT, Service, _date

from oprisk.api import Database, StateCache, connect
from oprisk.domain import commands as c
from oprisk.errors import ConcurrencyError, DomainError
from oprisk.http.writer import Job, Writer

FIELDS = {k: _date(v) for k, v in INCIDENT.items()}
LINE = {"amount": "5", "currency": "EUR", "accounted_on": date(2025, 3, 31)}


def job(cmd: c.Command, key: str, expected: dict[str, int] | None = None) -> Job:
    return Job([cmd], key, {"request_id": key, "via": "http"}, expected, None, lambda: None)


def impact(event_id: str) -> c.RecordImpact:
    return c.RecordImpact(event_id=event_id, actor="rep", **LINE)


@pytest.fixture
def other(db_url: str, service: Service) -> Iterator[Database]:
    """A second ``Database`` on the same file or PostgreSQL database: another process."""
    db = connect(db_url)
    yield db
    db.close()


def reported(writer: Writer, event_id: str) -> None:
    """``event_id`` reported and given one impact through the writer, so its state is kept."""
    writer.commit([job(c.ReportLossEvent(event_id=event_id, actor="rep", **FIELDS), "r")])
    batch = [job(impact(event_id), "i")]
    writer.commit(batch)
    assert [f.version for f in batch[0].done.result()] == [2]


def test_the_writer_keeps_what_it_committed(service: Service) -> None:
    writer = Writer(service.db)
    reported(writer, "K:kept")
    with service.db.writing() as conn:
        assert writer.cache.begin(conn, service.db.store) is False  # nothing else appended
        assert writer.cache.states()["K:kept"].version == 2
    writer.cache.committed()


def test_a_withdrawal_by_another_process_refuses_the_next_impact(
    service: Service, other: Database
) -> None:
    writer = Writer(service.db)
    reported(writer, "K:w")
    other.withdraw("K:w", actor="elsewhere", reason="a duplicate")
    batch = [job(impact("K:w"), "after")]
    writer.commit(batch)
    with pytest.raises(DomainError, match="withdrawn"):
        batch[0].done.result()
    assert service.db.state("K:w").version == 3
    assert service.db.verify().ok


def test_an_impact_by_another_process_moves_the_version_the_writer_checks(
    service: Service, other: Database
) -> None:
    writer = Writer(service.db)
    reported(writer, "K:v")
    other.record_impact("K:v", actor="elsewhere", **LINE)  # version 3
    stale = [job(impact("K:v"), "if-match-2", {"K:v": 2})]  # If-Match "2": the kept version
    writer.commit(stale)
    with pytest.raises(ConcurrencyError, match="at version 3, expected 2"):
        stale[0].done.result()
    fresh = [job(impact("K:v"), "if-match-3", {"K:v": 3}), job(impact("K:v"), "plain")]
    writer.commit(fresh)
    assert [f.version for f in fresh[0].done.result()] == [4]
    assert [f.version for f in fresh[1].done.result()] == [5]
    assert service.db.state("K:v").version == 5
    ledger = service.db.ledger()
    assert len(ledger[ledger["event_id"] == "K:v"]) == 4  # the read model has every line
    assert service.db.verify().ok


def test_a_batch_that_rolls_back_keeps_nothing_it_decided(service: Service) -> None:
    def fail(conn: Any, facts: list[Any]) -> None:
        raise RuntimeError("the answer could not be kept")

    writer = Writer(service.db)
    reported(writer, "K:r")
    failing = Job([impact("K:r")], "x", {}, None, fail, lambda: None)
    writer.commit([failing, job(c.ReportLossEvent(event_id="K:s", actor="rep", **FIELDS), "s")])
    with pytest.raises(RuntimeError):
        failing.done.result()
    batch = [job(impact("K:r"), "y")]
    writer.commit(batch)
    assert [f.version for f in batch[0].done.result()] == [3]  # not 4: the failed one is gone
    assert service.db.verify().ok


def test_the_cache_drops_everything_when_the_head_moved(service: Service) -> None:
    cache = StateCache(capacity=2)
    db, store = service.db, service.db.store
    for sid in ["K:1", "K:2", "K:3"]:
        db.report(sid, actor="rep", **FIELDS)  # moves the head: what was kept is dropped
        with db.writing() as conn:
            assert cache.begin(conn, store) is True
            assert cache.states() == {}
            cache.stage({sid: db.state(sid)}, [])
        cache.committed()
    with db.writing() as conn:
        assert cache.begin(conn, store) is False
        assert list(cache.states()) == ["K:3"]
        cache.stage({"K:1": db.state("K:1"), "K:2": db.state("K:2")}, [])
    cache.committed()
    with db.writing() as conn:
        assert cache.begin(conn, store) is False
        assert list(cache.states()) == ["K:1", "K:2"]  # capacity 2: the oldest written went
    cache.committed()
    with pytest.raises(RuntimeError):
        cache.states()  # only inside a transaction that checked the head
