"""Streaming readers for CSV, XLSX and JSON Lines files.

Every reader yields :class:`Record` ``(line, values, problems)`` in bounded memory: ``line`` is
the line a human would point at (CSV: the physical line the record starts on, header = line 1;
XLSX: the sheet row; JSON Lines: the physical line), ``values`` maps the source header to the
cell text (``None`` for a missing cell), ``problems`` are reader-level :class:`Reject` s (a
truncated or malformed record, a formula without a cached value, a merged cell). Fatal problems
(empty or undecodable file, missing sheet, no header) raise :class:`~oprisk.errors.IngestionError`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NamedTuple

from oprisk.errors import IngestionError
from oprisk.ingest.rejects import Reject

__all__ = [
    "CSV_SUFFIXES",
    "JSONL_SUFFIXES",
    "XLSX_SUFFIXES",
    "Record",
    "RecordReader",
    "open_records",
    "sniff_encoding",
]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 20
_CHUNK = 1 << 20

csv.field_size_limit(
    min(sys.maxsize, 2**31 - 1)
)  # a 1 MB description is real; the default is 128 kB


class Record(NamedTuple):
    """One input record: its line, its cells by source header, and reader-level problems."""

    line: int
    values: dict[str, str | None]
    problems: tuple[Reject, ...] = ()


class RecordReader:
    """An iterator of :class:`Record` over one file; ``columns`` are the source headers.

    Opening reads the header (so fatal errors surface at once); iterate to stream the records;
    close it (or use ``with``) to release the file.
    """

    path: Path
    columns: list[str]
    header_line: int

    def __iter__(self) -> Iterator[Record]:
        return self

    def __next__(self) -> Record:
        return next(self._records)

    def close(self) -> None:
        pass

    def __enter__(self) -> RecordReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    _records: Iterator[Record]


def open_records(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
    is_header: Callable[[object], bool] | None = None,
    merged_cells: str = "reject",
) -> RecordReader:
    """Open a CSV (``.csv .txt .tsv``), XLSX (``.xlsx .xlsm``) or JSON Lines (``.jsonl .ndjson``) file.

    A ``.gz`` suffix on a CSV or JSON Lines file is decompressed on the fly. ``encoding`` and
    ``delimiter`` override the sniffed ones; ``header_row`` (1-based) overrides header
    detection; ``is_header`` tells whether a cell names a known column (XLSX header detection:
    without it the first non-empty row is the header).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    compressed = suffix == ".gz"
    if compressed:
        suffix = Path(p.stem).suffix.lower()
    if not p.is_file():
        raise IngestionError(f"cannot read {str(p)!r}: no such file")
    if suffix in XLSX_SUFFIXES and not compressed:
        return XlsxReader(
            p, sheet=sheet, header_row=header_row, is_header=is_header, merged_cells=merged_cells
        )
    if suffix in CSV_SUFFIXES:
        return CsvReader(
            p, encoding=encoding, delimiter=delimiter, header_row=header_row, compressed=compressed
        )
    if suffix in JSONL_SUFFIXES:
        return JsonlReader(p, encoding=encoding, compressed=compressed)
    known = ", ".join((*CSV_SUFFIXES, *XLSX_SUFFIXES, *JSONL_SUFFIXES))
    raise IngestionError(
        f"cannot read {str(p)!r}: unsupported file type {p.suffix!r}; use one of {known} (.gz for text files)"
    )


# --- encodings ----------------------------------------------------------------------------------


def _opener(path: Path, compressed: bool) -> Callable[[], IO[bytes]]:
    if compressed:
        return lambda: gzip.open(path, "rb")  # type: ignore[return-value]
    return lambda: open(path, "rb")


