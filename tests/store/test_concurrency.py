"""Concurrent writers in separate processes: one winner per version, gap-free positions."""

import multiprocessing as mp
import time

from oprisk.errors import ConcurrencyError
from oprisk.store.eventstore import NO_STREAM, NewEvent

WRITERS = 8


def _contend(url: str, writer: int, rounds: int, start: float, out: mp.Queue) -> None:
    """Each round: read the stream's version, then append with that expected version."""
    from oprisk.api import connect

    db = connect(url)
    wins, losses = [], 0
    while time.time() < start:
        time.sleep(0.001)
    for _ in range(rounds):
        with db.reading() as conn:
            version = len(db.store.read_stream(conn, "shared"))
        try:
            with db.writing() as conn:
                db.store.append(
                    conn, "shared", "test", [NewEvent("test.won", {"writer": writer})], version
                )
            wins.append(version + 1)
        except ConcurrencyError:
            losses += 1
    db.close()
    out.put((writer, wins, losses))


def _append_own(url: str, writer: int, n: int, start: float, out: mp.Queue) -> None:
    from oprisk.api import connect

    db = connect(url)
    while time.time() < start:
        time.sleep(0.001)
    for i in range(n):
        with db.writing() as conn:
            db.store.append(
                conn,
                f"w{writer}",
                "test",
                [NewEvent("test.n", {"i": i}), NewEvent("test.n", {"i": i})],
            )
    db.close()
    out.put(writer)


def _tail(url: str, stop_after: int, out: mp.Queue) -> None:
    """A reader tailing the log: it must never see position p+1 before position p."""
    from oprisk.api import connect

    db = connect(url)
    seen, skipped, last = 0, [], 0
    deadline = time.time() + 60
    while last < stop_after and time.time() < deadline:
        with db.reading() as conn:
            for r in db.store.read_all(conn, after=last):
                if r.position != last + 1:
                    skipped.append((last, r.position))
                last = r.position
                seen += 1
    db.close()
    out.put((seen, skipped, last))


def _run(target, args_list):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, q)) for a in args_list]
    for p in procs:
        p.start()
    results = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def test_one_winner_per_version_and_losers_get_concurrency_error(db_url, db):
    with db.writing() as conn:
        db.store.append(conn, "shared", "test", [NewEvent("test.created", {})], NO_STREAM)
    rounds = 15
    start = time.time() + 1.0
    results = _run(_contend, [(db_url, w, rounds, start) for w in range(WRITERS)])
    won = sorted(v for _, wins, _ in results for v in wins)
    lost = sum(n for *_, n in results)
    assert len(won) == len(set(won)), "two writers won the same version"
    assert len(won) + lost == WRITERS * rounds
    assert lost > 0, "the writers never contended"
    with db.reading() as conn:
        stream = db.store.read_stream(conn, "shared")
    assert [r.version for r in stream] == list(range(1, len(won) + 2))
    assert sorted(r.payload["writer"] for r in stream[1:]) == sorted(
        w for w, wins, _ in results for _ in wins
    )
    assert db.verify().ok


def test_writers_on_different_streams_keep_positions_gap_free_for_a_tailing_reader(db_url, db):
    per_writer = 20
    total = WRITERS * per_writer * 2
    start = time.time() + 1.0
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    reader = ctx.Process(target=_tail, args=(db_url, total, q))
    reader.start()
    _run(_append_own, [(db_url, w, per_writer, start) for w in range(WRITERS)])
    seen, skipped, last = q.get(timeout=120)
    reader.join(timeout=60)
    assert skipped == [], f"the reader saw positions skipped: {skipped[:5]}"
    assert (seen, last) == (total, total)
    with db.reading() as conn:
        positions = [r.position for r in db.store.read_all(conn)]
    assert positions == list(range(1, total + 1))
