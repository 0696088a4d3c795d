"""Writers: XLSX for people, CSV and JSON for machines — all byte-for-byte deterministic.

- **CSV** (one file per template): long format, one line per non-empty cell —
  ``template,row,column,value,kind,row_label,column_label`` — UTF-8, ``\\n`` line endings, counts
  as integers, amounts with exactly two decimals, ratios with six, dates ISO.
- **JSON** (one file per template): sorted keys, one-space indent, ``\\n`` at the end; cells as
  ``{"row": {"column": value}}`` with amounts as JSON numbers with exactly two decimals.
- **XLSX** (one workbook, a cover sheet then one sheet per template): row codes in column A,
  labels in column B, column labels and codes above the data, number formats, frozen panes,
  print set-up; the workbook's created / modified times and every zip entry's timestamp are the
  knowledge cut-off time, so the same cut-off gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .table import Table

_DEC = "\x1ddec:"  # marker for decimals spliced into JSON as bare numbers


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


def csv_bytes(table: Table) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["template", "row", "column", "value", "kind", "row_label", "column_label"])
    for r in table.rows:
        for c in table.columns:
            v = table.value(r, c)
            if v is None:
                continue
            k = table.kind(r, c)
            w.writerow(
                [
                    table.template,
                    r,
                    c,
                    text_value(v, k),
                    k,
                    table.row_labels.get(r, ""),
                    table.column_labels.get(c, ""),
                ]
            )
    return buf.getvalue().encode("utf-8")


def json_bytes(table: Table, meta: dict[str, Any]) -> bytes:
    cells: dict[str, dict[str, Any]] = {}
    for r in table.rows:
        for c in table.columns:
            v = table.value(r, c)
            if v is None:
                continue
            k = table.kind(r, c)
            if k in ("amount", "ratio") and isinstance(v, int | Decimal):
                cells.setdefault(r, {})[c] = _DEC + text_value(v, k)
            elif k == "count" and isinstance(v, int | Decimal):
                cells.setdefault(r, {})[c] = int(v)
            else:
                cells.setdefault(r, {})[c] = text_value(v, k)
    doc = {
        **meta,
        "template": table.template,
        "title": table.title,
        "period": table.period.to_dict(),
        "currency": table.currency,
        "knowledge_cutoff": table.cutoff.to_dict(),
        "rows": [
            {"code": r, "label": table.row_labels.get(r, ""), "kind": table.row_kinds.get(r)}
            for r in table.rows
        ],
        "columns": [
            {"code": c, "label": table.column_labels.get(c, ""), "kind": table.column_kinds.get(c)}
            for c in table.columns
        ],
        "cells": cells,
        "notes": list(table.notes),
    }
    text = json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False)
    text = re.sub('"' + re.escape(json.dumps(_DEC)[1:-1]) + r'(-?\d+(?:\.\d+)?)"', r"\1", text)
    return (text + "\n").encode("utf-8")


# --- XLSX ----------------------------------------------------------------------------------------

FORMATS = {
    "count": '#,##0;-#,##0;"–"',
    "amount": '#,##0.00;-#,##0.00;"–"',
    "ratio": "0.000000",
    "date": "yyyy-mm-dd",
    "text": "@",
}
HEADER_ROWS = 5  # title, subtitle, blank, column labels, column codes


def fixed_time(when: datetime | None) -> datetime:
    """The timestamp written into a workbook: the cut-off time (UTC, naive), never before 1980."""
    if when is None:
        return datetime(1980, 1, 1)
    t = when.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return max(t, datetime(1980, 1, 1))


def xlsx_bytes(
    tables: Sequence[Table], cover: Sequence[tuple[str, str]], when: datetime | None
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    stamp = fixed_time(when)
    wb = Workbook()
    wb.properties.creator = "oprisk"
    wb.properties.lastModifiedBy = "oprisk"
    wb.properties.title = "oprisk regulatory export"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE4EE")
    code_fill = PatternFill("solid", fgColor="F2F2F2")
    section_fill = PatternFill("solid", fgColor="EEF3E2")
    thin = Side(style="thin", color="BBBBBB")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    middle = Alignment(vertical="center")

    ws = wb.active
    ws.title = "Cover"
    ws["A1"] = "oprisk regulatory export"
    ws["A1"].font = Font(bold=True, size=14)
    for i, (k, v) in enumerate(cover, start=3):
        ws.cell(i, 1, k).font = bold
        ws.cell(i, 1).alignment = wrap
        c = ws.cell(i, 2, v)
        c.alignment = wrap
        c.number_format = "@"
        _fit(ws, i, (k, 38), (v, 100))
    ws.column_dimensions["A"].width = 38
    ws.column_dimensions["B"].width = 100
    _print_setup(ws, landscape=False)

    for t in tables:
        ws = wb.create_sheet(t.template)
        listing = bool(t.column_kinds)
        ws["A1"] = f"{t.template} — {t.title}"
        ws["A1"].font = Font(bold=True, size=13)
        ws["A2"] = (
            f"Period {t.period.label} ({t.period.start.isoformat()} to {t.period.end.isoformat()}) · "
            f"amounts in {t.currency} · knowledge cut-off: {t.cutoff.describe()}"
        )
        first_data_col = 2 if listing else 3
        ws.cell(4, 1, t.row_header if listing else "Row")
        if not listing:
            ws.cell(4, 2, "Item")
        for j, col in enumerate(t.columns):
            label = ws.cell(4, first_data_col + j, t.column_labels.get(col, ""))
            code = ws.cell(5, first_data_col + j, col)
            code.alignment = Alignment(horizontal="center")
            label.alignment = Alignment(wrap_text=True, vertical="bottom", horizontal="center")
        for cell in ws[4] + ws[5]:
            cell.font = bold
            cell.fill = head_fill
            cell.border = box
        ws.row_dimensions[4].height = 15 * max(
            2,
            min(6, max((len(t.column_labels.get(c, "")) // 14 + 1 for c in t.columns), default=1)),
        )
        sections = dict(t.sections)
        r = HEADER_ROWS + 1
        for row in t.rows:
            if row in sections:
                c = ws.cell(r, 1 if listing else 2, sections[row])
                c.font = bold
                for j in range(1, first_data_col + len(t.columns)):
                    ws.cell(r, j).fill = section_fill
                r += 1
            code = ws.cell(r, 1, row)
            code.font = bold
            code.fill = code_fill
            code.border = box
            code.number_format = "@"
            code.alignment = middle
            if not listing:
                lab = ws.cell(r, 2, t.row_labels.get(row, ""))
                lab.alignment = wrap
                lab.border = box
                _fit(ws, r, (t.row_labels.get(row, ""), LABEL_WIDTH))
            else:
                _fit(
                    ws,
                    r,
                    *(
                        (t.value(row, col), _list_width(t, col))
                        for col in t.columns
                        if t.column_kinds.get(col) == "text"
                    ),
                )
            for j, col in enumerate(t.columns):
                v = t.value(row, col)
                kind = t.kind(row, col)
                c = ws.cell(r, first_data_col + j, _xl(v))
                c.number_format = FORMATS[kind]
                c.border = box
                c.alignment = wrap if kind == "text" else middle
            r += 1
        if not t.rows:
            ws.cell(r, 1, "(no events)")
            r += 1
        r += 1
        ws.cell(r, 1, "Notes").font = bold
        for n in t.notes:
            r += 1
            c = ws.cell(r, 1, n)
        ws.freeze_panes = ws.cell(HEADER_ROWS + 1, first_data_col)
        if listing:
            ws.column_dimensions["A"].width = 16
            for j, col in enumerate(t.columns):
                ws.column_dimensions[get_column_letter(first_data_col + j)].width = _list_width(
                    t, col
                )
        else:
            ws.column_dimensions["A"].width = 8
            ws.column_dimensions["B"].width = LABEL_WIDTH
            for j, _ in enumerate(t.columns):
                ws.column_dimensions[get_column_letter(first_data_col + j)].width = 16
        _print_setup(ws, landscape=True)
        ws.print_title_rows = "4:5"

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return _fix_zip(raw.getvalue(), stamp)


LABEL_WIDTH = 72


def _list_width(t: Table, col: str) -> int:
    """Column width of a list template (C 17.02): short for codes and dates, wide for free text."""
    kind = t.column_kinds.get(col, "text")
    if kind != "text":
        return {"date": 11, "amount": 14, "count": 9}.get(kind, 14)
    longest = max((len(str(t.value(r, col) or "")) for r in t.rows), default=0)
    return max(10, min(40, longest + 2, 40 if col == t.columns[-1] else 24))


def _fit(ws: Any, row: int, *texts: tuple[Any, float]) -> None:
    """Give a row with wrapped text the height its longest cell needs (no program does it for us)."""
    lines = 1
    for text, width in texts:
        if text:
            per_line = max(1, int(width * 1.2))
            lines = max(
                lines, sum(-(-max(1, len(part)) // per_line) for part in str(text).split("\n"))
            )
    if lines > 1:
        ws.row_dimensions[row].height = 13.5 * lines + 1.5


def _xl(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _print_setup(ws: Any, *, landscape: bool) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _fix_zip(data: bytes, stamp: datetime) -> bytes:
    """Rewrite a zip with every entry dated ``stamp`` (openpyxl dates entries with the wall clock)."""
    out = io.BytesIO()
    dt = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=dt)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 3
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_bytes(path: Path, data: bytes) -> None:
    path.write_bytes(data)
