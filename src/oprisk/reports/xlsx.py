"""The workbook for people: a cover sheet, then one sheet per template, byte-for-byte
deterministic.

Each template sheet holds only supervisory content: the title, the period and currency, column
labels with the column codes in their own code row, the row codes in the code column (A) with
the labels beside them, and the values. Header rows and columns (a code and a label, no data)
and the cells that are not applicable are shaded grey, as the EBA's templates shade them. Text
is always written as a string (never a formula); the cover stores numbers, dates and booleans
as typed cells. The workbook's created / modified times and every zip entry's timestamp are the
knowledge cut-off time, so the same cut-off gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .table import Table
from .writers import fixed_time, restamp_zip

FORMATS = {
    "count": '#,##0;-#,##0;"–"',
    "amount": '#,##0.00;-#,##0.00;"–"',
    "ratio": "0.000000",
    "date": "yyyy-mm-dd",
    "text": "@",
    "enum": "@",
}
LABEL_WIDTH = 72
TITLE, SUBTITLE, LABELS, CODES = 1, 2, 4, 5  # sheet rows
#: the shading of header and not-applicable cells (the EBA templates' grey)
GREY = "BFBFBF"
#: characters XML 1.0 cannot hold; openpyxl refuses them, so they are replaced visibly
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def put(ws: Any, row: int, col: int, value: Any, kind: str = "text") -> Any:
    """Write one cell: numbers as numbers, dates as dates, booleans as booleans, everything
    else as a string — never a formula, whatever it starts with."""
    if isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, str):
        value = _ILLEGAL.sub("\ufffd", value)
    cell = ws.cell(row, col, value)
    if isinstance(value, str):
        cell.data_type = "s"
    cell.number_format = FORMATS.get(kind, "General")
    return cell


def xlsx_bytes(
    tables: Sequence[Table], cover: Sequence[tuple[str, Any]], when: datetime | None
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    stamp = fixed_time(when)
    wb = Workbook()
    wb.properties.creator = "oprisk"
    wb.properties.lastModifiedBy = "oprisk"
    wb.properties.title = "oprisk regulatory export"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    _cover(wb.active, cover)
    for t in tables:
        _sheet(wb.create_sheet(t.template[:31]), t)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return restamp_zip(raw.getvalue(), stamp)


def _cover(ws: Any, cover: Sequence[tuple[str, Any]]) -> None:
    from openpyxl.styles import Alignment, Font

    ws.title = "Cover"
    put(ws, 1, 1, "oprisk regulatory export").font = Font(bold=True, size=14)
    for i, (k, v) in enumerate(cover, start=3):
        put(ws, i, 1, k).font = Font(bold=True)
        kind = (
            "date"
            if isinstance(v, date)
            else "count"
            if isinstance(v, int) and not isinstance(v, bool)
            else "amount"
            if isinstance(v, Decimal)
            else "text"
            if isinstance(v, str)
            else "general"
        )
        c = put(ws, i, 2, v, kind)
        c.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        _fit(ws, i, (k, 38), (v if isinstance(v, str) else "", 100))
    ws.column_dimensions["A"].width = 38
    ws.column_dimensions["B"].width = 100
    _print_setup(ws, landscape=False)


def _sheet(ws: Any, t: Table) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE4EE")
    grey = PatternFill("solid", fgColor=GREY)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    keys = t.key_columns
    first = 1 + len(keys) if t.open else 3  # first data column
    put(ws, TITLE, 1, f"{t.template}: {t.title}").font = Font(bold=True, size=13)
    put(ws, SUBTITLE, 1, _subtitle(t))
    heads = [(code, label) for code, label in keys] + [
        (c, t.column_labels.get(c, "")) for c in t.columns
    ]
    start = 1 if t.open else first
    if not t.open:
        put(ws, LABELS, 2, "").border = box
    for j, (code, label) in enumerate(heads):
        lab = put(ws, LABELS, start + j, label)
        lab.alignment = Alignment(wrap_text=True, vertical="bottom", horizontal="center")
        cod = put(ws, CODES, start + j, code)
        cod.alignment = Alignment(horizontal="center")
        for c in (lab, cod):
            c.font, c.border = bold, box
            c.fill = grey if code in t.header_columns else head_fill
    ws.row_dimensions[LABELS].height = 15 * max(
        2, min(7, max((len(label) // 14 + 1 for _, label in heads), default=1))
    )
    sections = dict(t.sections)
    r = CODES + 1
    for row in t.rows:
        if row in sections:  # a heading without a code: in the label column, never the code one
            put(ws, r, 2, sections[row]).font = bold
            for j in range(1, first + len(t.columns)):
                ws.cell(r, j).fill = grey
            r += 1
        header = row in t.header_rows
        if t.open:
            for j, key in enumerate(t.keys.get(row, ())):
                put(ws, r, 1 + j, key).border = box
        else:
            code = put(ws, r, 1, row)
            code.font, code.border = bold, box
            lab = put(ws, r, 2, t.row_labels.get(row, ""))
            lab.alignment, lab.border = wrap, box
            lab.font = bold if header else Font()
            if header:
                code.fill = lab.fill = grey
            _fit(ws, r, (t.row_labels.get(row, ""), LABEL_WIDTH))
        for j, col in enumerate(t.columns):
            kind = t.kind(row, col)
            c = put(ws, r, first + j, t.value(row, col), kind)
            c.border = box
            c.alignment = wrap if kind in ("text", "enum") else Alignment(vertical="center")
            if not t.applicable(row, col):
                c.fill = grey
        r += 1
    ws.freeze_panes = ws.cell(CODES + 1, first)
    if t.open:
        for j, (code, _) in enumerate(heads):
            kind = t.column_kinds.get(code, "text")
            ws.column_dimensions[get_column_letter(1 + j)].width = _list_width(t, code, kind)
    else:
        ws.column_dimensions["A"].width = 8
        ws.column_dimensions["B"].width = LABEL_WIDTH
        for j, _ in enumerate(t.columns):
            ws.column_dimensions[get_column_letter(first + j)].width = 16
    _print_setup(ws, landscape=True)
    ws.print_title_rows = f"{LABELS}:{CODES}"


def _subtitle(t: Table) -> str:
    p = t.period
    return f"Reference period {p.start.isoformat()} to {p.end.isoformat()}; amounts in {t.currency}"


def _list_width(t: Table, col: str, kind: str) -> int:
    """Column width of an open table: short for codes and dates, wide for free text."""
    if kind not in ("text", "enum"):
        return {"date": 11, "amount": 14, "count": 9}.get(kind, 14)
    keys = [k for code, _ in t.key_columns for k in [code]]
    if col in keys:
        i = keys.index(col)
        longest = max((len(t.keys.get(r, ("",) * (i + 1))[i]) for r in t.rows), default=0)
    else:
        longest = max((len(str(t.value(r, col) or "")) for r in t.rows), default=0)
    return max(10, min(40, longest + 2))


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


def _print_setup(ws: Any, *, landscape: bool) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