def sniff_encoding(path: str | os.PathLike[str], *, compressed: bool = False) -> str:
    """The codec to read a text file with: a BOM decides; else UTF-8 if the whole file decodes, else GB18030.

    The whole file is decoded once, in 1 MB chunks, so a stray byte at the end cannot turn
    into a failure after half the file has loaded. Raises IngestionError for an empty file or
    one that decodes as neither.
    """
    p = Path(path)
    opener = _opener(p, compressed)
    with opener() as f:
        head = f.read(4096)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise IngestionError(f"cannot read {str(p)!r}: empty file")
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return codec
    candidates = ["utf-8", "gb18030"]
    if head.count(0) > len(head) // 4:  # UTF-16 without a BOM: every other byte is NUL
        even_nul = head[0::2].count(0) > head[1::2].count(0)
        candidates = ["utf-16-be" if even_nul else "utf-16-le"]
    first_error = None
    for codec in candidates:
        tally = [0, 0]  # non-ASCII characters decoded, and those outside GB 2312
        error = _decode_error(opener, codec, tally if codec == "gb18030" else None)
        if error is None:
            if codec == "gb18030" and tally[1] > tally[0] * _NOT_CHINESE:
                raise IngestionError(
                    f"cannot read {str(p)!r}: it is not UTF-8; it decodes as GB18030, but "
                    f"{tally[1]:,} of its {tally[0]:,} non-ASCII characters are not common "
                    "Chinese (GB 2312), as when Western European text (cp1252, latin-1) is read "
                    'as Chinese; set [read] encoding in the mapping ("cp1252", or "gb18030" '
                    "if the file is Chinese)"
                )
            return codec
        first_error = first_error or error
    raise IngestionError(
        f"cannot read {str(p)!r}: it is neither UTF-8 nor GB18030 ({first_error}); "
        'set [read] encoding in the mapping (e.g. "cp1252", "big5")'
    )


