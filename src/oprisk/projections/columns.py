"""Typed Arrow columns from SQL: the rows of a query through ``COPY (…) TO STDOUT`` on PostgreSQL,
through the cursor on SQLite, into the same typed columns, so that both databases go through one
conversion to frames (:mod:`oprisk.projections.frames`, :mod:`oprisk.projections.capital_reads`).
The columns' buffers come from the C library's allocator, and what a read leaves behind once
freed is handed back to the system (:func:`release_freed`), so that a large read does not stay
in the process beside what is built from it.
"""

from __future__ import annotations

import ctypes
import tempfile
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as pacsv
from sqlalchemy import Connection

from oprisk.errors import StoreError

#: the allocator of these reads' Arrow buffers: the C library's, shared with numpy and Python, so
#: that memory one of them frees is reused by the next instead of being held by Arrow's own pool
POOL = pa.system_memory_pool()
_MALLOC_TRIM: Any
try:  # glibc's; other C libraries have no such call, and keep what they keep
    _MALLOC_TRIM = ctypes.CDLL(None).malloc_trim
except (AttributeError, OSError, TypeError):
    _MALLOC_TRIM = None


def release_freed() -> None:
    """Hands memory that is freed but kept by the allocators back to the system: Arrow's own
    pool's, and the C library's heap (glibc's ``malloc_trim``). After freeing a large block glibc
    raises its mmap threshold, so later arrays of a few MB go on its heap, which it keeps once
    they are freed: a read's intermediates would stay in the process beside the frame built
    after them."""
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


#: bytes of CSV parsed at a time on PostgreSQL (pyarrow's default), and blocks parsed between
#: two :func:`release_freed` calls
BLOCK = 1 << 20
RELEASE_EVERY = 4


def _copied(conn: Connection, sql: str, params: Sequence[Any], types: dict[str, Any]) -> pa.Table:
    """PostgreSQL: the query's rows through ``COPY (…) TO STDOUT`` in CSV, parsed by pyarrow into
    typed columns (no Python object per value), block by block. In PostgreSQL's CSV a NULL is an
    unquoted empty field and an empty string a quoted one, which is how pyarrow is told to read
    them; the query runs on the transaction's connection, so it sees the same snapshot as the
    other reads."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    # the CSV goes to a temporary file, not to memory: a BytesIO of it grows by reallocation to
    # up to twice the text, alive beside the columns parsed from it
    with tempfile.TemporaryFile() as buf:
        try:
            query = cursor.mogrify(sql.replace("?", "%s"), tuple(params)).decode()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buf)
        except Exception as err:  # psycopg2 errors bypass SQLAlchemy: translate them here
            raise StoreError(f"database error: {err}") from err
        finally:
            cursor.close()
        if not buf.tell():
            return pa.table({name: pa.array([], type=t) for name, t in types.items()})
        buf.seek(0)
        reader = pacsv.open_csv(
            buf,
            memory_pool=POOL,
            read_options=pacsv.ReadOptions(
                column_names=list(types), use_threads=False, block_size=BLOCK
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )
        # parsed a block at a time; what parsing the blocks leaves behind is handed back every
        # few blocks, or it would stay in the process beside the columns (~0.8× their size)
        batches = []
        for i, batch in enumerate(reader, 1):
            batches.append(batch)
            if i % RELEASE_EVERY == 0:
                release_freed()
        return pa.Table.from_batches(batches, schema=reader.schema)


def text_series(col: pa.Array | pa.ChunkedArray, all_null: bool | None = None) -> pd.Series:
    """A text column as ``pd.Series(values)`` would give it: pandas' string dtype (nulls NaN), or
    ``object`` holding ``None`` when every value is NULL (``all_null``: decided on the column the
    values were taken from). Large strings, as pandas keeps them, are taken without a copy."""
    if col.null_count == len(col) if all_null is None else all_null:
        return pd.Series([None] * len(col), dtype=object)
    str_dtype = pd.Series(["x"]).dtype
    return col.to_pandas(types_mapper={pa.string(): str_dtype, pa.large_string(): str_dtype}.get)


def date_param(conn: Connection, d: date) -> Any:
    return d.isoformat() if conn.dialect.name == "sqlite" else d


#: rows fetched and converted at a time on SQLite: the Python tuples of one chunk are the only
#: row-wise objects alive, so the read's peak memory stays near the typed columns it builds
CHUNK = 5_000


def _fetched(conn: Connection, sql: str, params: Sequence[Any], types: dict[str, Any]) -> pa.Table:
    """SQLite: the cursor's tuples as typed Arrow columns (as :func:`_copied` gives them on
    PostgreSQL), so both databases go through one conversion to frames. SQLite keeps dates and
    amounts as text and booleans as 0/1; pyarrow parses them (decimal text to the correctly
    rounded float, as ``float()`` does). Fetched :data:`CHUNK` rows at a time."""
    stored = {
        name: pa.string()
        if t in (pa.date32(), pa.float64())
        else pa.int64()
        if t == pa.bool_()
        else t
        for name, t in types.items()
    }
    # plain SQL through SQLAlchemy (errors translated as usual), the DBAPI cursor's tuples
    res = conn.exec_driver_sql(
        sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s"), tuple(params)
    )
    batches = []
    try:
        while rows := res.cursor.fetchmany(CHUNK):
            arr = np.empty((len(rows), len(types)), dtype=object)  # sliced: cheaper than zip(*rows)
            arr[:] = rows
            del rows
            batches.append(
                pa.record_batch(
                    [
                        pa.array(arr[:, i], type=stored[n], memory_pool=POOL).cast(
                            t, memory_pool=POOL
                        )
                        for i, (n, t) in enumerate(types.items())
                    ],
                    names=list(types),
                )
            )
    finally:
        res.close()
    if not batches:
        return pa.table({name: pa.array([], type=t) for name, t in types.items()})
    return pa.Table.from_batches(batches)


def read_columns(
    conn: Connection, sql: str, params: Sequence[Any], types: dict[str, Any]
) -> pa.Table:
    table = (_copied if conn.dialect.name == "postgresql" else _fetched)(conn, sql, params, types)
    release_freed()  # the text, tuples and parser blocks the columns were made from
    return table
