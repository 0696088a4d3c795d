"""The read models against the log: re-derived a batch of whole streams at a time and compared
row by row with the stored rows of the same streams (``oprisk verify``'s third check); rows that
belong to no fact are found by anti-joins."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, DateTime, and_, exists, func, select

from oprisk.errors import ConfigurationError, OpriskError
from oprisk.progress import ProgressOption
from oprisk.progress import progress as progress_of
from oprisk.projections.projector import PROJECTED, Rows, build_rows
from oprisk.store.bulk import stored_values
from oprisk.store.chain import Problem
from oprisk.store.eventstore import EventStore, RecordedEvent, utc
from oprisk.store.schema import (
    events,
    financial_items,
    fx_rates,
    ledger_lines,
    loss_event_versions,
)

__all__ = ["StreamRange", "compare_read_models", "orphans"]

_TABLES: list[tuple[Any, tuple[str, ...], str]] = [
    (loss_event_versions, ("event_id", "version"), "versions"),
    (ledger_lines, ("position",), "ledger"),
    (fx_rates, ("position",), "fx"),
    (financial_items, ("position",), "financials"),
]
#: the fact each position-keyed table is built from
_FACT_OF = {"fx_rates": "fx_rate.recorded", "financial_items": "financials.recorded"}


@dataclass(frozen=True)
class StreamRange:
    """The streams whose read models to compare: ids from ``first`` to ``last`` (inclusive;
    ``None`` leaves that end open). ``A..B``, ``A..`` or ``..B`` on the command line."""

    first: str | None = None
    last: str | None = None

    @classmethod
    def parse(cls, text: str) -> StreamRange:
        first, sep, last = text.partition("..")
        if not sep:
            raise ConfigurationError(
                f"invalid value {text!r} for 'streams': must be FIRST..LAST (either may be "
                "left out)"
            )
        return cls(first or None, last or None)

    def __str__(self) -> str:
        return f"{self.first or ''}..{self.last or ''}"


def compare_read_models(
    conn: Connection,
    store: EventStore,
    limit: int = 50,
    *,
    batch_facts: int = 10_000,
    streams: StreamRange | None = None,
    progress: ProgressOption = False,
    orphaned: bool | None = None,
) -> list[Problem]:
    """Re-derive the read models a batch of whole streams at a time and compare them with the
    tables' rows of the same streams; only one batch (about ``batch_facts`` facts, its replayed
    and its stored rows) is held at once. ``streams`` limits the comparison to a range of stream
    ids (to resume, or to share the work out); rows that belong to no fact are then looked for
    only when the range is the whole log (or ``orphaned`` says so)."""
    problems: list[Problem] = []
    rng = streams or StreamRange()
    total = store.head(conn)
    with progress_of(progress, total=total, desc="verify: read models", unit="facts") as bar:
        for batch in store.read_by_stream(conn, batch_facts, rng.first, rng.last):
            bar.update(len(batch))
            problems += _check_batch(conn, batch, limit - len(problems))
            if len(problems) >= limit:
                return problems
    if orphaned or (orphaned is None and rng.first is None and rng.last is None):
        problems += orphans(conn, limit - len(problems))
    return problems


def _check_batch(conn: Connection, batch: list[RecordedEvent], limit: int) -> list[Problem]:
    """Replay one batch of whole streams and compare it with the stored rows of its streams."""
    by_stream: dict[str, list[RecordedEvent]] = {}
    for r in batch:
        if r.stream_type in PROJECTED:
            by_stream.setdefault(r.stream_id, []).append(r)
    ids = list(by_stream)
    problems: list[Problem] = []
    try:
        expected = build_rows((r for sid in ids for r in by_stream[sid]), {})
    except OpriskError:  # a changed log may not replay: find the streams, compare the rest
        expected, broken = _replay_each(ids, by_stream)
        problems += broken
    positions = {
        name: [r.position for sid in ids for r in by_stream[sid] if r.event_type == f]
        for name, f in _FACT_OF.items()
    }
    return problems + _compare_page(conn, expected, ids, positions, limit - len(problems))


def _replay_each(ids: list[str], by_stream: dict[str, list[Any]]) -> tuple[Rows, list[Problem]]:
    rows, broken = Rows(), []
    for sid in ids:
        try:
            one = build_rows(by_stream.get(sid, ()), {})
        except OpriskError as err:
            first = by_stream[sid][0] if by_stream.get(sid) else None
            broken.append(
                Problem(
                    "read_model",
                    f"the stream's facts do not replay: {err}"[:300],
                    sid,
                    position=first.position if first else None,
                )
            )
            continue
        for name in ("versions", "close", "ledger", "fx", "financials"):
            getattr(rows, name).extend(getattr(one, name))
    return rows, broken


def _compare_page(
    conn: Connection,
    expected: Rows,
    ids: list[str],
    positions: dict[str, list[int]],
    limit: int,
) -> list[Problem]:
    """Compare each table's stored rows with the replayed ones, both as the driver's tuples: the
    replayed rows in the form they are stored in (:func:`~oprisk.store.bulk.stored_values`), so
    that equal rows (nearly all) cost one tuple compare and no conversion of what is read. Only a
    row that differs is read as SQLAlchemy reads it and compared value by value."""
    problems: list[Problem] = []
    for table, key, attr in _TABLES:
        cols = tuple(table.c.keys())
        rows = getattr(expected, attr)
        key_of = itemgetter(*[cols.index(k) for k in key])  # a value, or a tuple of them
        replayed = stored_values(conn, table, rows, cols)  # one row per key: replays never repeat
        read_back = list(_stored(conn, table, cols, ids, positions))
        have = dict(zip(map(key_of, read_back), read_back, strict=True))
        found = list(map(have.pop, map(key_of, replayed), repeat(None)))
        differ: list[tuple[Any, Any, Any]] = []
        if found != replayed:  # nearly always equal: one compare of two lists of tuples
            both = zip(replayed, rows, found, strict=True)
            differ = [(key_of(t), w, h) for t, w, h in both if h != t]
        differ += [(k, None, h) for k, h in have.items()]
        if len(key) == 1:
            differ = [((k,), w, h) for k, w, h in differ]
        differ.sort(key=lambda d: str(d[0]))
        read = _reader(conn, table) if differ else tuple
        row_of = itemgetter(*cols)
        for k, w, h in differ:
            label = f"{table.name} row {dict(zip(key, k, strict=True))}"
            if w is None or h is None:
                problems.append(
                    Problem("read_model", f"{label} {'missing' if h is None else 'not in the log'}")
                )
            elif row_of(w) != (h := read(h)):
                stored = dict(zip(cols, h, strict=True))
                c = next((c for c in w if not _same(w[c], stored.get(c))), None)
                if c is not None:
                    problems.append(
                        Problem(
                            "read_model",
                            f"{label}: {c} is {stored.get(c)!r}, the log gives {w[c]!r}",
                            stream_id=w.get("event_id"),
                            version=w.get("version"),
                            position=w.get("position") or w.get("valid_from_position"),
                        )
                    )
            if len(problems) >= limit:
                return problems
    return problems


def _stored(
    conn: Connection,
    table: Any,
    cols: tuple[str, ...],
    ids: list[str],
    positions: dict[str, list[int]],
) -> Iterator[tuple[Any, ...]]:
    """The stored rows of a batch's streams, as the driver hands them back (tuples of ``cols``).

    Event-keyed tables are read as one range of their index over the batch's stream ids (the
    batch's streams are consecutive in id order; rows of streams outside the batch are dropped);
    position-keyed ones by the positions of the batch's facts."""
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    select_sql = f"SELECT {', '.join(map(_quoted, cols))} FROM {table.name}"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if "event_id" in table.c:
            if not ids:
                return
            wanted = set(ids)  # ids are in the database's order: the range is first..last
            owner = cols.index("event_id")
            cursor.execute(
                f"{select_sql} WHERE event_id >= {mark} AND event_id <= {mark}", (ids[0], ids[-1])
            )
            for row in cursor.fetchall():
                if row[owner] in wanted:
                    yield row
            return
        values = positions[table.name]
        for i in range(0, len(values), 500):
            chunk = values[i : i + 500]
            marks = ", ".join([mark] * len(chunk))
            cursor.execute(f"{select_sql} WHERE position IN ({marks})", chunk)
            yield from cursor.fetchall()
    finally:
        cursor.close()


