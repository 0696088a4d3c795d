"""Bulk writes without SQLAlchemy's per-row parameter processing.

``executemany`` through SQLAlchemy spends most of its time building each row's parameters (the
version rows have 39 columns). On SQLite we apply each column's own bind processor (the same
conversion SQLAlchemy would apply, so what is stored is identical) and hand plain tuples to the
driver; on PostgreSQL rows go in with ``COPY … FROM STDIN`` in text format, each row formatted
by C code (``str`` of every value) unless it holds a character COPY must escape. Driver errors of
COPY are translated here, since they do not pass through SQLAlchemy.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import lru_cache, partial
from itertools import repeat
from operator import is_, itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Table,
    TextClause,
    Update,
    bindparam,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from oprisk.errors import ConcurrencyError, StoreError
from oprisk.store.schema import Amount


class RawJSON(str):
    """JSON text already serialised (canonically, by the store); bulk writes store it as it is."""

    __slots__ = ()


Column = list[Any]


@lru_cache(maxsize=64)
def _plan(
    table: Table, dialect: Any, columns: tuple[str, ...]
) -> tuple[str, list[tuple[int, Callable[[Column], Column]]]]:
    """The INSERT statement and, for every column that needs converting, its index and a function
    converting a whole column of values (the column's own bind processor, or a faster equivalent
    writing the same text)."""
    convert: list[tuple[int, Callable[[Column], Column]]] = []
    for i, c in enumerate(columns):
        t = table.c[c].type.dialect_impl(dialect)
        if isinstance(t, DateTime):
            convert.append((i, _sqlite_datetimes))
        elif isinstance(t, Date):
            convert.append((i, _isoformats))
        elif isinstance(table.c[c].type, Amount):
            convert.append((i, _amounts))
        elif isinstance(t, JSON):
            convert.append((i, partial(_json_texts, t.bind_processor(dialect))))
        elif not isinstance(t, Boolean):  # sqlite3 stores a bool as 1/0 itself
            p = t.bind_processor(dialect)
            if p is not None:
                convert.append((i, partial(_processed, p)))
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join("?" for _ in columns)})'
    return sql, convert


def _sqlite_datetimes(col: Column) -> Column:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` without the zone, as SQLAlchemy's SQLite DATETIME stores it;
    a batch's rows share one timestamp object, so the last conversion is reused."""
    out: Column = []
    last: Any = None
    text = None
    for v in col:
        if v is not last:
            last = v
            text = None if v is None else v.replace(tzinfo=None).isoformat(" ", "microseconds")
        out.append(text)
    return out


def _isoformats(col: Column) -> Column:
    return [None if v is None else v.isoformat() for v in col]


def _amounts(col: Column) -> Column:
    """Exact decimal text, as :class:`~oprisk.store.schema.Amount` binds it on SQLite."""
    return [
        None if v is None else format(v if type(v) is Decimal else Decimal(str(v)), "f")
        for v in col
    ]


def _json_texts(p: Callable[[Any], Any], col: Column) -> Column:
    return [v if v is None or type(v) is RawJSON else p(v) for v in col]


def _processed(p: Callable[[Any], Any], col: Column) -> Column:
    return [None if v is None else p(v) for v in col]


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (dicts with the same keys) in one round trip."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
        return
    columns = tuple(rows[0])
    sql, _ = _plan(table, conn.dialect, columns)
    conn.exec_driver_sql(sql, stored_values(conn, table, rows, columns))


def stored_values(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], columns: tuple[str, ...]
) -> list[tuple[Any, ...]]:
    """``rows`` as tuples of ``columns`` in the form the driver reads them back once stored: on
    SQLite each column converted as :func:`insert_rows` writes it (text for dates, timestamps and
    amounts), on PostgreSQL the values themselves (psycopg2 reads back equal ones)."""
    if conn.dialect.name == "postgresql":
        return (
            list(map(itemgetter(*columns), rows))
            if len(columns) > 1
            else [(r[columns[0]],) for r in rows]
        )
    cols = [list(map(itemgetter(c), rows)) for c in columns]
    for i, f in _plan(table, conn.dialect, columns)[1]:
        cols[i] = f(cols[i])
    return list(zip(*cols, strict=True))


# --- PostgreSQL COPY ------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = {None: "\\N"}  # COPY's text-format NULL
_NONES = repeat(None)


def _escaped(v: Any) -> str:
    """One value in COPY text format, escaped (the slow path, for rows holding ``\\ \\t \\n \\r``)."""
    return "\\N" if v is None else str(v).translate(_ESCAPES)


