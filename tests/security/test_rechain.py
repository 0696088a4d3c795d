"""Migration 0004 on a log written before the global chain: re-chained once, as a fact, without
rewriting history; a log whose old hashes do not match is refused, not blessed."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from security_support import disable_guards, set_payload
from sqlalchemy import select, text

from oprisk.api import connect
from oprisk.domain import commands as c
from oprisk.domain.loss_event import decide, evolve, initial
from oprisk.errors import IntegrityError
from oprisk.projections.projector import build_rows, write_rows
from oprisk.store import migrate
from oprisk.store.bulk import insert_rows
from oprisk.store.engine import make_engine
from oprisk.store.eventstore import RecordedEvent
from oprisk.store.schema import events
from oprisk.store.signing import load_private_key, load_public_key, new_key_pair

BOTH = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
T0 = datetime(2025, 1, 1, 9, tzinfo=UTC)


def old_hash(prev: str, r: RecordedEvent) -> str:
    """The hash the store wrote before the global chain: sha256(stream_prev ‖ canonical JSON)."""
    body = {k: getattr(r, k) for k in ("event_type", "meta", "payload", "position")}
    body |= {k: getattr(r, k) for k in ("schema_version", "stream_id", "stream_type", "version")}
    body["recorded_at"] = r.recorded_at.isoformat()
    text_ = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + text_).encode()).hexdigest()


def old_commands():
    report = dict(
        actor="ann", title="t", event_type="ET7", business_line="BL3",
        discovered_on=date(2024, 5, 1), currency="EUR",
    )  # fmt: skip
    return [
        c.ReportLossEvent(event_id="E1", **report),
        c.ReportLossEvent(event_id="E2", **report),
        c.RecordImpact(event_id="E1", actor="ann", amount="1000", currency="EUR",
                       accounted_on=date(2024, 5, 2)),
        c.SubmitLossEvent(event_id="E1", actor="ann"),
        c.ApproveLossEvent(event_id="E1", actor="bob"),
        c.RecordImpact(event_id="E2", actor="ann", amount="50", currency="EUR",
                       accounted_on=date(2024, 5, 3)),
        c.AmendLossEvent(event_id="E1", actor="ann", changes={"title": "t2"}),
    ]  # fmt: skip


def write_old_log(url: str, *, break_at: int | None = None) -> list[RecordedEvent]:
    """A database at revision 0002 holding facts and read models as the old store wrote them."""
    engine = make_engine(url)
    migrate.upgrade(engine, "0002")
    states, tips, recorded = {}, {}, []
    for pos, cmd in enumerate(old_commands(), start=1):
        s = states.get(cmd.event_id) or initial(cmd.event_id)
        (f,) = decide(cmd, s)
        states[cmd.event_id] = evolve(s, f)
        payload = f.payload()
        if f.event_type == "loss_event.approved":
            payload.pop("approved_version")  # the old shape
        r = RecordedEvent(
            pos, cmd.event_id, "loss_event", states[cmd.event_id].version, f.event_type, 1,
            payload, {"actor": cmd.actor}, T0 + timedelta(seconds=pos),
            tips.get(cmd.event_id, "0" * 64), "",
        )  # fmt: skip
        digest = old_hash(r.prev_hash, r) if pos != break_at else "f" * 64
        r = RecordedEvent(*list(r.__dict__.values())[:-1], digest)
        tips[cmd.event_id] = digest
        recorded.append(r)
    rows = build_rows(recorded, {})
    for row in rows.versions:  # the old version rows had neither column
        del row["approved_version"], row["pending"]
    with engine.begin() as conn:
        insert_rows(conn, events, [dict(r.__dict__, idempotency_key=None) for r in recorded])
        write_rows(conn, rows)
        conn.execute(
            text("UPDATE log_head SET position = :p, recorded_at = :t"),
            {"p": len(recorded), "t": recorded[-1].recorded_at},
        )
    engine.dispose()
    return recorded


@pytest.mark.parametrize("empty_db_url", BOTH, indirect=True)
def test_an_old_log_is_rechained_once_as_a_fact(empty_db_url, tmp_path):
    old = write_old_log(empty_db_url)
    migrate.upgrade(make_engine(empty_db_url))
    db = connect(empty_db_url)
    log = db.events()
    assert [r.hash for r in log[: len(old)]] == [r.hash for r in old]  # history not rewritten
    rechained = log[-1]
    assert (rechained.position, rechained.event_type) == (len(old) + 1, "log.rechained")
    g = "0" * 64  # G_k = sha256(G_(k-1) ‖ hash_k), computed here from the old hashes
    for r in old:
        g = hashlib.sha256((g + r.hash).encode()).hexdigest()
    assert rechained.payload["legacy_facts"] == len(old) and rechained.payload["legacy_head"] == g
    report = db.verify()
    assert report.ok, str(report)  # read models too: approved_version was filled in
    assert db.state("E1").approved_version == 3
    with db.reading() as conn:
        assert conn.execute(text("SELECT approved_version FROM loss_event_versions "
                                 "WHERE event_id = 'E1' AND version = 5")).scalar() == 3  # fmt: skip
    # the chain goes on; an upgrade again changes nothing
    db.record_impact("E2", actor="ann", amount="5", currency="EUR", accounted_on=date(2024, 6, 1))
    migrate.upgrade(db.engine)
    assert [r.event_type for r in db.events()].count("log.rechained") == 1
    # a checkpoint covers the old facts: an old fact changed (old hash recomputed) is caught
    key, pub = new_key_pair(tmp_path / "k")
    cp = db.checkpoint(load_private_key(key), "auditor")
    with db.engine.begin() as conn:
        disable_guards(conn)
        set_payload(conn, 3, amount="1")
        r = next(x for x in db.events() if x.position == 3)
        conn.execute(
            events.update().where(events.c.position == 3).values(hash=old_hash(r.prev_hash, r))
        )
        nxt = conn.execute(select(events.c.position).where(events.c.prev_hash == old[2].hash)).all()
        assert nxt  # E1's next fact links to the old hash: the stream chain breaks too
    report = db.verify([cp], load_public_key(pub))
    assert not report.ok and report.first_position == 3
    db.close()


@pytest.mark.parametrize("empty_db_url", BOTH, indirect=True)
def test_an_old_log_that_does_not_verify_is_not_rechained(empty_db_url):
    write_old_log(empty_db_url, break_at=4)
    engine = make_engine(empty_db_url)
    with pytest.raises(IntegrityError, match="position 4"):
        migrate.upgrade(engine)
    assert migrate.current_revision(engine) == "0002"
    engine.dispose()
