"""Event-store contract, written once and run on SQLite and PostgreSQL."""

import hashlib
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from oprisk.errors import ConcurrencyError, SchemaError, StoreError, UpcastError
from oprisk.store.eventstore import ANY, NO_STREAM, Append, EventStore, NewEvent, chain_hash
from oprisk.store.upcasting import Upcasters


def ev(i=0, kind="test.happened"):
    return NewEvent(kind, {"n": i, "amount": "12.50", "text": "损失"}, 1, {"actor": "t"})


@pytest.fixture
def store(db):
    return db.store


def append(db, *args, **kw):
    with db.writing() as conn:
        return db.store.append(conn, *args, **kw)


def test_append_and_read_back(db):
    recs = append(db, "s-1", "test", [ev(1), ev(2)], NO_STREAM)
    assert [(r.position, r.version) for r in recs] == [(1, 1), (2, 2)]
    with db.reading() as conn:
        back = db.store.read_stream(conn, "s-1")
        assert db.store.head(conn) == 2
    assert [r.payload for r in back] == [
        {"n": 1, "amount": "12.50", "text": "损失"},
        {"n": 2, "amount": "12.50", "text": "损失"},
    ]
    assert back == recs


def test_positions_are_global_and_gap_free(db):
    append(db, "a", "test", [ev()])
    append(db, "b", "test", [ev(), ev()])
    append(db, "a", "test", [ev()])
    with db.reading() as conn:
        all_ = list(db.store.read_all(conn))
    assert [r.position for r in all_] == [1, 2, 3, 4]
    assert [(r.stream_id, r.version) for r in all_] == [("a", 1), ("b", 1), ("b", 2), ("a", 2)]


def test_expected_version_clash_raises_and_appends_nothing(db):
    append(db, "s", "test", [ev()], NO_STREAM)
    with pytest.raises(ConcurrencyError, match="version 1, expected 0"):
        append(db, "s", "test", [ev()], NO_STREAM)
    with pytest.raises(ConcurrencyError):
        append(db, "s", "test", [ev()], 5)
    append(db, "s", "test", [ev()], 1)
    append(db, "s", "test", [ev()], ANY)
    with db.reading() as conn:
        assert db.store.head(conn) == 3


def test_a_failed_batch_appends_nothing(db):
    append(db, "s", "test", [ev()], NO_STREAM)
    with pytest.raises(ConcurrencyError), db.writing() as conn:
        db.store.append_batch(
            conn, [Append("t", "test", [ev()], NO_STREAM), Append("s", "test", [ev()], NO_STREAM)]
        )
    with db.reading() as conn:
        assert db.store.head(conn) == 1
        assert db.store.read_stream(conn, "t") == []


def test_idempotency_key_makes_a_resend_a_no_op(db):
    first = append(db, "s", "test", [ev(1), ev(2)], ANY, idempotency_key="batch-7")
    again = append(db, "s", "test", [ev(1), ev(2)], ANY, idempotency_key="batch-7")
    assert len(first) == 2 and again == []
    with db.reading() as conn:
        assert db.store.head(conn) == 2


def test_an_append_on_the_head_its_caller_locked_chains_as_one_that_locks_it(db):
    append(db, "s", "test", [ev(1)], NO_STREAM, idempotency_key="k-1")
    with db.writing() as conn:
        locked = db.store.lock_head(conn)
        recs = db.store.append_batch(conn, [Append("s", "test", [ev(2)], 1, "k-2")], locked)
    assert [(r.position, r.version) for r in recs] == [(2, 2)]
    assert db.verify().ok
    # the caller answers for the key look-up; a key already stored is still refused, by its index
    with pytest.raises(StoreError), db.writing() as conn:
        locked = db.store.lock_head(conn)
        db.store.append_batch(conn, [Append("s", "test", [ev(3)], ANY, "k-1")], locked)
    with db.reading() as conn:
        assert db.store.head(conn) == 2


def _independent_hash(stream_prev, log_prev, r):
    """sha256(stream_prev ‖ log_prev ‖ canonical JSON), with the JSON made by the standard
    library rather than by the store's assembly of pre-serialised parts."""
    body = {
        "event_type": r.event_type,
        "meta": r.meta,
        "payload": r.payload,
        "position": r.position,
        "recorded_at": r.recorded_at.isoformat(),
        "schema_version": r.schema_version,
        "stream_id": r.stream_id,
        "stream_type": r.stream_type,
        "version": r.version,
    }
    text_ = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((stream_prev + log_prev + text_).encode()).hexdigest()


