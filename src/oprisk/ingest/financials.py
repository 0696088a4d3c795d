"""Financials: only figures that differ from the latest known value for their key are recorded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from oprisk.ingest.models import FinancialRow
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
        items: list[dict[str, Any]] = []
        outcomes: list[str] = []
        for item in batch:
            row: FinancialRow = item.row
            key = (row.legal_entity, row.year, row.item, row.business_line or "")
            have = latest.get(key)
            if have is not None and have[0] == row.amount and have[1] == row.currency:
                outcomes.append("unchanged")
                continue
            outcomes.append("loaded" if have is None else "changed")
            latest[key] = (row.amount, row.currency)
            items.append({"legal_entity": row.legal_entity, "year": row.year, "item": row.item,
                          "business_line": row.business_line, "amount": row.amount,
                          "currency": row.currency})  # fmt: skip
        if items and not self.dry_run:
            recorded = self.db.record_financials(
                items, actor=self.actor, meta={"source": self.source, "file": self.path.name}
            )
            self.facts += len(recorded)
        for outcome in outcomes:
            self._count(outcome)
