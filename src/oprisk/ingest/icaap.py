"""Scenario workshop files and external loss files (``--kind scenarios`` / ``--kind external``).

* ``scenarios``: one row per severity point. The rows of a scenario are gathered over the whole
  file (a scenario's points need not be adjacent), its fields must agree across them (blank after
  the first row is fine), and the scenario is then decided by the domain
  (:mod:`oprisk.domain.scenario_rules`): a consistency rule broken rejects every row of that
  scenario with the rule named; the other scenarios load. A scenario whose content is exactly the
  latest revision's is unchanged; other content is a new revision (a draft, to be approved).
* ``external``: one row per external loss, ``source`` defaulting to the load's source; a row
  whose content is its loss's latest is unchanged, other content revises it.
"""

from __future__ import annotations

from typing import Any

from oprisk.domain.external_losses import external_loss_fact
from oprisk.domain.scenarios import ExternalLossRecorded
from oprisk.errors import DomainError, IngestionError, invalid
from oprisk.ingest.isolation import printable
from oprisk.ingest.models import ExternalRow, ScenarioRow
from oprisk.ingest.rejects import Reject
from oprisk.ingest.report import LoadReport
from oprisk.ingest.rows import RowStream
from oprisk.ingest.run import FileRun, Item
from oprisk.services.external_losses import external_outcomes, record_external_losses
from oprisk.services.scenarios import plan_scenario, record_scenario

__all__ = ["MAX_SCENARIO_ROWS", "ExternalRun", "ScenarioRun"]

#: a scenario file's rows are held until the whole file is read (a workshop has tens of rows)
MAX_SCENARIO_ROWS = 100_000

#: the fields of a scenario (not of one severity point): they must agree across its rows
_SCENARIO_FIELDS = (
    "event_type", "business_line", "title", "narrative", "workshop_on", "owner", "participants",
    "frequency", "frequency_low", "frequency_high", "currency",
)  # fmt: skip


class ScenarioRun(FileRun):
    """Loads a scenario workshop file: each scenario once all its rows are read."""

    def execute(self, stream: RowStream, *, dry_run: bool) -> LoadReport:
        self.pending: dict[str, list[Item]] = {}
        self.refused: dict[str, int] = {}  # scenario id → the first of its rows rejected
        self.held = 0
        return super().execute(stream, dry_run=dry_run)

    def _reject(
        self,
        line: int,
        rejects: list[Reject],
        record: dict[str, str | None],
        stage: str,
        event_id: str | None = None,
    ) -> None:
        sid = (self._raw("scenario_id", record) or "").strip()
        if sid:
            self.refused.setdefault(sid, line)
        super()._reject(line, rejects, record, stage, event_id)

    def flush(self, batch: list[Item], final: bool) -> None:
        for item in batch:
            row: ScenarioRow = item.row
            self.pending.setdefault(row.scenario_id, []).append(item)
            self.held += 1
            if self.held > MAX_SCENARIO_ROWS:  # held until the file is read: bounded
                raise IngestionError(
                    invalid(str(self.path), f"{self.held:,} rows", f"a scenario file holds at most "
                            f"{MAX_SCENARIO_ROWS:,} severity points; split it")
                )  # fmt: skip

    def finish(self) -> None:
        for sid, items in self.pending.items():
            self._scenario(sid, items)
        self.pending = {}

    def _scenario(self, sid: str, items: list[Item]) -> None:
        if sid in self.refused:  # a scenario loads whole or not at all
            message = invalid("scenario_id", sid, f"line {self.refused[sid]} of this scenario "
                              "was rejected: a scenario loads whole [rule scenario_whole]")  # fmt: skip
            for item in items:
                self._domain_reject(item, "scenario_id", message)
            return
        fields: dict[str, Any] = {}
        for name in _SCENARIO_FIELDS:
            values = {getattr(i.row, name) for i in items} - {None}
            if len(values) > 1:
                shown = sorted(map(str, values))
                message = invalid(name, shown, f"must be the same on every row of scenario "
                                  f"{sid!r} [rule scenario_rows_agree]")  # fmt: skip
                for item in items:
                    self._domain_reject(item, name, message)
                return
            fields[name] = values.pop() if values else None
        fields["severities"] = [
            {"label": i.row.severity_label or "", "return_period": i.row.return_period,
             "quantile": i.row.quantile, "amount": i.row.amount}
            for i in items
        ]  # fmt: skip
        reason = f"loaded from {printable(self.path.name)}"
        try:
            facts, before = plan_scenario(self.db, sid, actor=self.actor, reason=reason, **fields)
            if facts and not self.dry_run:
                facts = record_scenario(self.db, sid, actor=self.actor, reason=reason, **fields)  # type: ignore[assignment]
        except DomainError as exc:
            for item in items:
                self._domain_reject(item, _field_of(str(exc)), str(exc))
            return
        self.facts += len(facts)
        outcome = "unchanged" if not facts else ("loaded" if before == "none" else "changed")
        for _ in items:
            self._count(outcome)


class ExternalRun(FileRun):
    """Loads an external loss file: the losses that are new or whose content changed."""

    def flush(self, batch: list[Item], final: bool) -> None:
        todo: list[tuple[Item, ExternalLossRecorded]] = []
        for item in batch:
            row: ExternalRow = item.row
            fields = {
                k: v
                for k, v in row.__dict__.items()
                if k not in ("event_type_l2", "business_line_l2")
            }
            fields["event_type"] = row.event_type_l2 or row.event_type
            fields["business_line"] = row.business_line_l2 or row.business_line
            fields["source"] = row.source or self.source
            try:
                todo.append((item, external_loss_fact(fields)))
            except DomainError as exc:
                self._domain_reject(item, None, str(exc))
        if not todo:
            return
        outcomes = external_outcomes(self.db, [f for _, f in todo])
        fresh = [f for (_, f), o in zip(todo, outcomes, strict=True) if o != "unchanged"]
        if fresh and not self.dry_run:
            record_external_losses(self.db, fresh, actor=self.actor, command="LoadExternalLoss")
        self.facts += len(fresh)
        for outcome in outcomes:
            self._count(outcome)


def _field_of(message: str) -> str | None:
    """The column a domain message is about, when it names no column of the file (the rejects
    file's ``field``): a severity point's → ``amount``, the frequency range → ``frequency``; a
    message naming a column (``'frequency'``) is placed by the run itself."""
    if " for 'severities" in message:
        return "amount"
    if " for 'frequency range'" in message:
        return "frequency"
    return None
