"""Bulk inserts without SQLAlchemy's per-row parameter processing on SQLite.

``executemany`` through SQLAlchemy spends most of its time building each row's parameters. On
SQLite we apply each column's own bind processor (the same conversion SQLAlchemy would apply, so
what is stored is identical) and hand plain tuples to the driver. PostgreSQL keeps SQLAlchemy's
``insertmanyvalues`` batching, which already sends many rows per statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from operator import itemgetter

from sqlalchemy import Boolean, Connection, Table, insert


@lru_cache(maxsize=64)
def _plan(table: Table, dialect: Any, columns: tuple[str, ...]) -> tuple[str, list[tuple[int, Callable[[Any], Any]]]]:
    """The INSERT statement and the (index, processor) of every column that needs converting."""
    procs = []
    for i, c in enumerate(columns):
        t = table.c[c].type.dialect_impl(dialect)
        p = t.bind_processor(dialect)
        if p is not None and not isinstance(t, Boolean):  # sqlite3 stores a bool as 1/0 itself
            procs.append((i, p))
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join("?" for _ in columns)})'
    return sql, procs


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (dicts with the same keys) in one ``executemany``."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), list(rows))
        return
    columns = tuple(rows[0])
    sql, procs = _plan(table, conn.dialect, columns)
    get = itemgetter(*columns)
    data = []
    for r in rows:
        values = list(get(r))
        for i, p in procs:
            v = values[i]
            if v is not None:
                values[i] = p(v)
        data.append(tuple(values))
    conn.exec_driver_sql(sql, data)
