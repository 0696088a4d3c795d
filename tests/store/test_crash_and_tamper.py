"""A writer killed mid-transaction leaves nothing behind; tampering is found by verify."""

import json
import multiprocessing as mp
import os
import signal
from datetime import date

from click.testing import CliRunner
from sqlalchemy import text

from oprisk.cli import main
from oprisk.domain import commands as c


def _hang_mid_transaction(url: str, ready: mp.Queue) -> None:
    from oprisk.api import connect
    from oprisk.projections.projector import states_from
    from oprisk.store.eventstore import Append, NewEvent

    db = connect(url)
    with db.writing() as conn:
        new = [
            NewEvent(
                "loss_event.impact_recorded",
                {
                    "line_id": f"K{i}",
                    "kind": "loss",
                    "amount": "5",
                    "currency": "EUR",
                    "accounted_on": "2024-05-01",
                    "note": "",
                },
            )
            for i in range(50)
        ]
        before = states_from(db.store.read_streams(conn, ["E1"]))
        recorded = db.store.append_batch(conn, [Append("E1", "loss_event", new, 2)])
        db.projector.apply(conn, recorded, before)
        ready.put(len(recorded))
        signal.pause()  # killed here, before the commit


def seed(db):
    db.execute(
        [
            c.ReportLossEvent(
                event_id="E1",
                actor="a",
                title="t",
                event_type="ET7",
                business_line="BL3",
                discovered_on=date(2024, 4, 1),
                currency="EUR",
            ),
            c.RecordImpact(
                event_id="E1",
                actor="a",
                amount="100",
                currency="EUR",
                accounted_on=date(2024, 4, 2),
            ),
        ]
    )


def test_writer_killed_mid_transaction_leaves_no_partial_facts(db_url, db):
    seed(db)
    ctx = mp.get_context("fork")
    ready = ctx.Queue()
    p = ctx.Process(target=_hang_mid_transaction, args=(db_url, ready))
    p.start()
    assert ready.get(timeout=60) == 50
    os.kill(p.pid, signal.SIGKILL)
    p.join(timeout=30)
    assert p.exitcode == -signal.SIGKILL
    assert db.position() == 2
    assert db.losses().loc[0, "gross_loss"] == 100.0
    report = db.verify()
    assert report.ok, str(report)
    # and the log goes on from where it was
    db.record_impact("E1", actor="a", amount="1", currency="EUR", accounted_on=date(2024, 4, 3))
    assert db.position() == 3 and db.verify().ok


def _disable_append_only(conn, dialect):
    if dialect == "postgresql":
        conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_no_update"))
    else:
        conn.execute(text("DROP TRIGGER events_no_update"))


def test_payload_changed_behind_the_stores_back_is_reported(db_url, db):
    seed(db)
    db.record_impact("E1", actor="a", amount="7", currency="EUR", accounted_on=date(2024, 4, 3))
    with db.engine.begin() as conn:
        _disable_append_only(conn, db.dialect)
        payload = json.dumps(
            {
                "line_id": "L2",
                "kind": "loss",
                "amount": "1",
                "currency": "EUR",
                "accounted_on": "2024-04-02",
                "note": "",
            }
        )
        cast = "CAST(:p AS JSONB)" if db.dialect == "postgresql" else ":p"
        conn.execute(text(f"UPDATE events SET payload = {cast} WHERE position = 2"), {"p": payload})
    report = db.verify()
    assert not report.ok
    hash_problems = [p for p in report.problems if p.kind == "hash"]
    assert [(p.stream_id, p.version, p.position) for p in hash_problems] == [("E1", 2, 2)]
    # the read model still says 100: it no longer matches what the (tampered) log gives
    assert any(p.kind == "read_model" for p in report.problems)
    result = CliRunner().invoke(main, ["--db", db_url, "verify"])
    assert result.exit_code == 1
    assert "stream E1, version 2, position 2" in result.output


def test_read_model_drift_is_reported(db):
    seed(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_lines SET amount = '99' WHERE position = 2"))
    report = db.verify()
    assert [p.kind for p in report.problems] == ["read_model"]
    assert "ledger_lines" in report.problems[0].detail and "amount" in report.problems[0].detail
    db.rebuild()
    assert db.verify().ok
