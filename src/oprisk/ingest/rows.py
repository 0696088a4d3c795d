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
from dataclasses import replace
from datetime import date

from oprisk.errors import MappingError
from oprisk.ingest.columns import ColumnPlan, suspicious_columns
from oprisk.ingest.conventions import Convention, detect_convention
from oprisk.ingest.fields import AMOUNT_FIELDS, KINDS
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
from oprisk.ingest.rejects import REJECT_COLUMNS, Reject
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
    "columns_problem",
    "read_rows",
    "validate_row",
]


class RowStream:
    """``read_rows``'s result: iterate for :class:`RowResult` s; ``columns`` and ``plan`` describe
    the file, ``convention`` how its amounts are read (``None``: the mapping declares it)."""

    def __init__(
        self,
        reader: RecordReader,
        validator: RowValidator,
        convention: Convention | None = None,
        strict_columns: bool = False,
    ) -> None:
        self.reader, self.validator, self.convention = reader, validator, convention
        self.path, self.columns = reader.path, reader.columns
        self.kind = validator.kind
        self.strict_columns = strict_columns
        self._it = self._iter()

    @property
    def plan(self) -> ColumnPlan:
        """How the columns seen so far map (JSON Lines keys can appear mid-file)."""
        return self.validator.plan

    def _iter(self) -> Iterator[RowResult]:
        validator = self.validator
        known = set(self.columns)
        refused: dict[str, str] = {}  # JSON Lines keys that appeared mid-file and cannot be used
        dynamic = self.reader.columns_can_grow
        with self.reader:
            for line, values, problems in self.reader:
                if problems and any(p.field is None for p in problems) and "_raw" in values:
                    # the record could not be parsed at all
                    yield RowResult(line, None, list(problems), values)
                    continue
                if dynamic and not known.issuperset(values):
                    self._learn([k for k in values if k not in known], refused)
                    known.update(values)
                if refused and not refused.keys().isdisjoint(values):
                    bad = [Reject(line, None, k, refused[k]) for k in values if k in refused]
                    yield RowResult(line, None, bad, values)
                    continue
                yield validator.validate(line, values, problems)

    def _learn(self, new: list[str], refused: dict[str, str]) -> None:
        try:
            self.validator.add_columns(new)
        except MappingError as exc:
            refused.update(dict.fromkeys(new, str(exc)))
            return
        why = columns_problem(
            [k for k in new if k in self.validator.plan.unmapped],
            self.kind, self.validator.mapping, self.strict_columns,
        )  # fmt: skip
        for key, message in why.items():
            refused[key] = message

    def __iter__(self) -> Iterator[RowResult]:
        return self

    def __next__(self) -> RowResult:
        return next(self._it)

    def close(self) -> None:
        self.reader.close()
        self.validator.close()

    def __enter__(self) -> RowStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def columns_problem(
    unmapped: list[str], kind: str, mapping: Mapping, strict: bool
) -> dict[str, str]:
    """Unmapped columns that cannot stay so: close to a known field or alias (with a "did you
    mean"), or any unmapped column with ``strict``. Column → the message."""
    out: dict[str, str] = {}
    close = suspicious_columns(unmapped, kind, mapping.columns)
    for header in unmapped:
        if header in close:
            name, field = close[header]
            out[header] = (
                f"column {header!r} is not mapped; did you mean {field!r} (like {name!r})? map "
                f'it in [columns] ("{header}" = "{field}") or list it in ignore'
            )
        elif strict:
            out[header] = (
                f"column {header!r} is not mapped (strict); map it in [columns] or list it in ignore"
            )
    return out


def _rejects_columns(path: str | os.PathLike[str], columns: list[str]) -> frozenset[str]:
    """The columns a rejects file adds to the original ones (line, field, value, reason, _other):
    loading a fixed rejects file leaves them unused."""
    if not str(path).lower().endswith(".rejects.csv"):
        return frozenset()
    tail = columns[-5:] if columns and columns[-1] == "_other" else columns[-4:]
    names = {*REJECT_COLUMNS, *(f"reject_{c}" for c in REJECT_COLUMNS), "_other"}
    return frozenset(c for c in tail if c in names)


def read_rows(
    path: str | os.PathLike[str],
    kind: str | None = None,
    mapping: Mapping | str | os.PathLike[str] | None = None,
    *,
    sheet: str | int | None = None,
    today: date | None = None,
    strict_columns: bool = False,
) -> RowStream:
    """Read → map → validate a file, streaming one :class:`RowResult` per record.

    ``kind`` defaults to the mapping's ``kind``; ``mapping`` is a :class:`Mapping`, a preset name
    or a TOML path (default ``canonical``). Fatal problems (unreadable file, missing columns, an
    unmapped column close to a known one, any unmapped column with ``strict_columns``, amounts
    that read two ways) raise :class:`~oprisk.errors.IngestionError` here, before any row is
    yielded. Unless the mapping declares ``decimal`` and ``thousands``, the file's number
    convention is detected from its amounts (:mod:`oprisk.ingest.conventions`).
    """
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    kind = kind or m.kind
    if kind is None:
        raise MappingError(
            f"no kind given and mapping {m.name!r} sets none: use one of {', '.join(KINDS)}"
        )

    def reopen() -> RecordReader:
        return open_records(
            path,
            sheet=sheet if sheet is not None else m.sheet,
            encoding=m.encoding,
            delimiter=m.delimiter,
            header_row=m.header_row,
            is_header=m.is_known_header,
            merged_cells=m.merged_cells,
            limits=m.limits,
        )

    reader = reopen()
    where = repr(str(path))
    try:
        ignore = _rejects_columns(path, reader.columns)
        try:
            validator = RowValidator(kind, m, reader.columns, today=today, ignore_headers=ignore)
        except MappingError as exc:  # columns missing or mapped twice: name the file
            raise MappingError(f"cannot load {where}: {exc}") from None
        bad = columns_problem(list(validator.plan.unmapped), kind, m, strict_columns)
        if bad:
            raise MappingError(f"cannot load {where}: " + "; ".join(bad.values()))
        convention = None
        amounts = [h for f, h in validator.plan.sources.items() if f in AMOUNT_FIELDS]
        if not m.numbers_declared and amounts:
            with reader.again() or reopen() as again:
                convention = detect_convention(again, amounts, m.currency_symbols, where)
            if convention.line is not None:
                m = replace(m, decimal=convention.decimal, thousands=convention.thousands)
                hint = (f"; this file's amounts read with decimal {m.decimal!r} and thousands "
                        f"{m.thousands!r} ({convention.evidence()}): if that is wrong, set [read] "
                        "decimal and thousands in a mapping")  # fmt: skip
                validator = RowValidator(kind, m, reader.columns, today=today,
                                         ignore_headers=ignore, number_hint=hint)  # fmt: skip
    except BaseException:
        reader.close()
        raise
    return RowStream(reader, validator, convention, strict_columns)
