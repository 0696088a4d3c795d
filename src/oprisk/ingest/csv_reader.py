"""Delimited text (CSV, TSV, pipes): sniffed encoding and delimiter, quoted multi-line fields.

Memory is bounded by :class:`~oprisk.ingest.limits.Limits`: lines are read with a size limit, so
a record longer than ``max_line_length`` (one huge line, or a quoted field that runs on for
millions of lines) is skipped to its end and rejected without being held in memory, and a cell
over ``max_field_size`` rejects its record.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from oprisk.errors import IngestionError
from oprisk.ingest.encoding import opener, sniff_encoding
from oprisk.ingest.limits import Limits
from oprisk.ingest.records import (
    CHUNK,
    READ_ERRORS,
    Record,
    RecordReader,
    oversize_cells,
    unique_headers,
)
from oprisk.ingest.rejects import Reject

__all__ = ["DELIMITERS", "CsvReader"]

DELIMITERS = (",", ";", "\t", "|")
_KEEP = 1000  # characters of a broken record kept for the rejects file

# The csv module's own field limit is process-wide, so it is set once to its maximum and the
# limits of each load are checked here: a record never exceeds max_line_length anyway.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _sniff_delimiter(line: str, default: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == default))
    return best if counts[best] else default


class _TooLong(Exception):
    """A record longer than the limit: it was skipped to its end."""

    def __init__(self, head: str) -> None:
        super().__init__(head)
        self.head = head


class _Lines:
    """The physical lines of a text file for :func:`csv.reader`, each record at most ``limit``
    characters.

    A record over the limit is read on to its end (a line end outside quotes, told by the parity
    of the quote characters: a record runs on to another line only inside quotes, so each line
    it has ended with the parity odd) without keeping it, and reported by raising
    :class:`_TooLong`; ``csv.reader`` starts its next record afresh after an error.
    ``number`` counts the physical lines read; ``head`` keeps the start of the current record.
    """

    def __init__(self, f: TextIO, limit: int) -> None:
        self.f, self.limit = f, limit
        self.number = 0
        self.back: list[str] = []  # lines peeked at and given back
        self.start_record()

    def start_record(self) -> None:
        self.used = self.lines = 0
        self.head: list[str] = []
        self.kept = 0

    def give_back(self, lines: list[str]) -> None:
        self.back = list(reversed(lines))
        self.number -= len(lines)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.back:
            line = self.back.pop()
        else:
            line = self.f.readline(self.limit - self.used + 1)
            if not line:
                raise StopIteration
        self.used += len(line)
        if self.used > self.limit:
            self._skip_rest(line)
            raise _TooLong("".join(self.head) + line[: max(0, _KEEP - self.kept)])
        self.number += 1
        self.lines += 1
        if self.kept < _KEEP:
            self.head.append(line[: _KEEP - self.kept])
            self.kept += len(self.head[-1])
        return line

    def _skip_rest(self, line: str) -> None:
        odd = (min(self.lines, 1) + line.count('"')) % 2
        ended = line.endswith(("\n", "\r"))
        self.number += ended
        while not (ended and not odd):
            chunk = self.f.readline(CHUNK)
            if not chunk:
                self.number += not ended
                return
            odd = (odd + chunk.count('"')) % 2
            ended = chunk.endswith(("\n", "\r"))
            self.number += ended


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
        limits: Limits | None = None,
    ) -> None:
        self.path = path
        self.limits = limits = limits or Limits()
        self.encoding = encoding or sniff_encoding(path, compressed=compressed)
        raw = opener(path, compressed)()
        self._file = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
        self._lines = lines = _Lines(self._file, limits.max_line_length)
        where = f"cannot read {str(path)!r}"
        try:
            header = self._header(lines, header_row or 1, delimiter, where)
        except BaseException:
            self.close()
            raise
        if len(header) > limits.max_columns:
            self.close()
            raise IngestionError(
                f"{where}: the header has {len(header):,} columns, above "
                f"{limits.describe('max_columns')} (raise it in the mapping if they are real)"
            )
        self.columns = unique_headers(list(header))
        self.header_line = header_row or 1
        self._records = self._iter()

    def _header(
        self, lines: _Lines, header_at: int, delimiter: str | None, where: str
    ) -> list[str]:
        peek: list[str] = []
        try:
            for line in lines:
                peek.append(line)
                if len(peek) >= header_at:
                    break
        except _TooLong:
            raise IngestionError(
                f"{where}: line {lines.number} (before the data) is longer than "
                f"{self.limits.describe('max_line_length')}"
            ) from None
        except READ_ERRORS as exc:
            raise IngestionError(f"{where}: {exc}") from None
        if len(peek) < header_at or not "".join(peek).strip():
            raise IngestionError(f"{where}: empty file" if header_at == 1 else
                                 f"{where}: no line {header_at} to read the header from")  # fmt: skip
        default = "\t" if self.path.name.lower().removesuffix(".gz").endswith(".tsv") else ","
        self.delimiter = delimiter or _sniff_delimiter(peek[-1], default)
        lines.give_back(peek)
        self._reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
        # the header itself may span lines (a quoted newline in a header cell)
        header: list[str] = []
        while lines.number < header_at:
            start = lines.number + 1
            lines.start_record()
            try:
                header = next(self._reader)
            except StopIteration:
                header = []
                break
            except _TooLong:
                raise IngestionError(
                    f"{where}: the header is longer than {self.limits.describe('max_line_length')}"
                ) from None
            except csv.Error as exc:
                raise IngestionError(f"{where}: malformed header on line {start}: {exc}") from None
        if not any(h.strip() for h in header):
            raise IngestionError(f"{where}: empty file")
        return header

    def _iter(self) -> Iterator[Record]:
        reader, columns, lines = self._reader, self.columns, self._lines
        ncols = len(columns)
        max_field = self.limits.max_field_size
        while True:
            start = lines.number + 1
            lines.start_record()
            try:
                row = next(reader)
            except StopIteration:
                return
            except _TooLong as exc:
                why = (f"the record is longer than {self.limits.describe('max_line_length')} "
                       f"characters (it ends on line {lines.number}); a broken quote or a file "
                       "that is not delimited text?")  # fmt: skip
                yield Record(start, {"_raw": exc.head}, (Reject(start, None, exc.head[:200], why),))
                continue
            except csv.Error as exc:
                text = "".join(lines.head)
                truncated = "unexpected end of data" in str(exc)
                why = ("unterminated quoted field: the file ends inside quotes (truncated file?)"
                       if truncated else f"malformed quoting ({exc})")  # fmt: skip
                yield Record(start, {"_raw": text}, (Reject(start, None, text[:200], why),))
                continue
            except READ_ERRORS as exc:
                why = f"the file cannot be read from here on ({exc}); the rest of it is not loaded"
                yield Record(start, {"_raw": None}, (Reject(start, None, None, why),))
                return
            if not row:
                continue  # a blank line is not a record
            problems = (
                oversize_cells(start, columns, row, max_field) if lines.used > max_field else ()
            )
            if len(row) == ncols:
                yield Record(start, dict(zip(columns, row, strict=True)), problems)
            elif len(row) < ncols:
                if not any(cell.strip() for cell in row):
                    continue  # only delimiters (",,,"): a blank line as spreadsheets write it
                values: dict[str, str | None] = dict.fromkeys(columns)
                values.update(zip(columns, row, strict=False))
                yield Record(start, values, problems)
            else:
                extra = row[ncols:]
                values = dict(zip(columns, row, strict=False))
                if any(cell.strip() for cell in extra):
                    why = f"the record has {len(row)} fields but the header has {ncols} (wrong delimiter or unquoted {self.delimiter!r}?)"
                    values["_extra"] = self.delimiter.join(extra)[:_KEEP]
                    yield Record(start, values, (*problems, Reject(start, None, None, why)))
                else:  # trailing delimiters: harmless
                    yield Record(start, values, problems)

    def close(self) -> None:
        self._file.close()
