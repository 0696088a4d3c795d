"""Financials: only figures that differ from the latest known value for their key are recorded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from oprisk.ingest.isolation import data_error, printable
from oprisk.ingest.models import FinancialRow
from oprisk.ingest.rejects import Reject
from oprisk.ingest.report import LoadReport
from oprisk.ingest.rows import RowStream
from oprisk.ingest.run import FileRun, Item

__all__ = ["FinancialRun"]


class FinancialRun(FileRun):
    """Loads a financials file: the figures of each entity, year, item and line that changed."""

    financials: dict[tuple[Any, ...], tuple[Decimal, str]] | None = None

    def execute(self, stream: RowStream, *, dry_run: bool) -> LoadReport:
        self.financials = None  # the latest figures, read once per pass (a dry run updates them)
        return super().execute(stream, dry_run=dry_run)

    def flush(self, batch: list[Item], final: bool) -> None:
        if not batch:
            return
        if self.financials is None:
            known = self.db.financials()
            self.financials = {
                (r.legal_entity, int(r.year), r.item, r.business_line or ""): (Decimal(r.amount), r.currency)
                for r in known.itertuples()
            }  # fmt: skip
        latest = self.financials
        todo: list[tuple[Item, str, tuple[Any, ...]]] = []
        for item in batch:
            row: FinancialRow = item.row
            key = (row.legal_entity, row.year, row.item, row.business_line or "")
            have = latest.get(key)
            if have is not None and have[0] == row.amount and have[1] == row.currency:
                self._count("unchanged")
                continue
            todo.append((item, "loaded" if have is None else "changed", key))
        self._record(todo)

    def _record(self, todo: list[tuple[Item, str, tuple[Any, ...]]]) -> None:
        """Record the changed figures in one transaction; a row that makes it fail is isolated
        (see :mod:`~oprisk.ingest.isolation`)."""
        if not todo:
            return
        if self.dry_run:
            self.facts += len(todo)
        else:
            figures = [_figure(item.row) for item, _, _ in todo]
            meta = {"source": self.source, "file": printable(self.path.name)}
            try:
                recorded = self.db.record_financials(figures, actor=self.actor, meta=meta)
            except Exception as exc:
                reason = data_error(exc)
                if reason is None:
                    raise
                if len(todo) == 1:
                    item = todo[0][0]
                    self._reject(item.line, [Reject(item.line, None, None, reason)], item.record,
                                 "store")  # fmt: skip
                    return
                half = len(todo) // 2
                self._record(todo[:half])
                self._record(todo[half:])
                return
            self.facts += len(recorded)
        assert self.financials is not None
        for item, outcome, key in todo:
            self.financials[key] = (item.row.amount, item.row.currency)
            self._count(outcome)


def _figure(row: FinancialRow) -> dict[str, Any]:
    return {"legal_entity": row.legal_entity, "year": row.year, "item": row.item,
            "business_line": row.business_line, "amount": row.amount, "currency": row.currency}  # fmt: skip
