"""Delimited text (CSV, TSV, pipes): sniffed encoding and delimiter, quoted multi-line fields."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from oprisk.errors import IngestionError
from oprisk.ingest.encoding import opener, sniff_encoding
from oprisk.ingest.records import Record, RecordReader, unique_headers
from oprisk.ingest.rejects import Reject

__all__ = ["DELIMITERS", "CsvReader"]

DELIMITERS = (",", ";", "\t", "|")

csv.field_size_limit(
    min(sys.maxsize, 2**31 - 1)
)  # a 1 MB description is real; the default is 128 kB


def _sniff_delimiter(line: str, default: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == default))
    return best if counts[best] else default


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
        raw = opener(path, compressed)()
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
        self.columns = unique_headers(list(header))
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
