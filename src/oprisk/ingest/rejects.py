"""Rejected input rows: the :class:`Reject` record and the ``<input>.rejects.csv`` writer.

Nothing is lost (design §7): every record that does not load is written next to the input with
its original cells and why it was refused. The file has **one line per rejected record**, the
original columns first (so a user can fix the cells and load the file again: the four extra
columns are ignored by every mapping) followed by

``line``    the line (CSV, JSON Lines) or sheet row (XLSX) the record starts on;
``field``   the fields at fault, ``; ``-joined (source header, with the canonical name if different);
``value``   their raw values, ``; ``-joined;
``reason``  one house-format message per problem, ``; ``-joined.

It is written as UTF-8 with a BOM so that Excel opens Chinese text correctly, through a new
temporary file in the same folder (mode 0640, never through a symlink) renamed on close; a run
without rejects removes a stale rejects file of an earlier run. Text cells that a spreadsheet would
run as a formula are escaped (:func:`oprisk.safefiles.csv_cell`). A cell longer than ``max_cell``
characters is cut (it was rejected for its length anyway), so a hostile input cannot make a
rejects file as large as itself. Where the input's folder is not writable, the rejects go where
``--rejects`` says; :meth:`RejectsWriter.check` finds out before anything is loaded.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from oprisk.errors import IngestionError, invalid
from oprisk.safefiles import FILE_MODE, csv_row

__all__ = ["REJECT_COLUMNS", "Reject", "RejectsWriter", "rejects_path", "write_rejects"]

REJECT_COLUMNS = ("line", "field", "value", "reason")


@dataclass(frozen=True, slots=True)
class Reject:
    """One problem with one input record.

    ``field`` is the canonical field (``gross_loss``) or ``None`` for a problem with the whole
    record (a truncated line, malformed JSON); ``column`` is the source header when it differs;
    ``value`` is the raw cell text; ``reason`` states the rule that was broken.
    """

    line: int
    field: str | None
    value: str | None
    reason: str
    column: str | None = None

    @property
    def message(self) -> str:
        """The house-format message: ``invalid value '-3' for 'gross_loss': must be ≥ 0``."""
        if self.field is None:
            return self.reason
        return invalid(self.label, self.value, self.reason)

    @property
    def label(self) -> str:
        """The field as a user knows it: the source header, with the canonical name if different."""
        if self.field is None:
            return ""
        if self.column and self.column != self.field:
            return f"{self.column} → {self.field}"
        return self.field

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def rejects_path(
    input_path: str | os.PathLike[str], where: str | os.PathLike[str] | None = None
) -> Path:
    """``data/losses.csv`` → ``data/losses.csv.rejects.csv``; ``where`` an existing folder → the
    same name in it, any other path → that path."""
    p = Path(input_path)
    name = p.name + ".rejects.csv"
    if where is None:
        return p.with_name(name)
    target = Path(where)
    return target / name if target.is_dir() else target


class RejectsWriter:
    """Stream rejected records to ``<input>.rejects.csv``; use as a context manager.

    ``columns`` are the input's original columns. Keys of a record that are not among them (JSON
    Lines objects need not share keys) go, as a JSON object, into an extra ``_other`` column.
    """

    def __init__(
        self,
        input_path: str | os.PathLike[str],
        columns: Sequence[str],
        *,
        where: str | os.PathLike[str] | None = None,
        max_cell: int | None = None,
    ) -> None:
        self.path = rejects_path(input_path, where)
        self.max_cell = max_cell
        self.warning: str | None = None  # a stale rejects file that could not be removed
        self.columns = list(columns)
        self.count = 0
        self._known = set(self.columns)
        self._extra = [c if c not in self._known else f"reject_{c}" for c in REJECT_COLUMNS]
        self._tmp = self.path
        self._file: object | None = None
        self._writer: Any = None
        self._header = [*self.columns, *self._extra]
        self._has_other = False

    def add(self, line: int, rejects: Iterable[Reject], record: dict[str, str | None]) -> None:
        """Write one rejected record with all its problems."""
        rejects = list(rejects)
        if not rejects:
            return
        if self._writer is None:
            self._open()
        row: list[object] = [self._cell(record.get(c)) for c in self.columns]
        row.append(line)
        row.append("; ".join(r.label for r in rejects if r.field))
        row.append("; ".join("" if r.value is None else r.value for r in rejects if r.field))
        row.append("; ".join(r.message for r in rejects))
        other = {k: self._cell(v) for k, v in record.items() if k not in self._known}
        if other:
            row.append(json.dumps(other, ensure_ascii=False))
            self._has_other = True
        self._writer.writerow(csv_row(row))
        self.count += 1

    def check(self) -> None:
        """Make sure the rejects file can be written (before anything is loaded)."""
        try:
            if self.path.is_dir():  # the final rename onto it would fail after the load
                raise IsADirectoryError(21, "a folder has that name")
            fd, probe = _new_temp(self.path)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise IngestionError(
                f"cannot write the rejects file {str(self.path)!r} ({exc.strerror or exc}); pass "
                "--rejects PATH (a file, or a folder for several inputs) to write it elsewhere"
            ) from None

    def _open(self) -> None:
        try:
            fd, tmp = _new_temp(self.path)
            self._tmp = Path(tmp)
            # surrogates a JSON line smuggled in are written escaped, not refused
            fh = open(fd, "w", encoding="utf-8-sig", errors="backslashreplace", newline="")  # noqa: SIM115
        except OSError as exc:
            raise IngestionError(
                f"cannot write the rejects file {str(self.path)!r} ({exc.strerror or exc})"
            ) from None
        self._file = fh
        self._writer = csv.writer(fh)
        self._writer.writerow(csv_row(self._header))

    def _cell(self, value: str | None) -> str | None:
        if value is None or self.max_cell is None or len(value) <= self.max_cell:
            return value
        return f"{value[:200]}… [cut: {len(value):,} characters in the input]"

    def close(self) -> Path | None:
        """Finish the file; return its path, or ``None`` (and remove a stale file) if nothing was rejected."""
        if self._writer is None:
            try:
                self.path.unlink(missing_ok=True)
            except OSError as exc:
                self.warning = (
                    f"could not remove the rejects file of an earlier run {str(self.path)!r} "
                    f"({exc.strerror or exc}); nothing was rejected this time"
                )
            return None
        fh = self._file
        assert hasattr(fh, "close")
        fh.close()
        self._writer = None
        try:
            if self._has_other:
                _add_other_header(self._tmp, self._header)
            os.replace(self._tmp, self.path)
        except OSError as exc:
            raise IngestionError(
                f"cannot write the rejects file {str(self.path)!r} ({exc.strerror or exc})"
            ) from None
        return self.path

    def __enter__(self) -> RejectsWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        elif self._file is not None:
            self._file.close()  # type: ignore[attr-defined]
            self._tmp.unlink(missing_ok=True)


def _add_other_header(path: Path, header: list[str]) -> None:
    """Rewrite the first line to name the ``_other`` column (rare: JSON Lines with stray keys)."""
    fd, done = _new_temp(path)
    with (
        open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as src,
        open(fd, "w", encoding="utf-8-sig", errors="surrogateescape", newline="") as dst,
    ):
        src.readline()
        csv.writer(dst).writerow(csv_row([*header, "_other"]))
        for chunk in iter(lambda: src.read(1 << 20), ""):
            dst.write(chunk)
    os.replace(done, path)


def _new_temp(path: Path) -> tuple[int, str]:
    """A new file next to ``path`` (never an existing one, never through a symlink), mode 0640."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, FILE_MODE)
    return fd, tmp


def write_rejects(
    input_path: str | os.PathLike[str],
    rejected: Iterable[tuple[int, Sequence[Reject], dict[str, str | None]]],
    original_columns: Sequence[str],
) -> Path | None:
    """Write ``(line, rejects, original record)`` triples to ``<input>.rejects.csv``.

    Returns the path written, or ``None`` when there was nothing to reject.
    """
    with RejectsWriter(input_path, original_columns) as writer:
        for line, rejects, record in rejected:
            writer.add(line, rejects, record)
    return writer.path if writer.count else None
