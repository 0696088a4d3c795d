"""Planned batches: one write transaction per batch, each row decided by the domain before any is written.

A batch's event states are read once in its transaction, each row's commands are decided against
them with the domain's own ``decide`` (a row the domain refuses is rejected whole, with the
domain's message, and the rest of the batch loads), and the facts decided are appended as they
are (``Commands.execute_planned``), without a second read and decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, select

from oprisk.domain import commands as c
from oprisk.domain.events import Fact
from oprisk.domain.loss_event import LossEventState, decide, evolve, initial
from oprisk.errors import ConcurrencyError, DomainError
from oprisk.ingest.amount_rules import MAX_AMOUNT
from oprisk.ingest.isolation import data_error, printable
from oprisk.ingest.rejects import Reject
from oprisk.ingest.run import FileRun, Item
from oprisk.projections.projector import states_from
from oprisk.store.eventstore import NewEvent
from oprisk.store.schema import loss_event_versions
from oprisk.store.statistics import Statistics

__all__ = ["BatchRun"]


class BatchRun(FileRun):
    """A :class:`~oprisk.ingest.run.FileRun` whose batches are loss-event commands, decided then appended."""

    _conn: Connection  # the current batch's transaction
    _statistics: Statistics | None = None

    @property
    def statistics(self) -> Statistics:
        """The planner's statistics of the tables this load grows (refreshed as the log doubles)."""
        if self._statistics is None:
            self._statistics = Statistics()
        return self._statistics

    def _states(self, ids: Iterable[str]) -> dict[str, LossEventState]:
        """The current states of the batch's events, read in the batch's transaction."""
        return states_from(self.db.store.read_streams(self._conn, ids))

    def _group_roots(self, ids: Iterable[str | None]) -> set[str] | None:
        """Which of these events are the root of a group in the database (what ``execute``
        checks before a link); ``None`` in a dry run, whose earlier batches are not written."""
        if self.dry_run:
            return None
        todo = sorted({x for x in ids if x})
        v = loss_event_versions.c
        found: set[str] = set()
        for i in range(0, len(todo), 500):
            # the open rows are picked here, not in SQL: a ``valid_to_position IS NULL`` there
            # lets a planner without statistics read every open row by its index instead
            q = select(v.root_event_id, v.valid_to_position).where(
                v.root_event_id.in_(todo[i : i + 500])
            )
            found.update(r for r, to in self._conn.execute(q) if to is None)
        return found

    def _try(self, batch: list[Item], plan: Callable[[list[Item]], list[Item]]) -> None:
        """Plan and append one batch in one transaction; a row that makes it fail is isolated.

        When planning or appending the batch fails for a reason that can lie in its data (a
        database refusing a value, a value that cannot be serialised), the transaction is rolled
        back and each half of the batch is tried on its own, down to the row at fault, which is
        rejected with the reason: good rows always load. An error that is not about the data (the
        database gone) stops the load.
        """
        try:
            self._attempt(batch, plan)
        except _RowFailure as failure:
            if len(batch) == 1:
                item = batch[0]
                self._reject(item.line, [Reject(item.line, None, None, failure.reason)],
                             item.record, "store", item.event_id)  # fmt: skip
                return
            half = len(batch) // 2
            self._try(batch[:half], plan)
            self._try(batch[half:], plan)

    def _attempt(self, batch: list[Item], plan: Callable[[list[Item]], list[Item]]) -> None:
        """Plan and append ``batch`` in one transaction; a concurrent writer
        (``ConcurrencyError``) means plan again.

        The batch's states are read, every row is decided against them (the dry run) and the
        facts decided are appended as they are (``Commands.execute_planned``): the domain
        decides each command once. Planning has no side effects beyond ``self._pending`` (rows
        it refused) and ``self._deferring`` (rows it deferred), both kept only once the attempt
        succeeds, so a batch planned twice counts each row once.
        """
        recorded: list[Any] = []
        db = self.db
        for attempt in range(3):
            self._pending: list[tuple[Item, str | None, str]] = []
            self._deferring = []
            try:
                with db.reading() if self.dry_run else db.writing() as conn:
                    self._conn = conn
                    self._before: dict[str, LossEventState] = {}
                    items = plan(batch)
                    if not self.dry_run:
                        recorded = self._append(conn, items)
                        if recorded:  # keep the next batches' lookups on their indexes
                            self.statistics.grown(conn, recorded[-1].position)
            except ConcurrencyError:
                if attempt == 2:
                    raise
                continue
            except Exception as exc:
                reason = data_error(exc)
                if reason is None:
                    raise
                self._deferring = []
                raise _RowFailure(reason) from exc
            break
        for item in self._deferring:  # kept light while they wait: planning recomputes these
            item.commands, item.planned = [], []
        self.deferred.extend(self._deferring)
        for item, hint, message in self._pending:
            self._domain_reject(item, hint, message)
        self._committed(items)
        if self.dry_run:
            recorded = [f for item in items for _, results in item.planned for f in results]
        self.facts += len(recorded)
        for item in items:
            if item.outcome != "rejected":
                self._count(item.outcome)
                if any(type(cmd) is c.WithdrawLossEvent and res for cmd, res in item.planned):
                    self.withdrawn += 1

    def _committed(self, items: list[Item]) -> None:
        """After a batch went through (or a dry run planned it): what later batches must know."""

    def _append(self, conn: Connection, items: list[Item]) -> list[Any]:
        """Append the facts the dry runs decided, with the metadata ``execute`` would write."""
        correlation = str(uuid.uuid4())
        source, file = self.source, printable(self.path.name)
        pending: dict[str, list[NewEvent]] = {}
        folded: dict[tuple[str, int], tuple[Fact, LossEventState]] = {}
        for item in items:
            for cmd, results in item.planned:
                meta = {
                    "actor": cmd.actor,
                    "command": type(cmd).__name__,
                    "correlation_id": correlation,
                    "source": source,
                    "file": file,
                }
                events = pending.setdefault(cmd.event_id, [])
                for f, state in results:
                    events.append(NewEvent(f.event_type, f.payload(), f.schema_version, meta))
                    folded[(cmd.event_id, state.version)] = (f, state)
        if not any(pending.values()):
            return []
        return self.db.execute_planned(conn, pending, self._before, folded)

    def _refuse(self, item: Item, hint: str | None, message: str) -> None:
        """Reject a row while planning (recorded once the batch is through)."""
        item.outcome = "rejected"
        self._pending.append((item, hint, message))

    def _dry_run(
        self, item: Item, working: dict[str, LossEventState], roots: set[str] | None = None
    ) -> bool:
        """Decide the item's commands against the working state; reject the row on a refusal.

        ``roots``: the events that are the root of a group (for the link checks ``execute``
        makes); the links of a row that passes are added to it.
        """
        assert item.event_id is not None
        state = working.get(item.event_id) or initial(item.event_id)
        overrides = self.db.cause_overrides
        produced = 0
        planned: list[tuple[c.Command, list[tuple[Fact, LossEventState]]]] = []
        linked: list[str] = []
        for cmd, hint in item.commands:
            try:
                if roots is not None and type(cmd) is c.LinkLossEvent:
                    self.db.check_link(cmd, working, roots)
                facts = decide(cmd, state, cause_overrides=overrides)
            except DomainError as err:
                self._refuse(item, hint, str(err))
                return False
            results: list[tuple[Fact, LossEventState]] = []
            for f in facts:
                state = evolve(state, f)
                results.append((f, state))
            planned.append((cmd, results))
            produced += len(facts)
            if facts and type(cmd) is c.LinkLossEvent and cmd.root_event_id:
                linked.append(cmd.root_event_id)
        if state.gross_loss >= MAX_AMOUNT or state.recoveries >= MAX_AMOUNT:
            what = "gross loss" if state.gross_loss >= MAX_AMOUNT else "recoveries"
            total = state.gross_loss if what == "gross loss" else state.recoveries
            self._refuse(item, "amount" if self.kind == "movements" else "gross_loss",
                         f"would bring the event's {what} to {total:.6E}, above the limit of "
                         "10^18 for an amount")  # fmt: skip
            return False
        working[item.event_id] = state
        if roots is not None:
            roots.update(linked)
        if produced == 0:
            item.outcome, item.commands, item.planned = "unchanged", [], []
        else:
            item.planned = planned
        return True


class _RowFailure(Exception):
    """A batch failed for a reason that can lie in one of its rows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
