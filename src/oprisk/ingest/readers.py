"""Streaming readers for CSV, XLSX and JSON Lines files.

Every reader yields :class:`Record` ``(line, values, problems)`` in bounded memory: ``line`` is
the line a human would point at (CSV: the physical line the record starts on, header = line 1;
XLSX: the sheet row; JSON Lines: the physical line), ``values`` maps the source header to the
cell text (``None`` for a missing cell), ``problems`` are reader-level :class:`Reject` s (a
truncated or malformed record, a formula without a cached value, a merged cell). Fatal problems
(empty or undecodable file, missing sheet, no header) raise :class:`~oprisk.errors.IngestionError`.

One module per format (``csv_reader``, ``jsonl_reader``, ``xlsx_reader``) on the base in
``records``; ``encoding`` sniffs text encodings. :func:`open_records` picks the reader by suffix.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from oprisk.errors import IngestionError
from oprisk.ingest.csv_reader import CsvReader
from oprisk.ingest.encoding import check_encoding, sniff_encoding
from oprisk.ingest.jsonl_reader import JsonlReader
from oprisk.ingest.limits import Limits
from oprisk.ingest.records import Record, RecordReader
from oprisk.ingest.xlsx_reader import XlsxReader

__all__ = [
    "CSV_SUFFIXES",
    "JSONL_SUFFIXES",
    "XLSX_SUFFIXES",
    "CsvReader",
    "JsonlReader",
    "Record",
    "RecordReader",
    "XlsxReader",
    "open_records",
    "sniff_encoding",
]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def open_records(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
    is_header: Callable[[object], bool] | None = None,
    merged_cells: str = "reject",
    limits: Limits | None = None,
) -> RecordReader:
    """Open a CSV (``.csv .txt .tsv``), XLSX (``.xlsx .xlsm``) or JSON Lines (``.jsonl .ndjson``) file.

    A ``.gz`` suffix on a CSV or JSON Lines file is decompressed on the fly. ``encoding`` and
    ``delimiter`` override the sniffed ones; ``header_row`` (1-based) overrides header
    detection; ``is_header`` tells whether a cell names a known column (XLSX header detection:
    without it the first non-empty row is the header); ``limits`` bound what a cell, a record and
    an XLSX part may hold.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    compressed = suffix == ".gz"
    if compressed:
        suffix = Path(p.stem).suffix.lower()
    if not p.is_file():
        raise IngestionError(f"cannot read {str(p)!r}: no such file")
    try:
        return _open(p, suffix, compressed, sheet, encoding, delimiter, header_row, is_header,
                     merged_cells, limits)  # fmt: skip
    except OSError as exc:  # unreadable (permissions, a device), not our own IngestionError
        raise IngestionError(f"cannot read {str(p)!r}: {exc.strerror or exc}") from None


def _open(
    p: Path,
    suffix: str,
    compressed: bool,
    sheet: str | int | None,
    encoding: str | None,
    delimiter: str | None,
    header_row: int | None,
    is_header: Callable[[object], bool] | None,
    merged_cells: str,
    limits: Limits | None,
) -> RecordReader:
    if suffix in XLSX_SUFFIXES and not compressed:
        return XlsxReader(p, sheet=sheet, header_row=header_row, is_header=is_header,
                          merged_cells=merged_cells, limits=limits)  # fmt: skip
    if suffix in CSV_SUFFIXES + JSONL_SUFFIXES and encoding is not None:
        check_encoding(p, encoding, compressed=compressed)
    if suffix in CSV_SUFFIXES:
        return CsvReader(p, encoding=encoding, delimiter=delimiter, header_row=header_row,
                         compressed=compressed, limits=limits)  # fmt: skip
    if suffix in JSONL_SUFFIXES:
        return JsonlReader(p, encoding=encoding, compressed=compressed, limits=limits)
    known = ", ".join((*CSV_SUFFIXES, *XLSX_SUFFIXES, *JSONL_SUFFIXES))
    raise IngestionError(
        f"cannot read {str(p)!r}: unsupported file type {p.suffix!r}; use one of {known} (.gz for text files)"
    )
