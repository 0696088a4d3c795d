"""The reads behind the capital loss data: set-based, only the columns and rows it uses.

The loss data of the Loss Component (``services/capital/loss_data.py``) need, at one knowledge
cut-off, the flags and classification of every event (withdrawn ones too: a group's root may be
one) and the net effect of every ledger line accounted in the window. Both are plain SQL reads
into typed columns (``columns.read_columns``: COPY on PostgreSQL, the cursor on SQLite), the window and
the cut-off applied in the database; amounts stay exact (decimal text → ``Decimal``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection

from oprisk.projections.columns import date_param, read_columns
from oprisk.projections.frames import DATE_DTYPE
from oprisk.projections.queries import day_numbers

#: the version columns the loss data read (text unless listed in :data:`_BOOLS`)
EVENT_COLUMNS = [
    "event_id",
    "root_event_id",
    "status",
    "excluded",
    "credit_boundary",
    "gain",
    "exclusion_reference",
    "legal_entity",
    "event_type",
    "business_line",
    "market_boundary",
    "legal",
    "near_miss",
]
_BOOLS = ("excluded", "credit_boundary", "gain", "market_boundary", "legal", "near_miss")
_EVENT_TYPES = {c: pa.bool_() if c in _BOOLS else pa.string() for c in EVENT_COLUMNS}
_LINE_TYPES = {
    "position": pa.int64(),
    "event_id": pa.string(),
    "net_effect": pa.string(),
    "currency": pa.string(),
    "accounted_on": pa.date32(),
}


@dataclass(frozen=True)
class LossInputs:
    """What the loss data are computed from, read in one transaction at one cut-off."""

    events: pd.DataFrame  # EVENT_COLUMNS, one row per event known at the cut-off
    lines: pd.DataFrame  # event_id, net_effect (Decimal), currency, accounted_on; log order
    fx: pd.DataFrame  # queries.fx_at's frame
    awaiting: set[str]  # events awaiting approval at the cut-off


def _objects(col: pa.ChunkedArray) -> np.ndarray:
    """A text column as an object array of ``str`` (``None`` for NULL), converted in C."""
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=object)


def event_flags(conn: Connection, position: int, head: int) -> pd.DataFrame:
    """:data:`EVENT_COLUMNS` of the version rows valid at ``position`` (withdrawn included)."""
    sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM loss_event_versions WHERE "
    params: tuple[int, ...] = ()
    if position >= head:
        sql += "valid_to_position IS NULL"
    else:
        sql += "valid_from_position <= ? AND (valid_to_position IS NULL OR valid_to_position > ?)"
        params = (position, position)
    table = read_columns(conn, sql, params, _EVENT_TYPES)
    data: dict[str, object] = {}
    for name in EVENT_COLUMNS:
        col = table.column(name)
        if name in _BOOLS:
            data[name] = col.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
        else:
            # object columns (not inferred as Arrow text): grouped and looked up as such
            data[name] = pd.Series(_objects(col), dtype=object)
    return pd.DataFrame(data, columns=EVENT_COLUMNS)


def window_lines(conn: Connection, position: int, first: date, until: date) -> pd.DataFrame:
    """The ledger lines known at ``position`` accounted in ``first … until``, in log order:
    ``event_id``, ``net_effect`` (exact ``Decimal``), ``currency``, ``accounted_on``
    (``datetime64``)."""
    sql = (
        "SELECT position, event_id, CAST(net_effect AS TEXT), currency, accounted_on "
        "FROM ledger_lines WHERE position <= ? AND accounted_on >= ? AND accounted_on <= ?"
    )
    if conn.dialect.name == "sqlite":
        sql += " ORDER BY position"
    params = (position, date_param(conn, first), date_param(conn, until))
    table = read_columns(conn, sql, params, _LINE_TYPES)
    positions = table.column("position").to_numpy()
    order = np.argsort(positions, kind="stable")
    nets = np.array(list(map(Decimal, _objects(table.column("net_effect")))), dtype=object)
    return pd.DataFrame(
        {
            "event_id": pd.Series(_objects(table.column("event_id"))[order], dtype=object),
            "net_effect": pd.Series(nets[order], dtype=object),
            "currency": pd.Series(_objects(table.column("currency"))[order], dtype=object),
            "accounted_on": day_numbers(table.column("accounted_on").to_numpy())[order].astype(
                DATE_DTYPE
            ),
        }
    )


def inputs_from(
    versions: pd.DataFrame, ledger: pd.DataFrame, fx: pd.DataFrame, awaiting: set[str]
) -> LossInputs:
    """:class:`LossInputs` from frames another reader made at the same cut-off in the same
    transaction (an export's C 17 data, :func:`oprisk.reports.data.load`): ``versions`` as
    :func:`~oprisk.projections.queries.versions_at` gives them, with :data:`EVENT_COLUMNS`;
    ``ledger`` as :func:`~oprisk.projections.queries.ledger_at` gives it, every line in log
    order with ``event_id``, ``net_effect``, ``currency`` and ``accounted_on``. The values are
    those :func:`event_flags` and :func:`window_lines` read (``None`` for NULL text, NULL flags
    false, ``Decimal`` net effects); all lines are kept: :func:`in_window` takes a window's."""
    data: dict[str, object] = {}
    for name in EVENT_COLUMNS:
        values = versions[name].to_numpy(dtype=object, copy=True)
        missing = pd.isna(values)
        if name in _BOOLS:
            values[missing] = False
            data[name] = values.astype(bool)
        else:
            values[missing] = None
            data[name] = pd.Series(values, dtype=object)
    lines = pd.DataFrame(
        {
            "event_id": pd.Series(ledger.event_id.to_numpy(dtype=object), dtype=object),
            "net_effect": pd.Series(ledger.net_effect.to_numpy(dtype=object), dtype=object),
            "currency": pd.Series(ledger.currency.to_numpy(dtype=object), dtype=object),
            "accounted_on": day_numbers(ledger.accounted_on.to_numpy(dtype=object)).astype(
                DATE_DTYPE
            ),
        }
    )
    return LossInputs(pd.DataFrame(data, columns=EVENT_COLUMNS), lines, fx, set(awaiting))


def in_window(inputs: LossInputs, first: date, until: date) -> LossInputs:
    """``inputs`` with only the lines accounted in ``first … until`` (as :func:`window_lines`
    reads them)."""
    on = inputs.lines.accounted_on.to_numpy()
    keep = (on >= np.datetime64(first)) & (on <= np.datetime64(until))
    return replace(inputs, lines=inputs.lines[keep].reset_index(drop=True))
