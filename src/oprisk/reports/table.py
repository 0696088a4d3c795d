"""The report model shared by builders and writers: a period, a knowledge cut-off, a table.

A :class:`Table` is one template filled in: cells keyed by the template's row and column codes,
row / column labels, and the *kind* of every row (``count``, ``amount``, ``ratio``, ``text``,
``date``) that decides how writers format it. Cell values are plain Python values — ``int`` for
counts, ``Decimal`` for amounts (already rounded to cents) and ratios, ``str``, ``date`` — or
``None`` for an empty cell, so every writer formats them the same way on every platform.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from oprisk.errors import ConfigurationError, invalid

CENT = Decimal("0.01")
KINDS = ("count", "amount", "ratio", "text", "date")


def money(value: Decimal | int) -> Decimal:
    """An amount rounded to cents (half up), for presentation only."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Period:
    """A reporting period from 1 January to its end: a calendar year (``2025``), its first half
    (``2025-H1``, the interim June submission) or a quarter-end reference date (``2026-06-30``)."""

    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, value: str | int | Period) -> Period:
        if isinstance(value, Period):
            return value
        text = str(value).strip().upper()
        m = re.fullmatch(r"(\d{4})(?:-(H1))?", text)
        if m:
            year = int(m.group(1))
            if m.group(2):
                return cls(f"{year}-H1", date(year, 1, 1), date(year, 6, 30))
            return cls(str(year), date(year, 1, 1), date(year, 12, 31))
        try:
            end = date.fromisoformat(text)
        except ValueError:
            end = None
        if end is None or (end.month, end.day) not in QUARTER_ENDS:
            raise ConfigurationError(
                invalid(
                    "period",
                    value,
                    "must be a year (2025), its first half (2025-H1) or a quarter-end reference "
                    "date (2026-06-30)",
                )
            )
        return cls(end.isoformat(), date(end.year, 1, 1), end)

    @property
    def interim(self) -> bool:
        """The period ends before 31 December (an interim submission)."""
        return (self.end.month, self.end.day) != (12, 31)

    @property
    def capital_year(self) -> int:
        """Year t of the capital templates: the last financial year ended by the period's end."""
        return self.end.year if not self.interim else self.end.year - 1

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))


@dataclass(frozen=True)
class Cutoff:
    """The knowledge cut-off every figure was read at: a log position and its recorded time."""

    position: int
    time: datetime | None

    @property
    def time_iso(self) -> str | None:
        return self.time.astimezone(UTC).isoformat() if self.time else None

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "time": self.time_iso}

    def describe(self) -> str:
        return f"log position {self.position}" + (
            f", recorded {self.time_iso}" if self.time else " (empty log)"
        )


@dataclass(frozen=True)
class Table:
    """One filled-in template.

    ``rows`` and ``columns`` are the template's codes in order, header rows / columns (which
    carry a code and a label but no data) included; ``na`` lists the cells that are not
    applicable (shaded, never filled). An **open** table (C 16.04, C 17.02) has one row per
    key: ``rows`` are row ids, ``keys`` their key-column values, ``key_columns`` the codes and
    labels of those columns. ``notes`` explain how figures were derived: they go to the manifest,
    never into the files a supervisor receives.
    """

    code: str  # "c17.01" (legacy) or "c_17.01.a" (EBA 4.2)
    template: str  # "C 17.01" / "C 17.01.a"
    title: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    row_labels: Mapping[str, str]
    column_labels: Mapping[str, str]
    row_kinds: Mapping[str, str]
    cells: Mapping[tuple[str, str], Any]
    period: Period
    cutoff: Cutoff
    currency: str
    notes: tuple[str, ...] = ()
    #: per-cell kind overrides (e.g. a ten-year average in a count row)
    cell_kinds: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: per-column kinds (open tables), used when a row has no kind
    column_kinds: Mapping[str, str] = field(default_factory=dict)
    #: (row code, heading) pairs: a heading shown above that row in the workbook
    sections: tuple[tuple[str, str], ...] = ()
    na: frozenset[tuple[str, str]] = frozenset()
    header_rows: frozenset[str] = frozenset()
    header_columns: frozenset[str] = frozenset()
    key_columns: tuple[tuple[str, str], ...] = ()  # (code, label) of an open table's keys
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    framework: str = "legacy"

    @property
    def open(self) -> bool:
        return bool(self.key_columns)

    def applicable(self, row: str, column: str) -> bool:
        return (
            row not in self.header_rows
            and column not in self.header_columns
            and (row, column) not in self.na
        )

    def kind(self, row: str, column: str) -> str:
        return (
            self.cell_kinds.get((row, column))
            or self.row_kinds.get(row)
            or self.column_kinds.get(column, "text")
        )

    def value(self, row: str, column: str) -> Any:
        return self.cells.get((row, column))

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame indexed by row code, one column per column code.

        Amounts and ratios become floats; a table with only numbers is ``float64`` (empty cells
        NaN), otherwise ``object``. ``attrs`` carry the template, labels, period and cut-off.
        """
        numeric = all(isinstance(v, int | Decimal) or v is None for v in self.cells.values())
        data = [[_py(self.cells.get((r, c)), numeric) for c in self.columns] for r in self.rows]
        frame = pd.DataFrame(
            data,
            index=pd.Index(list(self.rows), name="row"),
            columns=pd.Index(list(self.columns), name="column"),
        )
        if numeric:
            frame = frame.astype("float64")
        frame.attrs.update(
            template=self.template,
            title=self.title,
            currency=self.currency,
            period=self.period.to_dict(),
            knowledge_cutoff=self.cutoff.to_dict(),
            row_labels=dict(self.row_labels),
            column_labels=dict(self.column_labels),
            notes=list(self.notes),
        )
        return frame


def _py(value: Any, numeric: bool) -> Any:
    if value is None:
        return float("nan") if numeric else None
    if isinstance(value, Decimal):
        return float(value)
    return value
