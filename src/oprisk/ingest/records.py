"""What every reader yields: :class:`Record` ``(line, values, problems)``, and the reader base class."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from oprisk.ingest.rejects import Reject

__all__ = [
    "CHUNK",
    "READ_ERRORS",
    "ExactNumber",
    "Record",
    "RecordReader",
    "oversize_cells",
    "unique_headers",
]

CHUNK = 1 << 20  # bytes (or characters) read at a time when a reader scans a file itself
#: errors a text stream can raise mid-file (a declared encoding that is wrong, a truncated .gz)
READ_ERRORS = (UnicodeDecodeError, EOFError, OSError, zlib.error)


class ExactNumber(str):
    """The text of a cell the file typed as a number (a JSON number, an XLSX numeric cell).

    Its digits are exact and its decimal separator is ".", whatever convention the file's text
    cells use, so amount parsing takes it as it is and number-format detection ignores it.
    """

    __slots__ = ()


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
    columns_can_grow = False  # JSON Lines: a later object may bring keys the first one lacked

    def __iter__(self) -> Iterator[Record]:
        return self

    def __next__(self) -> Record:
        return next(self._records)

    def again(self) -> RecordReader | None:
        """A second reader of the same records that shares costly state, or ``None`` (open anew)."""
        return None

    def close(self) -> None:
        pass

    def __enter__(self) -> RecordReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    _records: Iterator[Record]


def unique_headers(cells: list[str | None]) -> list[str]:
    """Header names: blank ones become ``column_N``, repeats get `` (2)``, a stray BOM is dropped."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = (cell or "").strip().lstrip("\ufeff") or f"column_{i + 1}"
        n = seen.get(name, 0) + 1
        seen[name] = n
        out.append(name if n == 1 else f"{name} ({n})")
    return out


def oversize_cells(
    line: int, columns: list[str], cells: list[str], limit: int
) -> tuple[Reject, ...]:
    """A problem for each cell longer than ``limit`` characters (``[limits] max_field_size``)."""
    out = []
    for i, cell in enumerate(cells):
        if len(cell) > limit:
            column = columns[i] if i < len(columns) else None
            why = f"has {len(cell):,} characters, above [limits] max_field_size = {limit:,}"
            out.append(Reject(line, column, cell[:60] + "…", why))
    return tuple(out)
