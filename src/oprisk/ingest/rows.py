"""The read → map → validate pipeline, and the names of the row models and their validation.

Three kinds of input (``docs/ingest.md`` lists the columns):

- ``incidents``: one row per loss event as its source system sees it now (:class:`IncidentRow`);
- ``movements``: one row per ledger line of an event (:class:`MovementRow`);
- ``financials``: one figure per legal entity, year, item and business line (:class:`FinancialRow`).

:func:`read_rows` streams ``(line, row | None, rejects, record)`` from a file; each record of the
file gives exactly one result, so ``records = valid rows + rejected rows``. Every problem of a row
is collected (not only the first) as a :class:`~oprisk.ingest.rejects.Reject` naming the field, the
raw value and the rule. The models are in :mod:`oprisk.ingest.models`, the validator in
:mod:`oprisk.ingest.validate`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

from oprisk.errors import MappingError
from oprisk.ingest.fields import KINDS
from oprisk.ingest.jsonl_reader import JsonlReader
from oprisk.ingest.mapping import load_mapping
from oprisk.ingest.models import (
    FINANCIAL_ITEMS,
    MOVEMENT_KINDS,
    FinancialRow,
    IncidentRow,
    MovementRow,
    Row,
)
from oprisk.ingest.readers import RecordReader, open_records
from oprisk.ingest.settings import Mapping
from oprisk.ingest.validate import RowResult, RowValidator, validate_row

__all__ = [
    "FINANCIAL_ITEMS",
    "MOVEMENT_KINDS",
    "FinancialRow",
    "IncidentRow",
    "MovementRow",
    "Row",
    "RowResult",
    "RowStream",
    "RowValidator",
    "read_rows",
    "validate_row",
]


class RowStream:
    """``read_rows``'s result: iterate for :class:`RowResult` s; ``columns`` and ``plan`` describe the file."""

    def __init__(self, reader: RecordReader, validator: RowValidator) -> None:
        self.reader, self.validator = reader, validator
        self.path, self.columns, self.plan = reader.path, reader.columns, validator.plan
        self.kind = validator.kind
        self._it = self._iter()

    def _iter(self) -> Iterator[RowResult]:
        validator = self.validator
        known = set(self.columns)
        dynamic = isinstance(self.reader, JsonlReader)
        with self.reader:
            for line, values, problems in self.reader:
                if problems and any(p.field is None for p in problems) and "_raw" in values:
                    # the record could not be parsed at all
                    yield RowResult(line, None, list(problems), values)
                    continue
                if dynamic and not known.issuperset(values):
                    known.update(values)
                    validator.add_columns(list(values))
                yield validator.validate(line, values, problems)

    def __iter__(self) -> Iterator[RowResult]:
        return self

    def __next__(self) -> RowResult:
        return next(self._it)

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> RowStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_rows(
    path: str | os.PathLike[str],
    kind: str | None = None,
    mapping: Mapping | str | os.PathLike[str] | None = None,
    *,
    sheet: str | int | None = None,
    today: date | None = None,
) -> RowStream:
    """Read → map → validate a file, streaming one :class:`RowResult` per record.

    ``kind`` defaults to the mapping's ``kind``; ``mapping`` is a :class:`Mapping`, a preset name
    or a TOML path (default ``canonical``). Fatal problems (unreadable file, missing columns)
    raise :class:`~oprisk.errors.IngestionError` here, before any row is yielded.
    """
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    kind = kind or m.kind
    if kind is None:
        raise MappingError(
            f"no kind given and mapping {m.name!r} sets none: use one of {', '.join(KINDS)}"
        )
    reader = open_records(
        path,
        sheet=sheet if sheet is not None else m.sheet,
        encoding=m.encoding,
        delimiter=m.delimiter,
        header_row=m.header_row,
        is_header=m.is_known_header,
        merged_cells=m.merged_cells,
    )
    try:
        validator = RowValidator(kind, m, reader.columns, today=today)
    except BaseException:
        reader.close()
        raise
    return RowStream(reader, validator)
