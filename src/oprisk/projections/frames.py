"""The ``losses()`` frame, built column by column.

``Database.losses`` reads the version rows and ledger lines it needs with plain SQL (only the
columns it returns, amounts as exact text parsed by pyarrow, so that no ``Decimal`` is made on
the float path) into typed Arrow columns — through COPY on PostgreSQL, the cursor on SQLite — and
builds the frames from them in one way for both databases. It sums the lines per event with
vectorised pandas operations and converts them at each line's FX rate, found by bisection in
per-pair tables built once per query. The results are those of summing the lines one by one: the
same float operations in the same order.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from oprisk.projections.columns import POOL, date_param, read_columns, release_freed, text_series
from oprisk.projections.queries import AMOUNTS, RateTables, categorise, day_numbers

REPORTING = [f"{a}_reporting" for a in AMOUNTS]
#: business dates in analyst frames: ``datetime64`` (``.dt``, resampling), NaT when unknown
DATE_DTYPE = "datetime64[s]"

#: the version-row columns ``losses()`` returns (amounts and first accounting date come from lines)
VERSION_COLUMNS = [
    "event_id",
    "title",
    "event_type",
    "event_type_l1",
    "cause",
    "business_line",
    "business_line_l1",
    "legal_entity",
    "org_unit",
    "occurred_on",
    "discovered_on",
    "status",
    "near_miss",
    "gain",
    "credit_boundary",
    "market_boundary",
    "legal",
    "root_event_id",
    "excluded",
    "exclusion_reference",
    "pending",
    "currency",
    "source",
    "external_id",
    "reported_by",
    "version",
    "description",
]
_DATES = ("occurred_on", "discovered_on")
_BOOLS = ("near_miss", "gain", "credit_boundary", "market_boundary", "legal", "excluded")
#: a ledger line's part in the amounts: an impact, a recovery received from insurance or
#: otherwise, a recovery receivable (not received), a recovery of another kind, another line type
IMPACT, INSURANCE, OTHER, RECEIVABLE, OTHER_RECOVERY, NEITHER = range(6)
_PART_SQL = (
    f"CASE WHEN line_type = 'impact' THEN {IMPACT} WHEN line_type <> 'recovery' THEN {NEITHER} "
    f"WHEN NOT received THEN {RECEIVABLE} WHEN kind = 'insurance' THEN {INSURANCE} "
    f"WHEN kind = 'other' THEN {OTHER} ELSE {OTHER_RECOVERY} END"
)
LINE_COLUMNS = [
    "event_id",
    "part",
    "amount",
    "gross_effect",
    "net_effect",
    "currency",
    "accounted_on",
]
_LINE_AMOUNTS = ("amount", "gross_effect", "net_effect")


def line_parts(line_type: Any, kind: Any, received: Any) -> np.ndarray:
    """:data:`_PART_SQL` for a frame of ledger lines (``line_type``, ``kind``, ``received``)."""
    line_type = np.asarray(line_type, dtype=object)
    kind = np.asarray(kind, dtype=object)
    received = np.asarray(received, dtype=bool)
    return np.select(
        [
            line_type == "impact",
            line_type != "recovery",
            ~received,
            kind == "insurance",
            kind == "other",
        ],
        [IMPACT, NEITHER, RECEIVABLE, INSURANCE, OTHER],
        OTHER_RECOVERY,
    )


def versions(
    conn: Connection, position: int, head: int, where: tuple[str, list[Any]] = ("", [])
) -> dict[str, pa.ChunkedArray]:
    """The version rows valid at ``position`` (only :data:`VERSION_COLUMNS`) as Arrow columns
    (text as large strings, as pandas' string dtype keeps it); ``where``: more conditions
    (`` AND …``) and their parameters (:mod:`oprisk.projections.filters`)."""
    sql = f"SELECT {', '.join(VERSION_COLUMNS)} FROM loss_event_versions WHERE "
    params: list[Any] = []
    if position >= head:
        sql += "valid_to_position IS NULL"
    else:
        sql += "valid_from_position <= ? AND (valid_to_position IS NULL OR valid_to_position > ?)"
        params = [position, position]
    table = read_columns(conn, sql + where[0], params + where[1], _VERSION_TYPES)
    return {name: table.column(name) for name in VERSION_COLUMNS}


_VERSION_TYPES = {
    name: pa.date32()
    if name in _DATES
    else pa.bool_()
    if name in _BOOLS
    else pa.int64()
    if name == "version"
    else pa.large_string()
    for name in VERSION_COLUMNS
}


def _version_column(ev: dict[str, pa.ChunkedArray], name: str, rows: pa.Array | None) -> Any:
    """The version rows' column ``name``, taken out of ``ev``, its ``rows`` taken (all of them
    if ``None``), as the frame holds it: text as pandas' string dtype (``object`` holding
    ``None`` when the column read is NULL throughout), dates as ``datetime64`` (NaT when
    unknown), flags and versions as numpy arrays."""
    col = ev.pop(name)
    if not len(col):  # nothing read: as pandas makes an empty column
        return pd.Series([], dtype=DATE_DTYPE if name in _DATES else object)
    all_null, whole = col.null_count == len(col), col.combine_chunks(POOL)
    del col  # the column read is freed once joined: at most two copies of it are alive
    taken = whole if rows is None else pc.take(whole, rows, memory_pool=POOL)
    del whole
    if name in _DATES:
        return taken.to_numpy(zero_copy_only=False).astype(DATE_DTYPE)
    if name in _BOOLS or name == "version":
        return taken.to_numpy(zero_copy_only=False)
    return text_series(taken, all_null)


def _taxonomy_codes(
    ev: dict[str, pa.ChunkedArray], name: str, rows: pa.Array | None
) -> pd.Categorical:
    """The taxonomy column ``name``, taken out of ``ev``, its ``rows`` as categoricals of its
    distinct values (each one made a Python string once, not once per row);
    :func:`~oprisk.projections.queries.categorise` then sets the taxonomy's categories."""
    whole = ev.pop(name).combine_chunks(POOL)
    taken = whole if rows is None else pc.take(whole, rows, memory_pool=POOL)
    coded = pc.dictionary_encode(taken, memory_pool=POOL)
    distinct = pd.Categorical(coded.dictionary.to_numpy(zero_copy_only=False))
    codes = distinct.codes.astype(np.int64)[coded.indices.fill_null(-1).to_numpy()]
    codes[coded.indices.is_null().to_numpy(zero_copy_only=False)] = -1
    return pd.Categorical.from_codes(codes, dtype=distinct.dtype)