def _quoted(name: str) -> str:
    return f'"{name}"'


def _reader(conn: Connection, table: Any) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A stored row as the driver gives it → as SQLAlchemy reads it (each column's result
    processor; SQLite's naive timestamps in UTC)."""
    dialect = conn.dialect
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:  # the driver's column types, which some result processors go by
        cursor.execute(
            f"SELECT {', '.join(map(_quoted, table.c.keys()))} FROM {table.name} LIMIT 0"
        )
        coltypes = [d[1] for d in cursor.description]
    finally:
        cursor.close()
    convert = [
        c.type.dialect_impl(dialect).result_processor(dialect, t)
        for c, t in zip(table.c, coltypes, strict=True)
    ]
    naive = dialect.name == "sqlite"
    stamps = {i for i, c in enumerate(table.c) if isinstance(c.type, DateTime)}

    def read(row: tuple[Any, ...]) -> tuple[Any, ...]:
        out = []
        for i, (v, f) in enumerate(zip(row, convert, strict=True)):
            v = f(v) if f is not None else v
            if naive and i in stamps and v is not None:
                v = v.replace(tzinfo=UTC)
            out.append(v)
        return tuple(out)

    return read


def orphans(conn: Connection, limit: int) -> list[Problem]:
    """Read-model rows that no fact of the log produces (anti-joins, in the database)."""
    e = events.c
    out: list[Problem] = []
    for table in (loss_event_versions, ledger_lines):
        q = (
            select(table.c.event_id, func.count())
            .where(
                ~exists().where(  # the whole (stream_id, version) key: one index probe
                    and_(
                        e.stream_id == table.c.event_id,
                        e.version == 1,
                        e.stream_type == "loss_event",
                    )
                )
            )
            .group_by(table.c.event_id)
            .order_by(table.c.event_id)
            .limit(max(limit, 0))
        )
        out += [
            Problem(
                "read_model",
                f"{table.name}: {n} row(s) of event {eid!r}, which the log does not have",
            )
            for eid, n in conn.execute(q)
        ]
    for table in (fx_rates, financial_items):
        q = (
            select(table.c.position)
            .where(
                ~exists().where(
                    and_(e.position == table.c.position, e.event_type == _FACT_OF[table.name])
                )
            )
            .order_by(table.c.position)
            .limit(max(limit, 0))
        )
        out += [
            Problem("read_model", f"{table.name} row at position {p}: no such fact in the log")
            for (p,) in conn.execute(q)
        ]
    return out[: max(limit, 0)]


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    # SQLite hands timestamps back naive (UTC)
    return hasattr(a, "hour") and hasattr(b, "hour") and bool(utc(a) == utc(b))
