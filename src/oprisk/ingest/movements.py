"""Movements: one ledger line per row, ``line_id = f"{source}:{line_id}"`` (idempotent by id)."""

from __future__ import annotations

from typing import cast

from pydantic import ValidationError

from oprisk.domain import commands as c
from oprisk.domain.events import ImpactKind, RecoveryKind
from oprisk.ingest.batches import BatchRun
from oprisk.ingest.incidents import MAX_ID
from oprisk.ingest.models import MovementRow
from oprisk.ingest.run import Item, RowRejected, pydantic_message

__all__ = ["MovementRun"]

_RESERVED = ("gross:", "insurance:", "other:")  # line ids the incidents loader writes per source
_RECOVERY_KINDS: dict[str, RecoveryKind] = {
    "recovery_insurance": "insurance",
    "recovery_other": "other",
}


class MovementRun(BatchRun):
    """Loads a movements file: one impact or recovery line per row, on an existing event."""

    def flush(self, batch: list[Item], final: bool) -> None:
        if batch:
            self._try(batch, self._plan_movements)

    def _plan_movements(self, batch: list[Item]) -> list[Item]:
        src = self.source
        ids: set[str] = set()
        for item in batch:
            ids.update((f"{src}:{item.row.external_id}", item.row.external_id))
            item.commands, item.outcome = [], ""
        states = self._before = self._states(ids)
        working = dict(states)
        done: list[Item] = []
        for item in batch:
            row: MovementRow = item.row
            own, bare = f"{src}:{row.external_id}", row.external_id
            item.event_id = own if own in working else bare if bare in working else own
            try:
                if item.event_id not in working:
                    raise RowRejected(
                        "external_id",
                        f"no loss event {own!r} (nor {bare!r}); load its incident first, with the "
                        "same --source",
                    )
                if row.line_id.startswith(_RESERVED):
                    raise RowRejected("line_id", "line ids starting with gross:, insurance: or "
                                       "other: are reserved for the incidents loader")  # fmt: skip
                line_id = f"{src}:{row.line_id}"
                if len(line_id) > MAX_ID:
                    raise RowRejected(
                        "line_id", f"is too long: source and id must fit in {MAX_ID} characters"
                    )
                cmd: c.Command
                if row.kind in _RECOVERY_KINDS:
                    cmd = c.RecordRecovery(
                        event_id=item.event_id, actor=self.actor, line_id=line_id,
                        kind=_RECOVERY_KINDS[row.kind], amount=row.amount,
                        currency=row.currency, accounted_on=row.accounted_on, received=row.received,
                    )  # fmt: skip
                else:
                    cmd = c.RecordImpact(
                        event_id=item.event_id, actor=self.actor, line_id=line_id,
                        kind=cast(ImpactKind, row.kind), amount=row.amount, currency=row.currency, accounted_on=row.accounted_on,
                    )  # fmt: skip
            except RowRejected as why:
                self._refuse(item, why.field, why.reason)
                continue
            except ValidationError as err:
                self._refuse(item, None, pydantic_message(err))
                continue
            item.commands = [(cmd, "amount")]
            if self._dry_run(item, working):
                item.outcome = item.outcome or "loaded"
                done.append(item)
        return done