def _copy_line(values: tuple[Any, ...], tabs: int) -> str:
    """One row in COPY text format.

    ``str`` gives each value the text PostgreSQL's input function reads (ISO dates and
    timestamps with their offset, ``True``/``False``, exact decimals, JSON text as it is) and
    ``None`` becomes ``\\N``, all in C. A row is escaped value by value only when it holds a
    character COPY treats specially: a backslash other than the NULL markers', a tab other than
    the separators, a newline or a carriage return.
    """
    line = "\t".join(map(str, map(_NULL.get, values, values)))
    if (
        line.count("\\") == list(map(is_, values, _NONES)).count(True)
        and line.count("\t") == tabs
        and "\n" not in line
        and "\r" not in line
    ):
        return line
    return "\t".join(map(_escaped, values))


def _copy(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``COPY … FROM STDIN`` in text format; driver errors translated (they bypass SQLAlchemy)."""
    columns = tuple(rows[0])
    json_cols = [
        i
        for i, c in enumerate(columns)
        if isinstance(table.c[c].type.dialect_impl(conn.dialect), JSON)
    ]
    get = itemgetter(*columns) if len(columns) > 1 else lambda r: (r[columns[0]],)
    tabs = len(columns) - 1
    lines = []
    for r in rows:
        values = get(r)
        if json_cols:
            values = _with_json(values, json_cols)
        lines.append(_copy_line(values, tabs))
    lines.append("")
    cols = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(
            f'COPY "{table.name}" ({cols}) FROM STDIN', io.StringIO("\n".join(lines))
        )
    except Exception as err:  # psycopg2 errors bypass SQLAlchemy: translate them here
        if getattr(err, "pgcode", None) == "23505" and "stream_version" in str(err):
            raise ConcurrencyError(f"another writer appended to the stream first: {err}") from err
        raise StoreError(f"database error: {err}") from err
    finally:
        cursor.close()


def _with_json(values: tuple[Any, ...], json_cols: list[int]) -> tuple[Any, ...]:
    """JSON columns hold canonical text already (``RawJSON``) or objects to serialise here."""
    out = list(values)
    for i in json_cols:
        v = out[i]
        if v is not None and not isinstance(v, RawJSON):
            out[i] = orjson.dumps(v, default=_json_default).decode()
    return tuple(out)


def _json_default(v: Any) -> Any:
    if isinstance(v, Decimal):
        return format(v, "f")
    raise TypeError(f"cannot store {type(v).__name__} {v!r} as JSON")


# --- closing version rows ---------------------------------------------------------------------


def close_versions(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Set ``valid_to_*`` on the open version row of each event: one statement on PostgreSQL."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(_closing_by_row(table), list(rows))
        return
    closing = _closing(table)
    for i in range(0, len(rows), 2000):
        chunk = rows[i : i + 2000]
        conn.execute(
            closing,
            {
                "ids": [r["k_event_id"] for r in chunk],
                "positions": [r["k_pos"] for r in chunk],
                "times": [r["k_time"] for r in chunk],
            },
        )


@lru_cache(maxsize=8)
def _closing_by_row(table: Table) -> Update:
    """The SQLite close, one row's parameters at a time (built once: a statement built on each
    call costs SQLAlchemy a new cache key every time)."""
    return (
        update(table)
        .where(table.c.event_id == bindparam("k_event_id"))
        .where(table.c.valid_to_position.is_(None))
        .values(valid_to_position=bindparam("k_pos"), valid_to_time=bindparam("k_time"))
    )


@lru_cache(maxsize=8)
def _closing(table: Table) -> TextClause:
    """The PostgreSQL close as three array parameters, one text for any number of rows.

    A ``VALUES`` list built from the rows is a new statement every batch: SQLAlchemy compiled it
    afresh each time (a tenth of a load's time). Arrays keep the statement, and its compiled
    form, the same; ``unnest`` of the three arrays gives the rows back, pair by pair.
    """
    c = table.c
    return text(
        f"UPDATE {table.name} AS v "
        "SET valid_to_position = k.pos, valid_to_time = k.at "
        "FROM unnest(CAST(:ids AS text[]), CAST(:positions AS bigint[]), "
        "CAST(:times AS timestamptz[])) AS k(event_id, pos, at) "
        "WHERE v.event_id = k.event_id AND v.valid_to_position IS NULL"
    ).bindparams(
        bindparam("ids", type_=ARRAY(c.event_id.type)),
        bindparam("positions", type_=ARRAY(c.valid_to_position.type)),
        bindparam("times", type_=ARRAY(c.valid_to_time.type)),
    )
