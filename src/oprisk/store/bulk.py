"""Bulk writes without SQLAlchemy's per-row parameter processing.

``executemany`` through SQLAlchemy spends most of its time building each row's parameters (the
version rows have 39 columns). On SQLite we apply each column's own bind processor (the same
conversion SQLAlchemy would apply, so what is stored is identical) and hand plain tuples to the
driver; on PostgreSQL rows go in with ``COPY … FROM STDIN`` in text format. Driver errors are
translated here, since they do not pass through SQLAlchemy.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table, bindparam, update, values
from sqlalchemy import column as sa_column

from oprisk.errors import ConcurrencyError, StoreError

COPY_MIN_ROWS = 50


class RawJSON(str):
    """JSON text already serialised (canonically, by the store); bulk writes store it as it is."""

    __slots__ = ()  # below this a plain INSERT is as fast and keeps the error path simple


@lru_cache(maxsize=64)
def _plan(
    table: Table, dialect: Any, columns: tuple[str, ...]
) -> tuple[str, list[tuple[int, Callable[[Any], Any]]]]:
    """The INSERT statement and the (index, processor) of every column that needs converting."""
    procs: list[tuple[int, Callable[[Any], Any]]] = []
    for i, c in enumerate(columns):
        t = table.c[c].type.dialect_impl(dialect)
        p: Callable[[Any], Any] | None = t.bind_processor(dialect)
        if isinstance(t, DateTime):
            p = _sqlite_datetime  # SQLAlchemy's own storage format, written faster
        elif isinstance(t, Date):
            p = date.isoformat
        if p is not None and not isinstance(t, Boolean):  # sqlite3 stores a bool as 1/0 itself
            procs.append((i, p))
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join("?" for _ in columns)})'
    return sql, procs


def _sqlite_datetime(v: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` without the zone, as SQLAlchemy's SQLite DATETIME stores it."""
    return v.replace(tzinfo=None).isoformat(" ", "microseconds")


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (dicts with the same keys) in one round trip."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
        return
    columns = tuple(rows[0])
    sql, procs = _plan(table, conn.dialect, columns)
    get = itemgetter(*columns)
    data = []
    for r in rows:
        vals = list(get(r))
        for i, p in procs:
            v = vals[i]
            if v is not None and not isinstance(v, RawJSON):
                vals[i] = p(v)
        data.append(tuple(vals))
    conn.exec_driver_sql(sql, data)


# --- PostgreSQL COPY ------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(v: Any, is_json: bool) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, RawJSON):
        return v.translate(_ESCAPES)
    if is_json:
        return json.dumps(v, ensure_ascii=False).translate(_ESCAPES)
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, datetime | date):
        return v.isoformat()
    return str(v).translate(_ESCAPES)


def _copy(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    if len(rows) < COPY_MIN_ROWS:
        conn.execute(insert(table), [_parsed(r) for r in rows])
        return
    columns = tuple(rows[0])
    is_json = [isinstance(table.c[c].type.dialect_impl(conn.dialect), JSON) for c in columns]
    get = itemgetter(*columns)
    buf = io.StringIO()
    for r in rows:
        buf.write("\t".join(_text(v, j) for v, j in zip(get(r), is_json, strict=True)))
        buf.write("\n")
    buf.seek(0)
    cols = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(f'COPY "{table.name}" ({cols}) FROM STDIN', buf)
    except Exception as err:  # psycopg2 errors bypass SQLAlchemy: translate them here
        code = getattr(err, "pgcode", None)
        if code == "23505" and "stream_version" in str(err):
            raise ConcurrencyError(f"another writer appended to the stream first: {err}") from err
        raise StoreError(f"database error: {err}") from err
    finally:
        cursor.close()


def _parsed(row: dict[str, Any]) -> dict[str, Any]:
    """SQLAlchemy's JSON type serialises itself: hand it objects, not pre-serialised text."""
    return {k: json.loads(v) if isinstance(v, RawJSON) else v for k, v in row.items()}


# --- closing version rows ---------------------------------------------------------------------


def close_versions(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Set ``valid_to_*`` on the open version row of each event: one statement on PostgreSQL."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        stmt = (
            update(table)
            .where(table.c.event_id == bindparam("k_event_id"))
            .where(table.c.valid_to_position.is_(None))
            .values(valid_to_position=bindparam("k_pos"), valid_to_time=bindparam("k_time"))
        )
        conn.execute(stmt, list(rows))
        return
    for i in range(0, len(rows), 2000):
        chunk = rows[i : i + 2000]
        d = values(
            sa_column("k_event_id", table.c.event_id.type),
            sa_column("k_pos", table.c.valid_to_position.type),
            sa_column("k_time", table.c.valid_to_time.type),
            name="closing",
        ).data([(r["k_event_id"], r["k_pos"], r["k_time"]) for r in chunk])
        stmt = (
            update(table)
            .where(table.c.event_id == d.c.k_event_id, table.c.valid_to_position.is_(None))
            .values(valid_to_position=d.c.k_pos, valid_to_time=d.c.k_time)
        )
        conn.execute(stmt)
