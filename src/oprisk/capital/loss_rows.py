"""The loss rows the Loss Component is computed from: read, checked and grouped by root event.

One row per (event, accounting year) with the columns of :data:`REQUIRED_COLUMNS` and, if
present, the flags of :data:`FLAG_COLUMNS` and an ``exclusion_reference``;
:func:`~oprisk.capital.losses.loss_component` documents them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from oprisk.errors import CapitalError, MissingInputError, invalid

from .results import to_decimal, to_year

REQUIRED_COLUMNS = ("event_id", "root_event_id", "accounting_year", "net_loss")
FLAG_COLUMNS = ("excluded", "credit_boundary", "gain")


def _flag(value: Any) -> bool:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return False
    return bool(value)


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _texts(values: np.ndarray) -> np.ndarray:
    """``[_text(v) for v in values]`` as an object array, without a Python call per value when
    every value is text with nothing to strip or missing (the ids a database gives): pyarrow
    reads the column and the first and last characters are checked, which is all ``strip()``
    looks at."""
    try:
        arr = pa.array(values, from_pandas=True)  # str, None, NaN and pd.NA, else not text
    except (pa.ArrowException, UnicodeError):
        arr = None
    if arr is not None and arr.type == pa.null():  # nothing but None, NaN or pd.NA
        return np.full(len(values), None, dtype=object)
    if arr is None or arr.type != pa.string() or pc.any(pc.equal(pc.utf8_length(arr), 0)).as_py():
        return np.array([_text(v) for v in values], dtype=object)
    ends = pa.concat_arrays(
        [pc.utf8_slice_codeunits(arr, 0, 1), pc.utf8_slice_codeunits(arr, -1)]
    ).unique()
    if any(c.isspace() for c in ends.drop_null().to_pylist()):
        return np.array([_text(v) for v in values], dtype=object)
    out = np.array(values, dtype=object)
    if arr.null_count:
        out[arr.is_null().to_numpy(zero_copy_only=False)] = None
    return out


def roots(parent: dict[str, str | None]) -> dict[str, str]:
    """Each event's group id: its ``root_event_id`` followed to the top (a cycle is an error)."""
    out: dict[str, str] = {}
    for event in parent:
        chain, node = [event], event
        while (nxt := parent.get(node)) is not None and nxt != node:
            if nxt in chain:
                raise CapitalError(
                    invalid("root_event_id", event, f"grouping cycle {' → '.join([*chain, nxt])}")
                )
            chain.append(nxt)
            node = nxt
        out[event] = node
    return out


#: (event id, root event id, accounting year, net loss, flags set, exclusion reference)
Row = tuple[str, str | None, int, Decimal, set[str], str | None]


def read_rows(losses: pd.DataFrame) -> list[Row]:
    """The rows of ``losses`` checked and typed; a row without an event id is an error."""
    cols = [
        *REQUIRED_COLUMNS,
        *(c for c in (*FLAG_COLUMNS, "exclusion_reference") if c in losses.columns),
    ]
    rows: list[Row] = []
    for record in losses[cols].to_dict("records"):
        event = _text(record["event_id"])
        if event is None:
            raise MissingInputError(
                invalid("event_id", record["event_id"], "every row needs an event id")
            )
        year = to_year(record["accounting_year"], f"accounting_year[{event}]")
        amount = to_decimal(record["net_loss"], f"net_loss[{event}, {year}]")
        row_flags = {f for f in FLAG_COLUMNS if f in record and _flag(record[f])}
        rows.append(
            (
                event,
                _text(record["root_event_id"]),
                year,
                amount,
                row_flags,
                _text(record.get("exclusion_reference")),
            )
        )
    return rows


def read_frame(losses: pd.DataFrame) -> pd.DataFrame:
    """:func:`read_rows` as columns (``event``, ``root``, ``year``, ``amount``, one boolean
    column per flag, ``ref``), in row order. The common input — text ids, integer years,
    finite ``Decimal`` amounts — is read column by column; anything else (and every error, so
    that it names the first bad row) goes through :func:`read_rows`."""
    n = len(losses)
    events = _texts(losses["event_id"].to_numpy(dtype=object))
    years = losses["accounting_year"]
    amounts = losses["net_loss"].to_numpy(dtype=object)
    fast = (
        not pd.isna(events).any()
        and pd.api.types.is_integer_dtype(years.dtype)
        and not years.isna().any()
        and set(map(type, amounts)) <= {Decimal}
        and all(map(Decimal.is_finite, amounts))
    )
    if not fast:
        rows = read_rows(losses)
        return pd.DataFrame(
            {
                "event": pd.Series([r[0] for r in rows], dtype=object),
                "root": pd.Series([r[1] for r in rows], dtype=object),
                "year": np.array([r[2] for r in rows], dtype=np.int64),
                "amount": np.array([r[3] for r in rows] or [], dtype=object),
                **{f: np.array([f in r[4] for r in rows], dtype=bool) for f in FLAG_COLUMNS},
                "ref": pd.Series([r[5] for r in rows], dtype=object),
            }
        )
    data: dict[str, Any] = {
        "event": events,
        "root": _texts(losses["root_event_id"].to_numpy(dtype=object)),
        "year": years.to_numpy().astype(np.int64),
        "amount": amounts,
    }
    for f in FLAG_COLUMNS:
        if f not in losses.columns:
            data[f] = np.zeros(n, dtype=bool)
        elif pd.api.types.is_bool_dtype(losses[f].dtype) and not losses[f].isna().any():
            data[f] = losses[f].to_numpy(dtype=bool)
        else:
            data[f] = np.array([_flag(v) for v in losses[f].to_numpy(dtype=object)], dtype=bool)
    refs = losses["exclusion_reference"] if "exclusion_reference" in losses.columns else None
    data["ref"] = (
        np.full(n, None, dtype=object) if refs is None else _texts(refs.to_numpy(dtype=object))
    )
    # text as object columns (not inferred as Arrow text): grouped and looked up as such
    return pd.DataFrame({k: pd.Series(v, dtype=v.dtype) for k, v in data.items()})
