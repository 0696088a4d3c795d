"""Transactions on one database: the unit of work every use case receives.

A :class:`UnitOfWork` owns the engine and the :class:`~oprisk.store.eventstore.EventStore`; it
opens write transactions (``BEGIN IMMEDIATE`` on SQLite, so writers queue instead of deadlocking)
and read transactions (one consistent snapshot), and resolves a knowledge cut-off (a position, a
timestamp or a date) to a log position. Driver errors never leave it untranslated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import Connection, Engine

from oprisk.errors import ConfigurationError, invalid
from oprisk.store.eventstore import EventStore, translated, utc

#: A knowledge cut-off: a log position, a timestamp, a date (the end of that day in UTC), an ISO
#: string of either, or ``None`` for now.
AsOf = int | datetime | date | str | None

A = TypeVar("A")
B = TypeVar("B")


class UnitOfWork:
    """Read and write transactions on ``engine``, with the event store that appends and reads facts."""

    def __init__(self, engine: Engine, store: EventStore) -> None:
        self.engine = engine
        self.store = store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success."""
        with (
            translated(),
            self.engine.connect().execution_options(oprisk_write=True) as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot on PostgreSQL (repeatable read) and SQLite."""
        with translated(), self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def side_by_side(
        self, conn: Connection, first: Callable[[Connection], A], second: Callable[[Connection], B]
    ) -> tuple[A, B]:
        """Two reads of one snapshot. On PostgreSQL they run side by side: ``second`` on another
        connection that imports this transaction's snapshot (``pg_export_snapshot`` / ``SET
        TRANSACTION SNAPSHOT``, as parallel ``pg_dump`` does), so both see exactly the same data;
        elsewhere one after the other on ``conn``."""
        if self.dialect != "postgresql":
            return first(conn), second(conn)
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()

        def in_snapshot() -> B:
            with (
                translated(),
                self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as cx,
                cx.begin(),
            ):
                cx.exec_driver_sql("SET TRANSACTION SNAPSHOT %s", (snapshot,))
                return second(cx)

        with ThreadPoolExecutor(max_workers=1) as pool:
            other = pool.submit(in_snapshot)
            mine = first(conn)
            return mine, other.result()

    def position(self, as_of: AsOf = None, conn: Connection | None = None) -> int:
        """The knowledge cut-off ``as_of`` as a log position (the head for ``None``)."""
        if conn is None:
            with self.reading() as cx:
                return self.position(as_of, cx)
        head = self.store.head(conn)
        if as_of is None:
            return head
        if isinstance(as_of, bool):
            raise ConfigurationError(
                invalid("as_of", as_of, "must be a position, a date or a timestamp")
            )
        if isinstance(as_of, int):
            if as_of < 0:
                raise ConfigurationError(invalid("as_of", as_of, "a position must not be negative"))
            return min(as_of, head)
        return self.store.position_at(conn, cutoff_time(as_of))

    def cutoff(self, as_of: AsOf = None) -> tuple[int, datetime | None]:
        """The knowledge cut-off as (position, recorded time of that position)."""
        with self.reading() as conn:
            p = self.position(as_of, conn)
            return p, self.store.time_of(conn, p)


def cutoff_time(as_of: datetime | date | str) -> datetime:
    """A knowledge cut-off as a UTC timestamp; a bare date means the end of that day (UTC)."""
    if isinstance(as_of, str):
        try:
            as_of = (
                datetime.fromisoformat(as_of)
                if ("T" in as_of or " " in as_of)
                else date.fromisoformat(as_of)
            )
        except ValueError:
            raise ConfigurationError(
                invalid("as_of", as_of, "must be an ISO date or timestamp")
            ) from None
    if isinstance(as_of, datetime):
        return utc(as_of)
    return datetime.combine(as_of + timedelta(days=1), time.min, UTC) - timedelta(microseconds=1)
