"""XLSX sheets through openpyxl's read-only parser: cached formula values, merged cells, header search."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from oprisk.errors import IngestionError
from oprisk.ingest.records import CHUNK, Record, RecordReader, unique_headers
from oprisk.ingest.rejects import Reject

__all__ = ["HEADER_SEARCH_ROWS", "XlsxReader"]

HEADER_SEARCH_ROWS = 20
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?"')


def _cell_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


class XlsxReader(RecordReader):
    """An XLSX sheet read with openpyxl in read-only mode, with cached formula values.

    - The header is the first of the first 20 rows with at least two cells the mapping knows
      (``is_header``), or ``header_row``.
    - Date cells become ISO dates; numbers keep their shortest exact text.
    - A formula without a cached value (a file written by a library, never opened in Excel) and
      an Excel error (``#N/A``) are cell-level problems.
    - Merged cells: read-only mode gives the value in the top-left cell only. The merge ranges
      are read from the sheet XML first; a data cell covered by a merge is a problem
      (``merged_cells = "reject"``, the default) or takes the top-left value (``"fill"``). A
      row whose only values would come from merges is skipped.
    """

    def __init__(
        self,
        path: Path,
        *,
        sheet: str | int | None = None,
        header_row: int | None = None,
        is_header: Callable[[object], bool] | None = None,
        merged_cells: str = "reject",
    ) -> None:
        import zipfile

        from openpyxl import load_workbook

        self.path = path
        try:
            self._wb = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise IngestionError(
                f"cannot read {str(path)!r}: not a readable XLSX workbook ({exc})"
            ) from None
        names = self._wb.sheetnames
        try:
            if sheet is None:
                ws = self._wb.worksheets[0]
            elif isinstance(sheet, int):
                ws = self._wb.worksheets[sheet]
            else:
                ws = self._wb[sheet]
        except (IndexError, KeyError):
            self.close()
            raise IngestionError(
                f"cannot read {str(path)!r}: no sheet {sheet!r}; sheets: {', '.join(names)}"
            ) from None
        self.sheet = ws.title
        self.merged_cells = merged_cells
        self._merges = _merge_ranges(ws)
        self._rows = _sheet_rows(ws)
        self._header(header_row, is_header)
        self._records = self._iter()

    def _header(self, header_row: int | None, is_header: Callable[[object], bool] | None) -> None:
        where = f"{str(self.path)!r}, sheet {self.sheet!r}"
        self._seen_content = False
        for idx, cells in self._rows:
            values = {c["column"]: c["value"] for c in cells if c["value"] not in (None, "")}
            if header_row is not None:
                if idx < header_row:
                    continue
                if idx > header_row or not values:
                    raise IngestionError(
                        f"cannot read {where}: row {header_row} (the header row) is empty"
                    )
            elif not values:
                continue
            self._seen_content = True
            if (
                header_row is None
                and is_header is not None
                and sum(map(is_header, values.values())) < min(2, len(values))
            ):
                if idx >= HEADER_SEARCH_ROWS:
                    raise IngestionError(
                        f"cannot read {where}: no header row in the first {HEADER_SEARCH_ROWS} rows "
                        "(a row with at least two known column names); set [read] header_row in the mapping"
                    )
                continue
            width = max(values)
            self._col_names = unique_headers(
                [_cell_text(values.get(i)) for i in range(1, width + 1)]
            )
            self.columns = self._col_names
            self.header_line = idx
            return
        if header_row is not None:
            raise IngestionError(
                f"cannot read {where}: no row {header_row} to read the header from"
            )
        if is_header is not None and self._seen_content:
            raise IngestionError(
                f"cannot read {where}: no row with at least two known column names"
            )
        raise IngestionError(f"cannot read {where}: empty sheet")

    def _iter(self) -> Iterator[Record]:
        names = self._col_names
        width = len(names)
        pending = sorted(self._merges)
        active: list[tuple[int, int, int, int, str]] = []
        top_left: dict[tuple[int, int], str | None] = {}
        fill = self.merged_cells == "fill"
        for idx, cells in self._rows:
            while pending and pending[0][0] <= idx:
                active.append(pending.pop(0))
            if active:
                active = [m for m in active if m[2] >= idx]
            values: dict[str, str | None] = dict.fromkeys(names)
            problems: list[Reject] = []
            content = False
            for c in cells:
                col = c["column"]
                if col > width:
                    if c["value"] not in (None, ""):
                        problems.append(Reject(idx, None, _cell_text(c["value"]),
                                               f"a value in column {col} beyond the header's {width} columns"))  # fmt: skip
                    continue
                name = names[col - 1]
                kind = c["data_type"]
                if kind == "f?":
                    problems.append(
                        Reject(
                            idx,
                            name,
                            None,
                            "formula without a cached value (open and save the file in Excel)",
                        )
                    )
                    content = True
                elif kind == "e":
                    problems.append(
                        Reject(idx, name, str(c["value"]), f"Excel error value {c['value']}")
                    )
                    content = True
                else:
                    text = _cell_text(c["value"])
                    values[name] = text
                    content = content or text not in (None, "")
            for r1, c1, _r2, c2, ref in active:
                for col in range(c1, min(c2, width) + 1):
                    if (idx, col) == (r1, c1):
                        top_left[(r1, c1)] = values[names[col - 1]]
                        continue
                    name = names[col - 1]
                    if values[name] not in (None, ""):
                        continue  # a covered cell that does hold a value: keep it
                    if fill:
                        values[name] = top_left.get((r1, c1))
                    else:
                        problems.append(Reject(idx, name, None, f"merged cell: covered by the merged range {ref}, "
                                               "whose value is only in its top-left cell; unmerge it or set "
                                               '[read] merged_cells = "fill"'))  # fmt: skip
            if content or (
                problems and not all(p.reason.startswith("merged cell") for p in problems)
            ):
                yield Record(idx, values, tuple(problems))

    def close(self) -> None:
        self._wb.close()


def _sheet_rows(ws: Any) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(row number, cells) of a read-only worksheet, through openpyxl's own sheet parser.

    Using the parser directly skips building cell objects and lets us see a formula whose
    cached value is missing (``data_type == "f?"``), which ``data_only`` hides as ``None``.
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class _Parser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                # No <v>, or an empty <v/> on a non-string formula (openpyxl writes those):
                # nothing was ever computed. An empty <v> on a string formula is a real "".
                v = element.find(VALUE_TAG)
                if v is None or element.get("t", "n") not in ("str", "inlineStr"):
                    cell["data_type"] = "f?"
            return cell

    wb = ws.parent
    with wb._archive.open(ws._worksheet_path) as src:
        parser = _Parser(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        yield from parser.parse()


def _merge_ranges(ws: Any) -> list[tuple[int, int, int, int, str]]:
    """The sheet's merged ranges (min_row, min_col, max_row, max_col, ref), scanning its raw XML."""
    from openpyxl.utils.cell import coordinate_to_tuple

    found: list[tuple[int, int, int, int, str]] = []
    tail = b""
    with ws.parent._archive.open(ws._worksheet_path) as src:
        for chunk in iter(lambda: src.read(CHUNK), b""):
            buf = tail + chunk
            last = 0
            for m in _MERGE.finditer(buf):
                a = m.group(1).decode()
                b = (m.group(2) or m.group(1)).decode()
                (r1, c1), (r2, c2) = coordinate_to_tuple(a), coordinate_to_tuple(b)
                found.append((r1, c1, r2, c2, f"{a}:{b}"))
                last = m.end()
            tail = buf[max(last, len(buf) - 200) :]
    return found
