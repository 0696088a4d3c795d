"""Incidents: a row is the source system's view of a loss event now; only the difference is appended.

First seen: the event is reported (with its grouping link, gross loss, recoveries, exclusion and
withdrawal). Seen before: an amendment, a reclassification, a link, a new ledger line for an
amount that moved (line ids ``{source}:gross:{n}`` etc., numbered deterministically), a
withdrawal. Amounts are compared with the totals of the lines the incidents loader of that source
created, so movements loaded separately are not double counted. Roots are planned before the
rows grouped under them; a child whose root comes later in the file waits until the end.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from oprisk.domain import commands as c
from oprisk.domain.events import RecoveryKind
from oprisk.domain.loss_event import LossEventState, initial
from oprisk.ingest.batches import BatchRun
from oprisk.ingest.models import IncidentRow
from oprisk.ingest.run import Item, RowRejected, pydantic_message

__all__ = ["MAX_ID", "IncidentRun"]

_ZERO = Decimal(0)
MAX_ID = 200  # stream ids and line ids are VARCHAR(200)


class IncidentRun(BatchRun):
    """Loads an incidents file: reports, amendments, reclassifications, links, amount deltas."""

    def flush(self, batch: list[Item], final: bool) -> None:
        if batch:
            self._try(batch, lambda items: self._plan_incidents(items, final))

    def _plan_incidents(self, batch: list[Item], final: bool) -> list[Item]:
        src = self.source
        ids: set[str] = set()
        for item in batch:
            row: IncidentRow = item.row
            item.event_id = f"{src}:{row.external_id}"
            item.commands, item.outcome = [], ""
            ids.add(item.event_id)
            if row.root_external_id:
                ids.add(f"{src}:{row.root_external_id}")
        states = self._before = self._states(ids)
        working = dict(states)
        roots = self._group_roots(i.event_id for i in batch if i.row.root_external_id)
        self._batch_roots: set[str] = set()
        self._batch_new: dict[str, str | None] = {}  # new events of this batch → their root
        # roots (and rows that are not grouped) before the children grouped under them
        ordered = [i for i in batch if not i.row.root_external_id] + [
            i for i in batch if i.row.root_external_id
        ]
        done: list[Item] = []
        for item in ordered:
            assert item.event_id is not None
            state = working.get(item.event_id)
            try:
                if len(item.event_id) > MAX_ID:
                    raise RowRejected(
                        "external_id",
                        f"is too long: source and id must fit in {MAX_ID} characters",
                    )
                item.commands = self._incident_commands(item.row, item.event_id, state)
                defer = self._check_root(item, working, final)
            except RowRejected as why:
                self._refuse(item, why.field, why.reason)
                continue
            except ValidationError as err:  # a command refused a value the row model accepted
                self._refuse(item, None, pydantic_message(err))
                continue
            if defer:
                self._deferring.append(item)
                continue
            if state is None or not state.exists:
                # A new event: refuse an accounting date before the occurrence as the row's
                # (``decide`` would too, with the command's wording)
                on = item.row.accounted_on or self.today
                occurred = item.row.occurred_on
                if (
                    occurred
                    and on < occurred
                    and any(isinstance(x, c._Line) for x, _ in item.commands)
                ):
                    self._refuse(item, "accounted_on",
                                 f"must not be before occurred_on {occurred.isoformat()}")  # fmt: skip
                    continue
                if not self._dry_run(item, working, roots):
                    continue
                item.outcome = "loaded"
                root = f"{src}:{item.row.root_external_id}" if item.row.root_external_id else None
                self._batch_new[item.event_id] = item.root = root
                done.append(item)
                continue
            if not self._dry_run(item, working, roots):
                continue
            if not item.outcome:
                item.outcome = "changed" if state is not None and state.exists else "loaded"
            item.root = working[item.event_id].root_event_id
            done.append(item)
        return done

    def _committed(self, items: list[Item]) -> None:
        if self.dry_run:  # later batches of a dry run find these events here, not in the database
            for item in items:
                assert item.event_id is not None
                self.registry[item.event_id] = item.root

    def _check_root(self, item: Item, working: dict[str, LossEventState], final: bool) -> bool:
        """Validate a planned grouping link; ``True`` = defer the row (its root may come later)."""
        link = next((cmd for cmd, _ in item.commands if isinstance(cmd, c.LinkLossEvent)), None)
        if link is None or link.root_event_id is None:
            return False
        root_id = link.root_event_id
        ext = item.row.root_external_id
        if item.event_id in self._batch_roots:
            raise RowRejected(
                "root_external_id",
                f"{item.row.external_id!r} is the root of a group (a row above is grouped under "
                "it); a root cannot be grouped under another event",
            )
        root = working.get(root_id)
        refused = {i.event_id: i.line for i, _, _ in self._pending if i.event_id}
        if root is not None and root.exists:
            grouped_under = root.root_event_id
        elif root_id in self._batch_new:
            grouped_under = self._batch_new[root_id]
        elif root_id in self.registry:
            grouped_under = self.registry[root_id]
        elif root_id in self.rejected_ids or root_id in refused:
            line = self.rejected_ids.get(root_id) or refused[root_id]
            raise RowRejected(
                "root_external_id",
                f"the root event {ext!r} was rejected (line {line}); fix it first",
            )
        elif not final:
            return True
        else:
            raise RowRejected(
                "root_external_id",
                f"no loss event {root_id!r}: the root {ext!r} is neither in the database nor "
                "loaded from this file",
            )
        if grouped_under is not None:
            raise RowRejected(
                "root_external_id",
                f"{ext!r} is itself grouped under {grouped_under!r}; group under that root",
            )
        self._batch_roots.add(root_id)
        return False

    def _incident_commands(
        self, row: IncidentRow, event_id: str, state: LossEventState | None
    ) -> list[tuple[c.Command, str | None]]:
        src, actor = self.source, self.actor
        out: list[tuple[c.Command, str | None]] = []
        et = row.event_type_l2 or row.event_type
        bl = row.business_line_l2 or row.business_line
        want = _descriptive(row)
        root = f"{src}:{row.root_external_id}" if row.root_external_id else None
        if state is None or not state.exists:
            out.append((c.ReportLossEvent(
                event_id=event_id, actor=actor, event_type=et, cause=row.cause, business_line=bl,
                currency=row.currency, source=src, external_id=row.external_id, **want,
            ), None))  # fmt: skip
            if root is not None:
                out.append(
                    (
                        c.LinkLossEvent(event_id=event_id, actor=actor, root_event_id=root),
                        "root_external_id",
                    )
                )
            state = initial(event_id)
            if row.deleted:  # report what the source had, then withdraw it
                out += self._amount_commands(row, event_id, state)
                out += self._exclusion(row, event_id, state)
                out.append((self._withdrawal(event_id), "deleted"))
                return out
        else:
            if state.status == "withdrawn":
                if row.deleted:
                    return []
                raise RowRejected(
                    "deleted",
                    f"loss event {event_id!r} was withdrawn (deleted in an earlier load); a "
                    "withdrawn event cannot change or come back: report it under a new external id",
                )
            if row.deleted:
                return [(self._withdrawal(event_id), "deleted")]
            if row.currency != state.currency:
                raise RowRejected(
                    "currency",
                    f"changed from {state.currency} (the event's currency cannot change; withdraw "
                    "the event and report it under a new external id)",
                )
            changes = {k: v for k, v in want.items() if getattr(state, k) != v}
            if "occurred_on" in changes and changes["occurred_on"] is None:
                raise RowRejected(
                    "occurred_on",
                    f"is blank but the event occurred on {state.occurred_on}; a known occurrence "
                    "date cannot be cleared (correct it instead)",
                )
            if changes:
                out.append((c.AmendLossEvent(event_id=event_id, actor=actor, changes=changes,
                                             reason=f"changed in {src}"), None))  # fmt: skip
            if (
                et != state.event_type
                or bl != state.business_line
                or (row.cause is not None and row.cause != state.cause)
            ):
                out.append((c.ReclassifyLossEvent(
                    event_id=event_id, actor=actor, event_type=et, business_line=bl,
                    cause=row.cause, reason=f"reclassified in {src}",
                ), "event_type"))  # fmt: skip
            if root != state.root_event_id and (
                root is not None or (state.root_event_id or "").startswith(f"{src}:")
            ):
                out.append(
                    (
                        c.LinkLossEvent(event_id=event_id, actor=actor, root_event_id=root),
                        "root_external_id",
                    )
                )
        out += self._amount_commands(row, event_id, state)
        out += self._exclusion(row, event_id, state)
        return out

    def _withdrawal(self, event_id: str) -> c.WithdrawLossEvent:
        return c.WithdrawLossEvent(
            event_id=event_id, actor=self.actor, reason=f"deleted in {self.source}"
        )

    def _exclusion(
        self, row: IncidentRow, event_id: str, state: LossEventState
    ) -> list[tuple[c.Command, str | None]]:
        if not row.exclusion_reference or state.excluded:
            return []
        cmd = c.ExcludeLossEvent(
            event_id=event_id,
            actor=self.actor,
            approval_reference=row.exclusion_reference,
            approved_on=self.today,
            reason=f"excluded in {self.source}",
        )
        return [(cmd, "exclusion_reference")]

    def _amount_commands(
        self, row: IncidentRow, event_id: str, state: LossEventState
    ) -> list[tuple[c.Command, str | None]]:
        src, actor = self.source, self.actor
        totals, numbers = _loader_lines(state, src)
        on = row.accounted_on or self.today
        out: list[tuple[c.Command, str | None]] = []
        delta = row.gross_loss - totals["gross"]
        if delta:
            out.append((c.RecordImpact(
                event_id=event_id, actor=actor, kind="loss" if delta > 0 else "reversal",
                amount=abs(delta), currency=row.currency, accounted_on=on,
                line_id=f"{src}:gross:{numbers['gross'] + 1}",
            ), "gross_loss"))  # fmt: skip
        recoveries: tuple[tuple[RecoveryKind, Decimal], ...] = (
            ("insurance", row.recovery_insurance),
            ("other", row.recovery_other),
        )
        for kind, have in recoveries:
            delta = have - totals[kind]
            if delta < 0:
                raise RowRejected(
                    f"recovery_{kind}",
                    f"recovery decreased from {totals[kind]} (a recovery once received is not "
                    "taken back by a load; record a reversal explicitly)",
                )
            if delta > 0:
                out.append((c.RecordRecovery(
                    event_id=event_id, actor=actor, kind=kind, amount=delta, currency=row.currency,
                    accounted_on=on, line_id=f"{src}:{kind}:{numbers[kind] + 1}",
                    allow_excess=row.gain,
                ), f"recovery_{kind}"))  # fmt: skip
        return out


def _descriptive(row: IncidentRow) -> dict[str, Any]:
    """The amendable fields as the row states them (blank text as the state stores it)."""
    return {
        "title": row.title or row.external_id,
        "description": row.description or "",
        "legal_entity": row.legal_entity,
        "lei": row.lei,
        "org_unit": row.org_unit or "",
        "occurred_on": row.occurred_on,
        "discovered_on": row.discovered_on,
        "near_miss": row.near_miss,
        "gain": row.gain,
        "credit_boundary": row.credit_boundary,
        "market_boundary": row.market_boundary,
        "legal": row.legal,
    }


def _loader_lines(state: LossEventState, source: str) -> tuple[dict[str, Decimal], dict[str, int]]:
    """Totals and highest line numbers of the lines the incidents loader of ``source`` wrote."""
    totals = {"gross": _ZERO, "insurance": _ZERO, "other": _ZERO}
    numbers = {"gross": 0, "insurance": 0, "other": 0}
    prefix = f"{source}:"
    for line_id, line in state.lines.items():
        if not line_id.startswith(prefix):
            continue
        what, _, n = line_id[len(prefix) :].partition(":")
        if what not in totals or not n.isdigit():
            continue
        numbers[what] = max(numbers[what], int(n))
        if what == "gross":
            totals[what] += -line.amount if line.kind == "reversal" else line.amount
        elif line.received:
            totals[what] += line.amount
    return totals, numbers
