"""Transactions on one database: the unit of work every use case receives.

A :class:`UnitOfWork` owns the engine and the :class:`~oprisk.store.eventstore.EventStore`; it
opens write transactions (``BEGIN IMMEDIATE`` on SQLite, so writers queue instead of deadlocking)
and read transactions (one consistent snapshot), and resolves a knowledge cut-off (a position, a
timestamp or a date) to a log position. Driver errors never leave it untranslated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, Engine

from oprisk.errors import ConfigurationError, CutoffError, invalid
from oprisk.store.eventstore import EventStore, translated, utc

#: A knowledge cut-off: a log position, a timestamp, a date (the end of that day in UTC), an ISO
#: string of either, or ``None`` for now.
AsOf = int | datetime | date | str | None


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
        when = cutoff_time(as_of, now=utc(self.store.clock()))
        position = self.store.position_at(conn, when)
        if position == 0 and head > 0:
            first = self.store.time_of(conn, 1)
            raise CutoffError(
                invalid(
                    "as_of",
                    as_of,
                    f"is before the first fact, recorded at {_iso(first)}: nothing was known "
                    "then; use a cut-off at or after that time, or a log position",
                )
            )
        return position

    def cutoff(self, as_of: AsOf = None) -> tuple[int, datetime | None]:
        """The knowledge cut-off as (position, recorded time of that position)."""
        with self.reading() as conn:
            p = self.position(as_of, conn)
            return p, self.store.time_of(conn, p)


_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s+ago\s*$", re.I)


def cutoff_time(as_of: datetime | date | str, now: datetime | None = None) -> datetime:
    """A knowledge cut-off as a UTC timestamp; a bare date means the end of that day (UTC).

    Strings are ISO dates or timestamps, ``now``, ``today`` / ``yesterday`` (the end of that UTC
    day) or ``N seconds|minutes|hours|days|weeks ago`` (relative to ``now``, default the clock).
    """
    if isinstance(as_of, str):
        as_of = _parse(as_of, utc(now) if now is not None else datetime.now(UTC))
    if isinstance(as_of, datetime):
        return utc(as_of)
    return datetime.combine(as_of + timedelta(days=1), time.min, UTC) - timedelta(microseconds=1)


def _parse(text: str, now: datetime) -> datetime | date:
    word = text.strip().lower()
    if word == "now":
        return now
    if word in ("today", "yesterday"):
        return now.date() - timedelta(days=word == "yesterday")
    if (m := _RELATIVE.match(text)) and m.group(2).lower() in _UNITS:
        return now - timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2).lower()])
    try:
        return (
            datetime.fromisoformat(text)
            if ("T" in text or " " in text)
            else date.fromisoformat(text)
        )
    except ValueError:
        raise ConfigurationError(
            invalid(
                "as_of",
                text,
                "must be a log position, an ISO date or timestamp, now, today, yesterday, "
                "or 'N minutes|hours|days|weeks ago'",
            )
        ) from None


def _iso(t: datetime | None) -> str:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z") if t else "(unknown)"
