"""``verify --jobs N`` on PostgreSQL: the read models compared by N processes side by side.

The stream ids are cut into N consecutive ranges of about as many streams; each range is compared
(:func:`~oprisk.projections.verify.compare_read_models`) by a process of its own, on its own
connection, in the snapshot of the caller's read transaction (``pg_export_snapshot`` / ``SET
TRANSACTION SNAPSHOT``, as parallel ``pg_dump`` does), so every process sees exactly the data the
chain walk sees. SQLite has no way to share a snapshot between connections: there the check runs in
one process.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

from sqlalchemy import Connection, func, select

from oprisk.progress import Progress
from oprisk.projections.compare import StreamRange, compare_read_models
from oprisk.store.chain import Problem
from oprisk.store.engine import make_engine
from oprisk.store.eventstore import EventStore
from oprisk.store.schema import events

__all__ = ["split", "start"]


def split(
    conn: Connection, jobs: int, first: str | None, last: str | None
) -> list[tuple[str | None, str | None]]:
    """``jobs`` consecutive ranges of stream ids (inclusive ends) that cover ``first``..``last``,
    each with about as many streams."""
    sid = events.c.stream_id
    q = select(sid).where(events.c.version == 1)
    if first is not None:
        q = q.where(sid >= first)
    if last is not None:
        q = q.where(sid <= last)
    n = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    ranges: list[tuple[str | None, str | None]] = []
    start_at = first
    for k in range(1, jobs):
        pair = (
            conn.execute(q.order_by(sid).offset(max(k * n // jobs - 1, 0)).limit(2)).scalars().all()
        )
        if len(pair) < 2 or (ranges and pair[0] == ranges[-1][1]):
            continue
        ranges.append((start_at, pair[0]))
        start_at = pair[1]
    ranges.append((start_at, last))
    return ranges


def start(
    conn: Connection,
    jobs: int,
    first: str | None,
    last: str | None,
    batch_facts: int,
    limit: int,
) -> tuple[ProcessPoolExecutor, list[Future[tuple[list[Problem], int]]]]:
    """Start comparing ``first``..``last`` in ``jobs`` processes; the caller collects the futures
    (problems, facts compared) in range order and shuts the pool down."""
    snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    url = conn.engine.url.render_as_string(hide_password=False)
    ranges = split(conn, jobs, first, last)
    pool = ProcessPoolExecutor(len(ranges), mp_context=get_context("spawn"))
    return pool, [
        pool.submit(_compare_range, url, snapshot, a, b, batch_facts, limit) for a, b in ranges
    ]


def _compare_range(
    url: str, snapshot: str, first: str | None, last: str | None, batch_facts: int, limit: int
) -> tuple[list[Problem], int]:
    engine = make_engine(url)
    try:
        with (
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
            conn.begin(),
        ):
            conn.exec_driver_sql("SET TRANSACTION SNAPSHOT %s", (snapshot,))
            counter = Progress()
            found = compare_read_models(
                conn,
                EventStore(),
                limit,
                batch_facts=batch_facts,
                streams=StreamRange(first, last),
                progress=counter,
                orphaned=False,
            )
            return found, int(counter.n)
    finally:
        engine.dispose()
