"""Writers for people and scripts: CSV and JSON per template (the workbook is in :mod:`.xlsx`,
the xBRL-CSV package in :mod:`.xbrl`) — all byte-for-byte deterministic.

- **CSV** (one file per template): long format, one line per non-empty cell —
  ``template,row,column,value,kind,row_label,column_label`` — UTF-8, ``\\n`` line endings, counts
  as integers, amounts with exactly two decimals, ratios with six, dates ISO. An open table's
  key values (C 17.02 event id, C 16.04 entity and LEI) are cells of their key columns. Text
  cells that a spreadsheet would read as a formula are escaped (:func:`csv_text`).
- **JSON** (one file per template): sorted keys, one-space indent, ``\\n`` at the end; cells as
  ``{"row": {"column": value}}`` with amounts as JSON numbers with exactly two decimals.

Notes on how figures were derived are not written here: they are in the manifest.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from .table import Table

_DEC = "\x1ddec:"  # marker for decimals spliced into JSON as bare numbers
#: the first characters that make a spreadsheet read a CSV cell as a formula (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = re.compile('[,"\r\n]')  # a CSV field holding one of these is quoted


def text_value(value: Any, kind: str) -> str:
    """A cell as text, the same on every platform."""
    if value is None:
        return ""
    if kind == "count" and isinstance(value, int | Decimal):
        return str(int(value))
    if kind == "amount" and isinstance(value, int | Decimal):
        return format(Decimal(value), ".2f")
    if kind == "ratio" and isinstance(value, int | Decimal):
        return format(Decimal(value), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_text(value: Any, kind: str) -> str:
    """One CSV cell: numbers as numbers; text that starts like a formula (``=``, ``+``, ``-``,
    ``@``, tab, CR) prefixed with a single quote, as OWASP recommends against CSV injection."""
    text = text_value(value, kind)
    if kind in ("text", "enum") and text.startswith(FORMULA_START):
        return "'" + text
    return text


def cells(table: Table) -> Iterator[tuple[str, str, Any, str]]:
    """Every non-empty cell in template order as (row, column, value, kind); an open table's
    key values first in each row, as cells of the key columns."""
    for r in table.rows:
        for (code, _), key in zip(table.key_columns, table.keys.get(r, ()), strict=False):
            yield r, code, key, "text"
        for c in table.columns:
            v = table.value(r, c)
            if v is not None:
                yield r, c, v, table.kind(r, c)


def csv_field(text: str) -> str:
    """One CSV field (RFC 4180): quoted, its quotes doubled, if it holds a comma, a quote, a CR or
    an LF (the csv module leaves a bare CR unquoted when the line ends with LF)."""
    return '"' + text.replace('"', '""') + '"' if _QUOTED.search(text) else text


def csv_line(fields: list[str], end: str = "\n") -> str:
    """One CSV record (see :func:`csv_field`)."""
    return ",".join(map(csv_field, fields)) + end


def csv_bytes(table: Table) -> bytes:
    lines = [csv_line(["template", "row", "column", "value", "kind", "row_label", "column_label"])]
    labels = {**table.column_labels, **dict(table.key_columns)}
    # the fields a row or a column repeats on each of its cells, made once
    template = csv_field(table.template)
    columns = {c: csv_field(c) + "," for c in labels}
    column_labels = {c: "," + csv_field(label) + "\n" for c, label in labels.items()}
    kinds: dict[str, str] = {}
    row, row_fields, row_label = None, "", ""
    for r, c, v, k in cells(table):
        if r != row:
            row, row_fields = r, f"{template},{csv_field(csv_text(r, 'text'))},"
            row_label = "," + csv_field(csv_text(table.row_labels.get(r, ""), "text"))
        kind = kinds.get(k) or kinds.setdefault(k, "," + csv_field(k))
        lines.append(
            row_fields
            + columns.get(c, csv_field(c) + ",")
            + csv_field(csv_text(v, k))
            + kind
            + row_label
            + column_labels.get(c, ",\n")
        )
    return "".join(lines).encode("utf-8")


def json_bytes(table: Table, meta: dict[str, Any]) -> bytes:
    out: dict[str, dict[str, Any]] = {}
    for r, c, v, k in cells(table):
        if k in ("amount", "ratio") and isinstance(v, int | Decimal):
            out.setdefault(r, {})[c] = _DEC + text_value(v, k)
        elif k == "count" and isinstance(v, int | Decimal):
            out.setdefault(r, {})[c] = int(v)
        else:
            out.setdefault(r, {})[c] = text_value(v, k)
    doc = {
        **meta,
        "template": table.template,
        "title": table.title,
        "framework": table.framework,
        "period": table.period.to_dict(),
        "currency": table.currency,
        "knowledge_cutoff": table.cutoff.to_dict(),
        "keys": [{"code": c, "label": label} for c, label in table.key_columns],
        "rows": [
            {"code": r, "label": table.row_labels.get(r, ""), "kind": table.row_kinds.get(r)}
            for r in table.rows
        ],
        "columns": [
            {"code": c, "label": table.column_labels.get(c, ""), "kind": table.column_kinds.get(c)}
            for c in table.columns
        ],
        "not_applicable": sorted(f"{r}/{c}" for r, c in table.na),
        "cells": out,
    }
    text = json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False)
    text = re.sub('"' + re.escape(json.dumps(_DEC)[1:-1]) + r'(-?\d+(?:\.\d+)?)"', r"\1", text)
    return (text + "\n").encode("utf-8")


def fixed_time(when: datetime | None) -> datetime:
    """The timestamp written into archives: the cut-off time (UTC, naive), never before 1980."""
    if when is None:
        return datetime(1980, 1, 1)
    t = when.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return max(t, datetime(1980, 1, 1))


def zip_bytes(entries: dict[str, bytes], stamp: datetime) -> bytes:
    """A zip of ``entries`` (in the given order), every entry dated ``stamp``: the same entries
    give the same bytes whenever and wherever they are written."""
    out = io.BytesIO()
    dt = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=dt)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o600 << 16
            dst.writestr(info, data)
    return out.getvalue()


def restamp_zip(data: bytes, stamp: datetime) -> bytes:
    """Rewrite a zip with every entry dated ``stamp`` (openpyxl dates entries with the clock)."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return zip_bytes({i.filename: src.read(i.filename) for i in src.infolist()}, stamp)
