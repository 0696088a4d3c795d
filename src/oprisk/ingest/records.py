"""What every reader yields: :class:`Record` ``(line, values, problems)``, and the reader base class."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from oprisk.ingest.rejects import Reject

__all__ = ["Record", "RecordReader", "unique_headers"]

CHUNK = 1 << 20  # bytes read at a time when a reader scans a file itself


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


def unique_headers(cells: list[str | None]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = (cell or "").strip().lstrip("\ufeff") or f"column_{i + 1}"
        n = seen.get(name, 0) + 1
        seen[name] = n
        out.append(name if n == 1 else f"{name} ({n})")
    return out