#: share of non-ASCII characters outside GB 2312 above which a GB18030 decode is not trusted: in
#: Chinese text they are rare characters; in cp1252 text read as GB18030 (a letter such as "ü"
#: followed by an ASCII letter forms a GBK extension character) they are nearly all of them
_NOT_CHINESE = 0.5
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _decode_error(
    opener: Callable[[], IO[bytes]], codec: str, tally: list[int] | None = None
) -> str | None:
    """Decode the whole file; the first error, or None. ``tally`` counts the non-ASCII characters
    and, of them, those GB 2312 cannot encode."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    with opener() as f:
        while True:
            chunk = f.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
                if tally is not None:
                    wide = "".join(_NON_ASCII.findall(text))
                    tally[0] += len(wide)
                    tally[1] += wide.encode("gb2312", "replace").count(b"?")
            except UnicodeDecodeError as exc:
                return f"byte {chunk[exc.start : exc.start + 1]!r} at offset {offset + exc.start} is not {codec}"
            if not chunk:
                return None
            offset += len(chunk)


def _sniff_delimiter(line: str, default: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == default))
    return best if counts[best] else default


def _unique_headers(cells: list[str | None]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = (cell or "").strip().lstrip("\ufeff") or f"column_{i + 1}"
        n = seen.get(name, 0) + 1
        seen[name] = n
        out.append(name if n == 1 else f"{name} ({n})")
    return out


# --- CSV ----------------------------------------------------------------------------------------


class CsvReader(RecordReader):
    """Delimited text: encoding and delimiter sniffed, quoted multi-line fields, ragged rows reported."""

    def __init__(
        self,
        path: Path,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        header_row: int | None = None,
        compressed: bool = False,
    ) -> None:
        self.path = path
        self.encoding = encoding or sniff_encoding(path, compressed=compressed)
        raw = _opener(path, compressed)()
        self._file = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
        self._pending: list[str] = []  # the physical lines of the record being parsed
        lines = self._lines()
        header_at = header_row or 1
        peek: list[str] = []
        for line in lines:
            peek.append(line)
            if len(peek) >= header_at:
                break
        if len(peek) < header_at or not "".join(peek).strip():
            self.close()
            raise IngestionError(f"cannot read {str(path)!r}: empty file" if header_at == 1 else
                                 f"cannot read {str(path)!r}: no line {header_at} to read the header from")  # fmt: skip
        default = "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else ","
        self.delimiter = delimiter or _sniff_delimiter(peek[-1], default)
        self._pending.clear()
        self._reader = csv.reader(_chain(peek, lines), delimiter=self.delimiter, strict=True)
        # the header itself may span lines (a quoted newline in a header cell)
        self._line_num = 0
        header: list[str] = []
        while self._line_num < header_at:
            start = self._line_num + 1
            try:
                header = next(self._reader)
            except StopIteration:
                header = []
                break
            except csv.Error as exc:
                self.close()
                raise IngestionError(
                    f"cannot read {str(path)!r}: malformed header on line {start}: {exc}"
                ) from None
            self._line_num = self._reader.line_num
        if not any(h.strip() for h in header):
            self.close()
            raise IngestionError(f"cannot read {str(path)!r}: empty file")
        self.columns = _unique_headers(list(header))
        self.header_line = header_at
        self._records = self._iter()

    def _lines(self) -> Iterator[str]:
        pending = self._pending
        for line in self._file:
            pending.append(line)
            yield line

    def _iter(self) -> Iterator[Record]:
        reader, columns, pending = self._reader, self.columns, self._pending
        ncols = len(columns)
        last = self._line_num
        pending.clear()
        while True:
            start = last + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                text = "".join(pending)
                last = reader.line_num
                pending.clear()
                truncated = "unexpected end of data" in str(exc)
                why = ("unterminated quoted field: the file ends inside quotes (truncated file?)"
                       if truncated else f"malformed quoting ({exc})")  # fmt: skip
                yield Record(start, {"_raw": text[:1000]}, (Reject(start, None, text[:200], why),))
                continue
            last = reader.line_num
            pending.clear()
            if not row:
                continue  # a blank line is not a record
            if len(row) == ncols:
                yield Record(start, dict(zip(columns, row, strict=True)))
            elif len(row) < ncols:
                if len(row) == 1 and not row[0].strip():
                    continue
                values: dict[str, str | None] = dict.fromkeys(columns)
                values.update(zip(columns, row, strict=False))
                yield Record(start, values)
            else:
                extra = row[ncols:]
                values = dict(zip(columns, row, strict=False))
                if any(cell.strip() for cell in extra):
                    why = f"the record has {len(row)} fields but the header has {ncols} (wrong delimiter or unquoted {self.delimiter!r}?)"
                    values["_extra"] = self.delimiter.join(extra)
                    yield Record(start, values, (Reject(start, None, None, why),))
                else:  # trailing delimiters: harmless
                    yield Record(start, values)

    def close(self) -> None:
        self._file.close()


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


# --- JSON Lines ---------------------------------------------------------------------------------


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)  # numbers keep their digits: 0.10 stays 0.10, never 0.1000000000000000055
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=float)


class JsonlReader(RecordReader):
    """One JSON object per line; numbers keep their exact text; a malformed line is rejected."""

    def __init__(
        self, path: Path, *, encoding: str | None = None, compressed: bool = False
    ) -> None:
        self.path = path
        self.encoding = encoding or sniff_encoding(path, compressed=compressed)
        self._file = io.TextIOWrapper(
            _opener(path, compressed)(), encoding=self.encoding, newline=""
        )
        self.header_line = 0
        self._lines = enumerate(self._file, start=1)
        self._head: list[Record] = []
        self.columns = []
        for record in self._iter():  # the first well-formed object's keys are the columns
            self._head.append(record)
            if not record.problems or len(self._head) >= 1000:
                self.columns = [] if record.problems else list(record.values)
                break
        self._records = self._all()

    def _all(self) -> Iterator[Record]:
        yield from self._head
        self._head = []
        yield from self._iter()

    def _iter(self) -> Iterator[Record]:
        loads = json.loads
        for n, line in self._lines:
            text = line.strip().lstrip("\ufeff")
            if not text:
                continue
            try:
                obj = loads(text, parse_float=Decimal)
            except ValueError as exc:
                why = f"malformed JSON: {exc.args[0] if exc.args else exc}"
                yield Record(n, {"_raw": text[:1000]}, (Reject(n, None, text[:200], why),))
                continue
            if not isinstance(obj, dict):
                why = f"the line is a JSON {type(obj).__name__}, not an object"
                yield Record(n, {"_raw": text[:1000]}, (Reject(n, None, text[:200], why),))
                continue
            yield Record(n, {str(k): _json_text(v) for k, v in obj.items()})

    def close(self) -> None:
        self._file.close()


# --- XLSX ---------------------------------------------------------------------------------------

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
            self._col_names = _unique_headers(
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
        for chunk in iter(lambda: src.read(_CHUNK), b""):
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