def lines(
    conn: Connection,
    position: int,
    accounted_until: date | None,
    exact: bool,
    where: tuple[str, list[Any]] = ("", []),
) -> pd.DataFrame:
    """The ledger lines known at ``position`` (accounted by ``accounted_until``), in position order:
    :data:`LINE_COLUMNS` (``part`` as in :func:`line_parts`), amounts as float64 (``Decimal``
    objects if ``exact``), ``accounted_on`` as ``datetime64``."""
    cols = [
        "position",
        "event_id",
        _PART_SQL,
        *(f"CAST({c} AS TEXT)" for c in _LINE_AMOUNTS),
        "currency",
        "accounted_on",
    ]
    sql = f"SELECT {', '.join(cols)} FROM ledger_lines WHERE position <= ?"
    params: list[Any] = [position]
    if accounted_until is not None:
        sql += " AND accounted_on <= ?"
        params.append(date_param(conn, accounted_until))
    sql += where[0]
    params += where[1]
    types = {**_LINE_TYPES, **({} if exact else dict.fromkeys(_LINE_AMOUNTS, pa.float64()))}
    # SQLite walks the primary key in order anyway; PostgreSQL's lines are sorted here, which is
    # cheaper than a server sort
    if conn.dialect.name == "sqlite":
        sql += " ORDER BY position"
    frame = _lines_frame(_line_columns(read_columns(conn, sql, params, types)), exact)
    release_freed()  # the columns read and their conversions: only the frame is kept
    return frame


_LINE_TYPES = {
    "position": pa.int64(),
    "event_id": pa.string(),
    "part": pa.int8(),
    # exact decimal text; parsed to float64 by pyarrow when not ``exact`` (correctly rounded,
    # as float(Decimal) is)
    **{c: pa.string() for c in _LINE_AMOUNTS},
    "currency": pa.string(),
    "accounted_on": pa.date32(),
}


