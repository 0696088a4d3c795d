"""XLSX sheets through openpyxl's read-only parser: cached formula values, merged cells, header search.

The workbook's raw parts are checked first (:mod:`~oprisk.ingest.xlsx_parts`: part sizes, DTDs,
oversized cells); a parser error later in the sheet (a truncated part) becomes a rejected record
at the row where reading stopped, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from oprisk.errors import IngestionError
from oprisk.ingest.limits import Limits
from oprisk.ingest.records import ExactNumber, Record, RecordReader, unique_headers
from oprisk.ingest.rejects import Reject
from oprisk.ingest.xlsx_parts import check_workbook, open_workbook, scan_sheet

__all__ = ["HEADER_SEARCH_ROWS", "XlsxReader"]

HEADER_SEARCH_ROWS = 20


def _cell_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Excel keeps 15 significant digits: 1234.5600000000002 is the 1234.56 the user sees
        return ExactNumber(
            int(value) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
        )
    if isinstance(value, int):
        return ExactNumber(value)
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
        limits: Limits | None = None,
        workbook: Any = None,
    ) -> None:
        self.path = path
        self.limits = limits = limits or Limits()
        self._options: dict[str, Any] = {"sheet": sheet, "header_row": header_row, "is_header": is_header,
                         "merged_cells": merged_cells, "limits": limits}  # fmt: skip
        self._owner = workbook is None  # a reader made by again() shares its workbook
        if workbook is None:
            check_workbook(path, limits)
            try:
                workbook = open_workbook(path)
            except Exception as exc:  # openpyxl and the XML parsers raise many kinds: all fatal
                raise IngestionError(
                    f"cannot read {str(path)!r}: not a readable XLSX workbook "
                    f"({type(exc).__name__}: {exc})"
                ) from None
        self._wb: Any = workbook
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
        try:
            self._merges = scan_sheet(self._wb._archive, ws._worksheet_path, limits)
            self._rows = _sheet_rows(ws)
            self._header(header_row, is_header)
        except IngestionError:
            self.close()
            raise
        except Exception as exc:  # a broken sheet part (bad zip data, malformed XML)
            self.close()
            raise IngestionError(
                f"cannot read {str(path)!r}, sheet {self.sheet!r}: {type(exc).__name__}: {exc}"
            ) from None
        self._records = self._rows_or_stop()

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
            if width > self.limits.max_columns:
                raise IngestionError(
                    f"cannot read {where}: the header row {idx} reaches column {width:,}, "
                    f"above {self.limits.describe('max_columns')}"
                )
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

    def _rows_or_stop(self) -> Iterator[Record]:
        """The records; where the sheet's XML breaks, one rejected record and the end."""
        last = self.header_line
        try:
            for record in self._iter():
                last = record.line
                yield record
        except Exception as exc:
            why = (f"the sheet cannot be read after row {last} ({type(exc).__name__}: {exc}); "
                   "the rest of it is not loaded (a truncated or damaged file?)")  # fmt: skip
            yield Record(last + 1, {"_raw": None}, (Reject(last + 1, None, None, why),))

    def _iter(self) -> Iterator[Record]:
        max_field = self.limits.max_field_size
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
                    if text is not None and len(text) > max_field:
                        why = f"has {len(text):,} characters, above {self.limits.describe('max_field_size')}"
                        problems.append(Reject(idx, name, text[:60] + "…", why))
                        text = text[:max_field]
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

    def again(self) -> XlsxReader:
        """A second reader of the same sheet sharing this one's workbook (its shared strings)."""
        return XlsxReader(self.path, workbook=self._wb, **self._options)

    def close(self) -> None:
        if self._owner:
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