def test_hash_chains_link_each_fact_to_its_stream_and_log_predecessors(db):
    recs = append(db, "s", "test", [ev(1), ev(2)])
    recs += append(db, "other", "test", [ev(3)])
    recs += append(db, "s", "test", [ev(4)])
    assert recs[0].prev_hash == "0" * 64 and recs[2].prev_hash == "0" * 64
    assert recs[3].prev_hash == recs[1].hash  # the stream's predecessor, not the log's
    log_prev = "0" * 64
    for r in recs:
        assert r.hash == _independent_hash(r.prev_hash, log_prev, r)
        assert r.hash == chain_hash(r.prev_hash, r, log_prev)
        log_prev = r.hash
    with db.reading() as conn:
        stored = conn.execute(text("SELECT position, hash FROM log_head")).one()
    assert tuple(stored) == (4, recs[-1].hash)  # the head carries the global hash


def test_recorded_at_comes_from_the_store_clock_and_never_goes_back(db, clock):
    clock.jump(datetime(2030, 1, 1, tzinfo=UTC))
    a = append(db, "s", "test", [ev()])[0]
    clock.jump(datetime(2029, 1, 1, tzinfo=UTC))  # the machine clock stepped back
    b = append(db, "s", "test", [ev()])[0]
    assert b.recorded_at >= a.recorded_at
    with db.reading() as conn:
        assert db.store.position_at(conn, datetime(2030, 1, 1, 0, 0, 1, tzinfo=UTC)) == 2


def test_upcasting_on_read_leaves_history_untouched(db):
    append(db, "s", "test", [NewEvent("test.renamed", {"old_name": "x"}, 1)])
    up = Upcasters()
    up.expect("test.renamed", 2)
    up.register("test.renamed", 1, lambda p: {"new_name": p.pop("old_name")})
    store = EventStore(upcasters=up)
    with db.reading() as conn:
        r = store.read_stream(conn, "s")[0]
        raw = conn.execute(text("select payload from events")).scalar_one()
    assert (r.schema_version, r.payload) == (2, {"new_name": "x"})
    assert (raw if isinstance(raw, dict) else __import__("json").loads(raw)) == {"old_name": "x"}


def test_missing_upcaster_is_a_clear_error(db):
    append(db, "s", "test", [NewEvent("test.renamed", {}, 1)])
    up = Upcasters()
    up.expect("test.renamed", 3)
    with pytest.raises(UpcastError, match="from schema version 1 to 3"), db.reading() as conn:
        EventStore(upcasters=up).read_stream(conn, "s")


def test_backend_errors_are_translated(db):
    with pytest.raises(StoreError) as err, db.writing() as conn:
        conn.execute(text("select * from no_such_table"))
    assert not type(err.value).__module__.startswith(("sqlite3", "psycopg2", "sqlalchemy"))
    assert isinstance(err.value, SchemaError)


def test_event_table_refuses_update_and_delete(db):
    append(db, "s", "test", [ev()])
    for sql in ("update events set stream_id = 'x'", "delete from events"):
        with pytest.raises(StoreError, match="append-only"), db.writing() as conn:
            conn.execute(text(sql))
    with db.reading() as conn:
        assert db.store.head(conn) == 1


@pytest.mark.postgres
def test_postgres_refuses_truncate(pg_db):
    db = pg_db
    append(db, "s", "test", [ev()])
    with pytest.raises(StoreError, match="append-only"), db.writing() as conn:
        conn.execute(text("truncate events"))


@pytest.mark.postgres
def test_payload_is_jsonb_on_postgres(pg_db):
    db = pg_db
    with db.reading() as conn:
        t = conn.execute(
            text(
                "select data_type from information_schema.columns "
                "where table_name='events' and column_name='payload'"
            )
        ).scalar_one()
    assert t == "jsonb"


def test_bulk_append_round_trips_awkward_text(db):
    """Large batches take the bulk path (COPY on PostgreSQL): text must survive it exactly."""
    awkward = "tab\there, newline\nthere, back\\slash, quote \" ' , 损失 ✓, \\N, end\r"
    batch = [
        NewEvent(
            "test.bulk",
            {"i": i, "text": awkward, "nested": {"k": [awkward, None, 1.5]}},
            1,
            {"actor": awkward},
        )
        for i in range(300)
    ]
    recs = append(db, "bulk", "test", batch, NO_STREAM)
    with db.reading() as conn:
        back = db.store.read_stream(conn, "bulk")
    assert back == recs
    assert back[7].payload["text"] == awkward and back[7].meta["actor"] == awkward
    assert db.verify().ok


def test_bulk_clash_is_a_concurrency_error(db):
    append(db, "s", "test", [ev(i) for i in range(100)], NO_STREAM)
    with pytest.raises(ConcurrencyError):
        append(db, "s", "test", [ev(i) for i in range(100)], NO_STREAM)