def _line_columns(table: pa.Table) -> dict[str, np.ndarray]:
    """The ledger columns read, in the forms :func:`_lines_frame` reads."""
    out: dict[str, Any] = {}
    for name in _LINE_TYPES:
        col = table.column(name)
        if name in ("event_id", "currency"):
            # codes and each distinct value once (no Python string per line); only grouped on
            coded = pc.dictionary_encode(col.combine_chunks(POOL), memory_pool=POOL)
            out[name] = pd.Categorical.from_codes(
                coded.indices.to_numpy(zero_copy_only=False),
                coded.dictionary.to_numpy(zero_copy_only=False),
            )
        elif pa.types.is_string(col.type):
            out[name] = np.asarray(col.to_pylist(), dtype=object)
        else:  # numbers and dates keep their numpy dtypes
            out[name] = col.to_numpy()
    return out


def _lines_frame(columns: dict[str, Any], exact: bool) -> pd.DataFrame:
    """:func:`lines`' frame from the columns read, sorted by position."""
    if not len(columns["position"]):
        return pd.DataFrame([], columns=LINE_COLUMNS)
    positions = columns.pop("position").astype(np.int64)
    if len(positions) > 1 and not (positions[1:] > positions[:-1]).all():
        order = np.argsort(positions, kind="stable")
        columns = {name: values[order] for name, values in columns.items()}
    data: dict[str, Any] = {}
    for name, values in columns.items():
        if name in _LINE_AMOUNTS:
            # from the exact decimal text: float() rounds correctly, as float(Decimal) does
            data[name] = (
                np.array([Decimal(v) for v in values], dtype=object)
                if exact
                else values.astype(np.float64, copy=False)
            )
        elif name == "accounted_on":
            data[name] = day_numbers(values).astype("datetime64[s]")
        elif name == "part":
            data[name] = values.astype(np.int8)
        else:  # event id and currency: categoricals, only grouped on
            data[name] = pd.Series(values, copy=False)
    return pd.DataFrame(data)


# --- the losses frame -------------------------------------------------------------------------


def sum_lines(lines: pd.DataFrame, fx: pd.DataFrame, quote: str, exact: bool) -> dict[str, Any]:
    """Per event, as columns (numpy arrays, one row per event in order of first appearance):
    ``event_id``, the amounts, their reporting-currency sums (NaN if a line's rate is unknown)
    and the first accounting date of an impact. Each amount is summed and converted in turn, so
    that only one amount's per-line temporaries are alive at a time."""
    empty = np.array([], dtype=np.float64)
    if lines.empty:
        return {"event_id": np.array([], dtype=object), **dict.fromkeys(AMOUNTS, empty),
                **dict.fromkeys(REPORTING, empty),
                "first_accounted_on": np.array([], dtype=DATE_DTYPE)}  # fmt: skip
    part = (
        lines.part.to_numpy()
        if "part" in lines
        else line_parts(lines.line_type, lines.kind, lines.received)
    )
    days = day_numbers(lines.accounted_on)
    rate = RateTables(fx).rates(lines.currency.to_numpy(dtype=object), days, quote)
    # group on the event's number in order of first appearance (as groupby(sort=False) does):
    # each event's lines are summed in position order, as before
    if isinstance(lines.event_id.dtype, pd.CategoricalDtype):  # lines(): by its codes
        codes, first = pd.factorize(lines.event_id.cat.codes.to_numpy())
        ids = lines.event_id.cat.categories.to_numpy(dtype=object)[first]
    else:
        codes, ids = pd.factorize(lines.event_id.to_numpy(dtype=object))
    out: dict[str, Any] = {"event_id": ids}
    zero: Any = Decimal(0) if exact else 0.0
    kind = object if exact else np.float64
    for name in AMOUNTS:
        if name in _RECOVERY_PARTS:
            values = np.where(part == _RECOVERY_PARTS[name], lines.amount.to_numpy(kind), zero)
        else:
            values = lines["gross_effect" if name == "gross_loss" else "net_effect"].to_numpy(kind)
        # one column at a time (the same sums as on the whole frame, without its sorted copies)
        out[name] = pd.Series(values).groupby(codes, sort=True).sum().to_numpy()
        # one unknown rate makes the event's amount unknown, not smaller
        converted = pd.Series((values.astype(np.float64) if exact else values) * rate)
        del values
        unknown = converted.isna().groupby(codes, sort=True).any().to_numpy()
        summed = converted.groupby(codes, sort=True).sum().to_numpy()
        out[f"{name}_reporting"] = np.where(unknown, np.nan, summed)
    impact_day = np.where(
        (part == IMPACT) & ~np.isnat(days), days.astype(np.int64).astype(np.float64), np.nan
    )
    first_day = pd.Series(impact_day).groupby(codes, sort=True).min().to_numpy()
    firsts = np.full(len(first_day), np.datetime64("NaT"), dtype="datetime64[D]")
    ok = ~np.isnan(first_day)
    firsts[ok] = first_day[ok].astype(np.int64).astype("datetime64[D]")
    out["first_accounted_on"] = firsts.astype(DATE_DTYPE)
    return out


#: the recovery amounts: the part of the lines each sums
_RECOVERY_PARTS = {
    "recoveries_insurance": INSURANCE,
    "recoveries_other": OTHER,
    "recoveries_receivable": RECEIVABLE,
}


def losses_frame(
    ev: dict[str, pa.ChunkedArray],
    amounts: dict[str, Any],
    quote: str,
    include_withdrawn: bool,
    exact: bool,
    lang: str,
    only_accounted: bool,
    columns: list[str],
) -> pd.DataFrame:
    """``losses()``: the version rows ``ev`` (:func:`versions`) with their lines' sums
    ``amounts`` (:func:`sum_lines`), in ``columns``, sorted by event id. The rows kept, in
    their final order, are found first and each column is taken once in that order: no merge,
    filter, reindex or sort copies the whole frame. The columns of ``ev`` and ``amounts`` are
    taken out of them as they are used (both dicts are emptied), so that each is freed as soon
    as its frame column is built."""
    n = len(ev["event_id"])
    keep = np.ones(n, dtype=bool)
    if not include_withdrawn and n:
        kept = pc.not_equal(ev["status"], "withdrawn", memory_pool=POOL)
        keep = pc.coalesce(kept, True, memory_pool=POOL).to_numpy()
    known = pa.array(amounts.pop("event_id"), pa.large_string(), memory_pool=POOL)
    # each event's row of the sums, -1 without lines
    at = pc.index_in(ev["event_id"], value_set=known, memory_pool=POOL)
    del known
    at = pc.coalesce(at, -1, memory_pool=POOL).to_numpy().astype(np.int64)
    if only_accounted:
        keep &= at >= 0
    rows = np.flatnonzero(keep)
    ids = pc.take(ev["event_id"], rows, memory_pool=POOL)
    rows = rows[pc.sort_indices(ids, memory_pool=POOL).to_numpy()]
    del ids
    taken = None if np.array_equal(rows, np.arange(n)) else pa.array(rows, memory_pool=POOL)
    at, zero = at[rows], (Decimal(0) if exact else 0.0)
    hit, data = at >= 0, {}
    for col in [*AMOUNTS, *REPORTING, "first_accounted_on"]:
        # events with no lines: amounts 0, reporting amounts NaN (then 0 below), date NaT
        summed = amounts.pop(col)
        dtype = (object if exact else np.float64) if col in AMOUNTS else summed.dtype
        data[col] = np.full(len(rows), zero if col in AMOUNTS else None, dtype=dtype)
        data[col][hit] = summed[at[hit]]
        del summed
        if col in REPORTING:  # nothing to convert: 0; an unknown rate stays NaN
            data[col][pd.isna(data[col]) & (data[col.removesuffix("_reporting")] == 0)] = 0.0
    del at, hit
    # the taxonomy codes as categoricals and their labels (``categorise``) on those columns only
    taxonomy = [c for c in ev if c.startswith(("event_type", "business_line", "cause"))]
    named = categorise(pd.DataFrame({c: _taxonomy_codes(ev, c, taken) for c in taxonomy}), lang)
    out: dict[str, Any] = {}
    for col in columns:
        if col in data:
            out[col] = data.pop(col)
        elif col in named:
            out[col] = named[col].array
        elif col == "reporting_currency":
            out[col] = pd.Series(quote, index=pd.RangeIndex(len(rows)))
        elif col in ev:
            out[col] = _version_column(ev, col, taken)
            release_freed()
        else:
            out[col] = np.full(len(rows), np.nan)
    return pd.DataFrame(out, copy=False)
